package org.postseal.postfix;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.postseal.interop.Peers;

/**
 * The Debian {@code postfix} programs a throwaway instance needs, and the one privilege it needs: root, because
 * {@code postfix start} refuses anyone else and the daemons drop to {@code mail_owner} themselves.
 *
 * <p>As {@code Peers.require} does for the DKIM peers, {@link #require()} skips the calling test when something is
 * missing, and fails it when the environment variable {@code CI} is {@code true}.
 */
public final class PostfixPrograms {
    /** The Postfix control program. */
    static final Path POSTFIX = Path.of("/usr/sbin/postfix");
    /** Postfix's sendmail-compatible submission program. */
    static final Path SENDMAIL = Path.of("/usr/sbin/sendmail");
    /** The set-gid program sendmail hands the message to, which writes it into {@code maildrop}. */
    static final Path POSTDROP = Path.of("/usr/sbin/postdrop");
    /** The configuration tool. */
    static final Path POSTCONF = Path.of("/usr/sbin/postconf");
    /** Debian's {@code daemon_directory}. */
    static final Path DAEMON_DIRECTORY = Path.of("/usr/lib/postfix/sbin");

    private static final List<Path> PROGRAMS = List.of(POSTFIX, SENDMAIL, POSTDROP, POSTCONF,
            DAEMON_DIRECTORY.resolve("master"), DAEMON_DIRECTORY.resolve("smtpd"),
            DAEMON_DIRECTORY.resolve("cleanup"), DAEMON_DIRECTORY.resolve("pickup"),
            DAEMON_DIRECTORY.resolve("postlogd"));
    private static volatile Optional<String> missing;

    private PostfixPrograms() {
    }

    /**
     * Skips the test (fails it when {@code CI=true}) unless Postfix is installed, its {@code postfix} user and
     * {@code postdrop} group exist, and this JVM runs as root.
     */
    public static void require() {
        Optional<String> why = missing;
        if (why == null) {
            why = probe();
            missing = why;
        }
        why.ifPresent(reason -> {
            String message = "a throwaway Postfix cannot run here (" + reason
                    + "): run as root with Debian package postfix installed, e.g. with .ci/install-test-deps.sh";
            Peers.unavailable(message);
        });
    }

    private static Optional<String> probe() {
        for (Path program : PROGRAMS) {
            if (!Files.isExecutable(program)) {
                return Optional.of(program + " not found");
            }
        }
        try {
            List<String> passwd = Files.readAllLines(Path.of("/etc/passwd"), StandardCharsets.UTF_8);
            if (passwd.stream().noneMatch(line -> line.startsWith("postfix:"))) {
                return Optional.of("no user postfix");
            }
            List<String> group = Files.readAllLines(Path.of("/etc/group"), StandardCharsets.UTF_8);
            if (group.stream().noneMatch(line -> line.startsWith("postdrop:"))) {
                return Optional.of("no group postdrop");
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
