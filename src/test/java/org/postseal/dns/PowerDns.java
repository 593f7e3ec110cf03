package org.postseal.dns;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.postseal.interop.Peers;
import org.postseal.keys.ZoneFileException;
import org.postseal.keys.ZoneFileTxt;

/**
 * A real authoritative DNS server for tests: PowerDNS ({@code pdns_server}, Debian's {@code pdns-server}) with its
 * sqlite3 backend ({@code pdns-backend-sqlite3}), on a free loopback port, in a private directory (its own
 * {@code pdns.conf}, sqlite database made from the packaged schema, socket directory), in the foreground, without
 * guardian, as the current user, with every cache off so that a record added is answered at once. It never touches a
 * system instance (no {@code /etc/powerdns}, no system socket). Records are made with {@code pdnsutil}, as
 * administrators do.
 *
 * <p>Use:
 * <pre>{@code
 * try (PowerDns dns = PowerDns.start(tempDir)) {
 *     dns.addTxt("mail._domainkey.example.com", "v=DKIM1; k=rsa; p=MIIB...");  // the zone is made on first use
 *     NameServer server = dns.nameServer();                                   // 127.0.0.1:PORT
 *     ... "postseal verify --nameserver " + dns.nameServer() ...
 *     dns.removeRecord("mail._domainkey.example.com", "TXT");
 *     dns.stop();                                                             // now queries fail: "DNS down"
 *     dns.restart();                                                          // same port, same records
 * }
 * }</pre>
 *
 * <ul>
 *   <li>{@link #start(Path)}: starts a server keeping its files under the directory (one sub-directory per server).
 *   <li>{@link #publish(String, Path)}: the record of a {@code SELECTOR.txt} zone file made by a genkey.
 *   <li>{@link #addTxt(String, String)}: a TXT record, the text split into strings of 255 bytes as zone files do;
 *     {@link #addTxt(String, int, List)} with a TTL and the strings given; {@link #addRecord} any type (CNAME...).
 *   <li>{@link #removeRecord(String, String)}: removes every record of that type at the name.
 *   <li>{@link #port()}, {@link #nameServer()}: where it listens (UDP and TCP).
 *   <li>{@link #stop()}, {@link #restart()}, {@link #close()}.
 * </ul>
 * Names are absolute, without the final dot. The zone of a name is made when first needed: the part after
 * {@code _domainkey.} for a key record, otherwise the name without its first label (or the zone given to
 * {@link #createZone}, the longest match winning).
 *
 * <p>When {@code pdns_server} or {@code pdnsutil} is missing, {@link #start} skips the test, or fails it when the
 * environment variable {@code CI} is {@code true} ({@link Peers#unavailable(String)}); {@code .ci/install-test-deps.sh}
 * installs both packages.
 */
public final class PowerDns implements AutoCloseable {
    /** The server. */
    public static final Path SERVER = Path.of("/usr/sbin/pdns_server");
    /** Its zone tool. */
    public static final Path PDNSUTIL = Path.of("/usr/bin/pdnsutil");
    private static final Path SCHEMA = Path.of("/usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql");
    private static final int DEFAULT_TTL = 300;

    private final Path directory;
    private final int port;
    private final List<InetSocketAddress> alsoOn;
    private final Set<String> zones = new TreeSet<>();
    private Process process;

    private PowerDns(Path directory, int port, List<InetSocketAddress> alsoOn) {
        this.directory = directory;
        this.port = port;
        this.alsoOn = alsoOn;
    }

    /**
     * Starts a server on a free loopback port with an empty database under {@code parent}, and waits until it
     * answers.
     *
     * @throws AssertionError under {@code CI=true} when PowerDNS is not installed (the test is skipped elsewhere)
     */
    public static PowerDns start(Path parent) {
        return start(parent, List.of());
    }

