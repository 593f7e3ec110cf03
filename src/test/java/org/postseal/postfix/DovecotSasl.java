package org.postseal.postfix;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.postseal.interop.Peers;

/**
 * A real, throwaway Dovecot 2.3 ({@code /usr/sbin/dovecot} from Debian's {@code dovecot-core}) serving only its
 * authentication service, for Postfix's {@code smtpd_sasl_type = dovecot}: the SASL mechanisms Postfix offers and
 * the verdicts on passwords then come from Dovecot itself, not from an imitation of its protocol (contrast
 * {@link DovecotAuthServer}).
 *
 * <p>{@link #start(Map)} writes a configuration of its own into a fresh {@code /tmp/postseal-dovecot-*} directory
 * ({@code base_dir}, {@code state_dir} and the log inside it; no protocols, so no IMAP or POP3 listener;
 * {@code ssl = no}; {@code auth_mechanisms = plain login}; a {@code passwd-file} passdb with {@code {PLAIN}}
 * passwords) and runs {@code dovecot -c FILE -F} in the foreground, its auth service listening on
 * {@code 127.0.0.1:}{@link #port()}. {@link #close()} stops that process (by its own handle; Dovecot's children exit
 * with their master) and deletes the directory.
 */
public final class DovecotSasl implements AutoCloseable {
    /** Dovecot's master program. */
    static final Path DOVECOT = Path.of("/usr/sbin/dovecot");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    private static final int START_ATTEMPTS = 3;

    private static volatile Optional<String> missing;

    private final Path directory;
    private final int port;
    private Process process;

    private DovecotSasl(Path directory, int port) {
        this.directory = directory;
        this.port = port;
    }

    /**
     * Skips the test (fails it when the environment variable {@code CI} is {@code true}) unless Dovecot is installed
     * with its {@code dovecot} and {@code dovenull} users, and this JVM runs as root, as {@link PostfixPrograms}
     * does for Postfix.
     */
    public static void require() {
        Optional<String> why = missing;
        if (why == null) {
            why = probe();
            missing = why;
        }
        why.ifPresent(reason -> {
            String message = "a throwaway Dovecot cannot run here (" + reason
                    + "): run as root with Debian package dovecot-core installed, e.g. with .ci/install-test-deps.sh";
            Peers.unavailable(message);
        });
    }

