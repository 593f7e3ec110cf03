package org.postseal.logging;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.postseal.interop.Peers;

/**
 * A real syslog daemon for tests: Debian's rsyslog ({@code rsyslogd}), in the foreground, with its own configuration
 * file, pid file and work directory under a test directory, and nothing of the system's: no {@code /dev/log}
 * (imuxsock's system socket is off), no kernel log, no {@code /etc/rsyslog.conf}. It listens where postseal may send:
 * a unix datagram socket of its own (as {@code /dev/log} is, served by the same imuxsock module) and UDP on a
 * loopback port (imudp). It writes as Debian's rsyslog writes {@code /var/log/mail.log}: the {@code mail} facility
 * to {@link #mailLog()}, in the traditional file format; {@code local3} goes to {@link #local3Log()}, so that a test
 * can tell that a line it did not find in the mail log did reach the daemon.
 *
 * <p>When {@code rsyslogd} is missing, {@link #start} skips the test, or fails it when the environment variable
 * {@code CI} is {@code true}; {@code .ci/install-test-deps.sh} installs the {@code rsyslog} package (and starts no
 * system instance).
 */
public final class Rsyslog implements AutoCloseable {
    /** The daemon. */
    public static final Path RSYSLOGD = Path.of("/usr/sbin/rsyslogd");
    private static final long WAIT_NANOS = TimeUnit.SECONDS.toNanos(20);

    private final Path directory;
    private final int udpPort;
    private final Process process;

    private Rsyslog(Path directory, int udpPort, Process process) {
        this.directory = directory;
        this.udpPort = udpPort;
        this.process = process;
    }

    /**
     * Starts rsyslogd with its files under {@code directory}, UDP on 127.0.0.1:{@code udpPort}, and returns once a
     * line sent to each input has been written to the mail log.
     */
    public static Rsyslog start(Path directory, int udpPort) throws IOException, InterruptedException {
        Peers.requireProgram(RSYSLOGD, "rsyslog");
        Files.createDirectories(directory.resolve("work"));
        Path conf = directory.resolve("rsyslog.conf");
        Files.writeString(conf, String.join("\n",
                "global(workDirectory=\"" + directory.resolve("work") + "\")",
                "module(load=\"imuxsock\" SysSock.Use=\"off\")",
                "input(type=\"imuxsock\" Socket=\"" + directory.resolve("log.sock") + "\")",
                "module(load=\"imudp\")",
                "input(type=\"imudp\" address=\"127.0.0.1\" port=\"" + udpPort + "\")",
                "mail.* action(type=\"omfile\" file=\"" + directory.resolve("mail.log")
                        + "\" template=\"RSYSLOG_TraditionalFileFormat\")",
                "local3.* action(type=\"omfile\" file=\"" + directory.resolve("local3.log")
                        + "\" template=\"RSYSLOG_TraditionalFileFormat\")",
                ""));
        Process process = new ProcessBuilder(RSYSLOGD.toString(), "-n", "-f", conf.toString(), "-i",
                directory.resolve("rsyslogd.pid").toString())
                .redirectInput(new File("/dev/null")).redirectErrorStream(true)
                .redirectOutput(directory.resolve("rsyslogd.out").toFile()).start();
        Rsyslog rsyslog = new Rsyslog(directory, udpPort, process);
        try {
            rsyslog.awaitReady();
        } catch (IOException | InterruptedException | RuntimeException | AssertionError e) {
            rsyslog.close();
            throw e;
        }
        return rsyslog;
    }

    /** The unix datagram socket it reads, as it reads /dev/log. */
    public Path socket() {
        return directory.resolve("log.sock");
    }

    /** The UDP port it reads on 127.0.0.1. */
    public int udpPort() {
        return udpPort;
    }

    /** Where the mail facility's lines go, as /var/log/mail.log. */
    public Path mailLog() {
        return directory.resolve("mail.log");
    }

    /** Where the local3 facility's lines go. */
    public Path local3Log() {
        return directory.resolve("local3.log");
    }

    /** The text of a log file it writes; empty while it has written nothing there. */
    public static String read(Path log) {
        try {
            return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits (at most 20 s) until the log's text satisfies {@code condition}; returns the text either way. */
    public String await(Path log, Predicate<String> condition) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT_NANOS;
        String text = read(log);
        while (!condition.test(text) && System.nanoTime() < deadline) {
            Thread.sleep(50);
            text = read(log);
        }
        return text;
    }

    private void awaitReady() throws IOException, InterruptedException {
        String socketProbe = "probe-" + UUID.randomUUID();
        String udpProbe = "probe-" + UUID.randomUUID();
        long deadline = System.nanoTime() + WAIT_NANOS;
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError("rsyslogd exited " + process.exitValue() + ":\n" + output());
            }
            String log = read(mailLog());
            if (log.contains(socketProbe) && log.contains(udpProbe)) {
                return;
            }
            // <22>: mail.info; rsyslog takes the line whatever the format around the tag
            if (Files.exists(socket())) {
                send(socketProbe);
            }
            try (DatagramChannel udp = DatagramChannel.open()) {
                udp.send(ByteBuffer.wrap(("<22>rsyslog-test: " + udpProbe).getBytes(StandardCharsets.US_ASCII)),
                        new InetSocketAddress("127.0.0.1", udpPort));
            }
            Thread.sleep(200);
        }
        throw new AssertionError("rsyslogd did not write its probes to " + mailLog() + " within 20 s:\n" + output()
                + "\nmail log:\n" + read(mailLog()));
    }

    /** One datagram to its socket, by {@code logger(1)} (util-linux, in Debian's essential bsdutils). */
    private void send(String probe) throws IOException, InterruptedException {
        Process logger = new ProcessBuilder("logger", "-u", socket().toString(), "-p", "mail.info", "-t",
                "rsyslog-test", probe).redirectErrorStream(true).start();
        logger.getInputStream().readAllBytes();
        logger.waitFor(10, TimeUnit.SECONDS);
    }

    /** What rsyslogd printed. */
    public String output() {
        return read(directory.resolve("rsyslogd.out"));
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