    /**
     * As {@link #start(Path)}, the server also answering on each of {@code alsoOn} (UDP and TCP), for a client that
     * cannot be given a port: the system resolver (glibc's {@code resolv.conf}) only talks to port 53, so a test that
     * runs such a client gives it a loopback address of its own at port 53 (binding it needs root).
     */
    public static PowerDns start(Path parent, List<InetSocketAddress> alsoOn) {
        requireInstalled();
        try {
            Path directory = Files.createTempDirectory(parent, "pdns-");
            createDatabase(directory.resolve("pdns.sqlite3"));
            IOException last = null;
            for (int attempt = 0; attempt < 3; attempt++) {
                PowerDns dns = new PowerDns(directory, freePort(), List.copyOf(alsoOn));
                try {
                    dns.writeConfig();
                    dns.launch();
                    Runtime.getRuntime().addShutdownHook(new Thread(dns::stop, "pdns-stop"));
                    return dns;
                } catch (IOException e) {
                    last = e;
                    dns.stop();
                }
            }
            throw new UncheckedIOException(last);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Skips the test (fails it when {@code CI=true}) unless PowerDNS with its sqlite3 backend is installed. */
    public static void requireInstalled() {
        for (Path program : List.of(SERVER, PDNSUTIL)) {
            if (!Files.isExecutable(program)) {
                Peers.unavailable(program + " is missing: install Debian packages pdns-server pdns-backend-sqlite3,"
                        + " e.g. with .ci/install-test-deps.sh");
            }
        }
        if (!Files.isRegularFile(SCHEMA)) {
            Peers.unavailable(SCHEMA + " is missing: install Debian package pdns-backend-sqlite3,"
                    + " e.g. with .ci/install-test-deps.sh");
        }
    }

    /** The UDP and TCP port it listens on, on 127.0.0.1. */
    public int port() {
        return port;
    }

    /** Where it listens, as {@code --nameserver} and {@link DnsSettings} take it: {@code 127.0.0.1:PORT}. */
    public NameServer nameServer() {
        return new NameServer(InetAddress.getLoopbackAddress(), port);
    }

    /** Adds a TXT record at {@code name} with the default TTL (300 s), split into strings of at most 255 bytes. */
    public void addTxt(String name, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        List<String> strings = new ArrayList<>();
        for (int start = 0; start < bytes.length; start += 255) {
            strings.add(new String(bytes, start, Math.min(255, bytes.length - start), StandardCharsets.UTF_8));
        }
        addTxt(name, DEFAULT_TTL, strings);
    }

    /** Adds a TXT record at {@code name} made of {@code strings}, each at most 255 bytes, kept {@code ttl} seconds. */
    public void addTxt(String name, int ttl, List<String> strings) {
        StringBuilder content = new StringBuilder();
        for (String string : strings) {
            if (!content.isEmpty()) {
                content.append(' ');
            }
            content.append('"').append(string.replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
        }
        addRecord(name, "TXT", ttl, content.toString());
    }

    /**
     * Publishes at {@code name} the TXT record(s) of a zone file as {@code genkey} and {@code opendkim-genkey} write
     * it ({@code SELECTOR.txt}).
     */
    public void publish(String name, Path zoneFile) {
        try {
            for (ZoneFileTxt.Entry entry : ZoneFileTxt.parse(Files.readString(zoneFile))) {
                addTxt(name, entry.value());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (ZoneFileException e) {
            throw new IllegalArgumentException(zoneFile + ": " + e.getMessage(), e);
        }
    }

    /** Adds a record of any type, its content as {@code pdnsutil} takes it (a CNAME's target ends with a dot). */
    public void addRecord(String name, String type, int ttl, String content) {
        String zone = zoneOf(name);
        pdnsutil("add-record", zone, relative(name, zone), type, Integer.toString(ttl), content);
        pdnsutil("rectify-zone", zone);
    }

    /** Removes every record of {@code type} at {@code name}. */
    public void removeRecord(String name, String type) {
        String zone = zoneOf(name);
        pdnsutil("delete-rrset", zone, relative(name, zone), type);
        pdnsutil("rectify-zone", zone);
    }

    /** Makes an empty zone (a SOA only), unless it exists. */
    public void createZone(String zone) {
        String name = zone.toLowerCase(Locale.ROOT);
        if (zones.add(name)) {
            pdnsutil("create-zone", name);
        }
    }

    /** Stops the server; queries then fail as when a DNS server is down. Records are kept. */
    public synchronized void stop() {
        if (process != null) {
            process.destroy();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
            process = null;
        }
    }

    /** Starts the stopped server again, on the same port, with the same records. */
    public void restart() {
        stop();
        try {
            launch();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Stops the server and removes its files. */
    @Override
    public void close() {
        stop();
        try (Stream<Path> files = Files.walk(directory)) {
            files.sorted(Comparator.reverseOrder()).forEach(file -> file.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private String zoneOf(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        String best = null;
        for (String zone : zones) {
            if ((lower.equals(zone) || lower.endsWith("." + zone)) && (best == null || zone.length() > best.length())) {
                best = zone;
            }
        }
        if (best != null) {
            return best;
        }
        int keys = lower.indexOf("._domainkey.");
        String zone = keys >= 0 ? lower.substring(keys + "._domainkey.".length()) : lower.substring(lower.indexOf('.')
                + 1);
        createZone(zone);
        return zone;
    }

    private static String relative(String name, String zone) {
        String lower = name.toLowerCase(Locale.ROOT);
        return lower.equals(zone) ? "@" : lower.substring(0, lower.length() - zone.length() - 1);
    }

    private void writeConfig() throws IOException {
        Files.writeString(directory.resolve("pdns.conf"), String.join("\n",
                "launch=gsqlite3",
                "gsqlite3-database=" + directory.resolve("pdns.sqlite3"),
                "local-address=127.0.0.1" + alsoOn.stream()
                        .map(a -> ", " + a.getAddress().getHostAddress() + ":" + a.getPort())
                        .reduce("", String::concat),
                "local-port=" + port,
                "socket-dir=" + directory,
                "guardian=no",
                "daemon=no",
                "disable-syslog=yes",
                "write-pid=no",
                "security-poll-suffix=",
                "cache-ttl=0",
                "negquery-cache-ttl=0",
                "query-cache-ttl=0",
                "zone-cache-refresh-interval=0",
                "api=no",
                "webserver=no",
                "loglevel=4",
                ""));
    }

    private void launch() throws IOException {
        process = new ProcessBuilder(SERVER.toString(), "--config-dir=" + directory)
                .redirectErrorStream(true)
                .redirectOutput(directory.resolve("pdns.log").toFile())
                .start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("pdns_server exited " + process.exitValue() + ":\n"
                        + Files.readString(directory.resolve("pdns.log")));
            }
            try (Socket probe = new Socket()) {
                probe.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
                return;
            } catch (IOException notYet) {
                sleep();
            }
        }
        throw new IOException("pdns_server did not listen on port " + port + " within 15 s:\n"
                + Files.readString(directory.resolve("pdns.log")));
    }

    private void pdnsutil(String... arguments) {
        List<String> command = new ArrayList<>(List.of(PDNSUTIL.toString(), "--config-dir=" + directory));
        command.addAll(List.of(arguments));
        try {
            Path log = directory.resolve("pdnsutil.log");
            Process tool = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!tool.waitFor(30, TimeUnit.SECONDS)) {
                tool.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not finish in 30 s");
            }
            if (tool.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " exited " + tool.exitValue() + ":\n"
                        + Files.readString(log));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted: " + String.join(" ", command), e);
        }
    }

    private static void createDatabase(Path database) throws IOException {
        // sqlite3's shell is not always installed; pdnsutil needs the schema, which the JDK cannot load: python can
        Process python = new ProcessBuilder("/usr/bin/python3", "-c",
                "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]);"
                        + " c.executescript(open(sys.argv[2]).read()); c.commit()",
                database.toString(), SCHEMA.toString())
                .redirectErrorStream(true).start();
        try {
            String output = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!python.waitFor(30, TimeUnit.SECONDS) || python.exitValue() != 0) {
                throw new IOException("could not create " + database + ": " + output);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private static int freePort() throws IOException {
        for (int attempt = 0; attempt < 20; attempt++) {
            int candidate;
            try (ServerSocket tcp = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                candidate = tcp.getLocalPort();
            }
            try (DatagramSocket udp = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(),
                    candidate))) {
                return candidate;
            } catch (IOException taken) {
                // try another
            }
        }
        throw new IOException("no free loopback port for both UDP and TCP");
    }

    private static void sleep() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