    /**
     * Starts Dovecot's auth service for {@code users} (name to password) and waits until it answers.
     *
     * @throws IllegalStateException if it does not start; the message carries its log
     * @throws org.opentest4j.TestAbortedException if Dovecot cannot run here and {@code CI} is not {@code true}
     */
    public static DovecotSasl start(Map<String, String> users) {
        Objects.requireNonNull(users, "users");
        require();
        for (int attempt = 1; ; attempt++) {
            DovecotSasl dovecot;
            try {
                Path directory = Files.createTempDirectory(Path.of("/tmp"), "postseal-dovecot-");
                Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwxr-xr-x"));
                dovecot = new DovecotSasl(directory, PostfixInstance.freePort());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            try {
                dovecot.launch(users);
                return dovecot;
            } catch (RuntimeException e) {
                String log = dovecot.log();
                dovecot.close();
                if (attempt >= START_ATTEMPTS || !log.contains("Address already in use")) {
                    throw e;
                }
            }
        }
    }

    /** The port of the auth service on 127.0.0.1. */
    public int port() {
        return port;
    }

    /** The value for Postfix's {@code smtpd_sasl_path}. */
    public String saslPath() {
        return "inet:127.0.0.1:" + port;
    }

    /** What Dovecot logged so far. */
    public String log() {
        try {
            return Files.readString(directory.resolve("dovecot.log"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /** Stops Dovecot and deletes its directory. Safe to call more than once. */
    @Override
    public synchronized void close() {
        if (process != null) {
            List<ProcessHandle> children = process.descendants().toList();
            process.destroy();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            // the children leave with their master; any that lingers is ours, killed by its own handle
            for (ProcessHandle child : children) {
                if (child.isAlive()) {
                    child.destroyForcibly();
                }
            }
            process = null;
        }
        try (Stream<Path> files = Files.walk(directory)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            System.err.println("DovecotSasl: cannot delete " + directory + ": " + e);
        }
    }

    @Override
    public String toString() {
        return "DovecotSasl{" + directory + ", auth 127.0.0.1:" + port + "}";
    }

    private void launch(Map<String, String> users) {
        Path config = directory.resolve("dovecot.conf");
        Path passwd = directory.resolve("passwd");
        try {
            Files.createDirectories(directory.resolve("run"));
            Files.createDirectories(directory.resolve("state"));
            StringBuilder entries = new StringBuilder();
            users.forEach((user, password) -> {
                if ((user + password).chars().anyMatch(c -> c == ':' || c == '\n' || c == '\r' || c == 0)) {
                    throw new IllegalArgumentException("user: " + user + " (expected: no ':' or line break)");
                }
                entries.append(user).append(":{PLAIN}").append(password).append('\n');
            });
            Files.writeString(passwd, entries, StandardCharsets.UTF_8);
            Files.writeString(config, String.join("\n",
                    "# a throwaway auth-only Dovecot made by " + DovecotSasl.class.getName() + " for a test",
                    "base_dir = " + directory.resolve("run"),
                    "state_dir = " + directory.resolve("state"),
                    "log_path = " + directory.resolve("dovecot.log"),
                    "instance_name = postseal-" + directory.getFileName(),
                    "protocols =",
                    "listen = 127.0.0.1",
                    "ssl = no",
                    "disable_plaintext_auth = no",
                    "auth_mechanisms = plain login",
                    "auth_verbose = yes",
                    "auth_failure_delay = 0",
                    "default_internal_user = dovecot",
                    "default_login_user = dovenull",
                    "passdb {",
                    "  driver = passwd-file",
                    "  args = " + passwd,
                    "}",
                    "userdb {",
                    "  driver = static",
                    "  args = uid=nobody gid=nogroup home=/nonexistent",
                    "}",
                    "service auth {",
                    "  inet_listener {",
                    "    address = 127.0.0.1",
                    "    port = " + port,
                    "  }",
                    "}",
                    "service anvil {",
                    "  chroot =",
                    "}",
                    ""), StandardCharsets.UTF_8);
            process = new ProcessBuilder(DOVECOT.toString(), "-c", config.toString(), "-F")
                    .redirectErrorStream(true)
                    .redirectOutput(directory.resolve("stdout").toFile())
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (true) {
            if (!process.isAlive()) {
                throw new IllegalStateException("dovecot -c " + config + " exited " + process.exitValue() + ":\n"
                        + output() + "\nlog:\n" + log());
            }
            if (answers()) {
                return;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("dovecot's auth service did not answer on 127.0.0.1:" + port
                        + " within " + START_TIMEOUT + ":\n" + output() + "\nlog:\n" + log());
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while starting dovecot", e);
            }
        }
    }

    /** True once the auth service greets a client with its {@code VERSION} line. */
    private boolean answers() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            socket.setSoTimeout(2000);
            socket.getOutputStream().write("VERSION\t1\t2\nCPID\t1\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            byte[] greeting = new byte[8];
            int n = in.readNBytes(greeting, 0, greeting.length);
            return n == greeting.length && new String(greeting, StandardCharsets.US_ASCII).startsWith("VERSION");
        } catch (IOException e) {
            return false;
        }
    }

    private String output() {
        try {
            return Files.readString(directory.resolve("stdout"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private static Optional<String> probe() {
        if (!Files.isExecutable(DOVECOT)) {
            return Optional.of(DOVECOT + " not found");
        }
        try {
            List<String> passwd = Files.readAllLines(Path.of("/etc/passwd"), StandardCharsets.UTF_8);
            for (String user : List.of("dovecot", "dovenull")) {
                if (passwd.stream().noneMatch(line -> line.startsWith(user + ":"))) {
                    return Optional.of("no user " + user);
                }
            }
            return Files.readAllLines(Path.of("/proc/self/status"), StandardCharsets.UTF_8).stream()
                    .filter(line -> line.startsWith("Uid:"))
                    .findFirst()
                    .filter(line -> !line.split("\\s+")[2].equals("0"))
                    .map(line -> "not running as root (" + line.trim() + ")");
        } catch (IOException e) {
            return Optional.of("cannot check users and privileges: " + e.getMessage());
        }
    }
}
