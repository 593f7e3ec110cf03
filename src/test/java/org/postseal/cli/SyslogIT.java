package org.postseal.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postseal.logging.Rsyslog;
import org.postseal.milter.MilterTestClient;

/**
 * The milter's lines in a real syslog, as an administrator reads them in /var/log/mail.log: the packaged jar runs
 * {@code postseal milter} with an opendkim.conf saying {@code Syslog yes}, signs a message, and its one line per
 * message lands in the mail log of an rsyslog this test starts (its own configuration, socket, UDP port and files;
 * {@link Rsyslog}), under {@code postseal[PID]:} with the queue id, d= and s=; nothing of it on stderr.
 * {@code SyslogFacility local3} keeps the lines out of the mail log; postseal's HOCON configuration reaches rsyslog
 * over UDP.
 */
class SyslogIT {
    private static final int UDP_PORT = freeUdpPort();
    private static final String MESSAGE = "From: Joe <joe@example.org>\r\nTo: ann@example.net\r\nSubject: hi\r\n"
            + "Date: Sun, 03 Mar 2024 12:00:00 +0000\r\nMessage-ID: <1@example.org>\r\n\r\nHello.\r\n";

    @TempDir
    static Path dir;
    private static Rsyslog rsyslog;
    private static Path key;

    @BeforeAll
    static void startRsyslog() throws Exception {
        rsyslog = Rsyslog.start(dir.resolve("rsyslog"), UDP_PORT);
        key = KeyFiles.genkey(Files.createDirectories(dir.resolve("keys")), "example.org", "mail");
    }

    @AfterAll
    static void stopRsyslog() throws Exception {
        if (rsyslog != null) {
            rsyslog.close();
        }
    }

    @Test
    void syslogYesPutsOneLinePerMessageInTheMailLog() throws Exception {
        int port = org.postseal.postfix.PostfixInstance.freePort();
        Path conf = openDkimConf("mail", port, "Syslog yes\nSyslogFacility mail\n");
        String stderr;
        long pid;
        try (Milter milter = Milter.start(conf, port)) {
            pid = milter.process.pid();
            try (MilterTestClient client = milter.client()) {
                List<MilterTestClient.Reply> replies = client.sendMessage("mx.example.org", "127.0.0.1",
                        "3F2A1C0D", MESSAGE.getBytes(StandardCharsets.US_ASCII));
                assertEquals('i', replies.get(0).code(), "a DKIM-Signature field is inserted");
            }
            try (MilterTestClient client = milter.client()) {
                client.sendMessage("mx.example.org", "203.0.113.5", "4B7E2D91",
                        MESSAGE.getBytes(StandardCharsets.US_ASCII));
            }
            try (MilterTestClient client = milter.client()) {
                client.sendMessage("mx.example.org", "127.0.0.1", "5C1\nmilter: 9F9F: signed forged",
                        MESSAGE.getBytes(StandardCharsets.US_ASCII));
            }
            rsyslog.await(rsyslog.mailLog(), log -> log.contains("5C1"));
            stderr = milter.stop();
        }
        String log = Rsyslog.read(rsyslog.mailLog());
        System.out.print("rsyslog's mail log:\n" + log + "the milter's stderr:\n" + stderr);
        String tag = " postseal[" + pid + "]: ";
        assertTrue(log.contains(tag + "3F2A1C0D: signed from=example.org d=example.org s=mail a=rsa-sha256\n"),
                "queue id, From domain, d=, s= in the mail log:\n" + log);
        assertTrue(log.contains(tag + "4B7E2D91: not signed: client client.example [203.0.113.5] not internal and "
                + "not authenticated\n"), "the reason a message was not signed:\n" + log);
        assertTrue(log.contains(tag + "5C1\\nmilter: 9F9F: signed forged: signed from=example.org"),
                "a queue id from outside stays on its line, escaped:\n" + log);
        assertEquals(1, log.lines().filter(l -> l.contains("3F2A1C0D")).count(), "one line per message:\n" + log);
        assertTrue(log.contains(tag + "postseal milter ready"), log);
        assertTrue(log.lines().allMatch(l -> l.contains(" postseal[") || l.contains("rsyslog-test")),
                "every line is a whole line:\n" + log);
        assertFalse(stderr.contains("3F2A1C0D"), "with syslog, stderr keeps warnings only:\n" + stderr);
        assertFalse(Rsyslog.read(rsyslog.local3Log()).contains("3F2A1C0D"));
    }

    @Test
    void anotherFacilityStaysOutOfTheMailLog() throws Exception {
        int port = org.postseal.postfix.PostfixInstance.freePort();
        Path conf = openDkimConf("local3", port, "Syslog yes\nSyslogFacility local3\n");
        try (Milter milter = Milter.start(conf, port)) {
            try (MilterTestClient client = milter.client()) {
                client.sendMessage("mx.example.org", "127.0.0.1", "7D3E0A11",
                        MESSAGE.getBytes(StandardCharsets.US_ASCII));
            }
            String local3 = rsyslog.await(rsyslog.local3Log(), log -> log.contains("7D3E0A11"));
            assertTrue(local3.contains("]: 7D3E0A11: signed from=example.org d=example.org s=mail"),
                    "the line reached rsyslog, under local3:\n" + local3);
            milter.stop();
        }
        assertFalse(Rsyslog.read(rsyslog.mailLog()).contains("7D3E0A11"),
                "not in the mail log:\n" + Rsyslog.read(rsyslog.mailLog()));
    }

    @Test
    void postsealsConfigurationSendsOverUdp() throws Exception {
        Path d = Files.createDirectories(dir.resolve("hocon"));
        Path conf = d.resolve("postseal.conf");
        int port = org.postseal.postfix.PostfixInstance.freePort();
        Files.writeString(conf, "postseal.milter {\n  socket = \"inet:" + port + "@127.0.0.1\"\n  mode = s\n"
                + "  domain = [example.org]\n  selector = mail\n  key-file = \"" + key + "\"\n}\n"
                + "postseal.logging.syslog {\n  enabled = true\n  facility = mail\n  host = \"127.0.0.1\"\n"
                + "  port = " + UDP_PORT + "\n}\n");
        try (Milter milter = Milter.start(List.of("--config", conf.toString()), port, Map.of())) {
            try (MilterTestClient client = milter.client()) {
                client.sendMessage("mx.example.org", "127.0.0.1", "8E4F1B22",
                        MESSAGE.getBytes(StandardCharsets.US_ASCII));
            }
            String log = rsyslog.await(rsyslog.mailLog(), l -> l.contains("8E4F1B22"));
            assertTrue(log.contains(" postseal[" + milter.process.pid() + "]: 8E4F1B22: signed from=example.org "
                    + "d=example.org s=mail a=rsa-sha256"), log);
            milter.stop();
        }
    }

    /** A UDP port free now (fixed ports in the ephemeral range collided with some connection's port in CI). */
    private static int freeUdpPort() {
        java.net.InetAddress loopback = java.net.InetAddress.getLoopbackAddress();
        try (java.net.DatagramSocket socket = new java.net.DatagramSocket(0, loopback)) {
            return socket.getLocalPort();
        } catch (java.net.SocketException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Path openDkimConf(String name, int port, String syslog) throws IOException {
        Path d = Files.createDirectories(dir.resolve(name));
        Path conf = d.resolve("opendkim.conf");
        Files.writeString(conf, syslog + "Mode s\nDomain example.org\nSelector mail\nKeyFile " + key
                + "\nSocket inet:" + port + "@127.0.0.1\n");
        return conf;
    }

    /** The packaged jar's milter, its syslog socket rsyslog's; stderr to a file. */
    private static final class Milter implements AutoCloseable {
        private final Process process;
        private final Path stderr;
        private final int port;

        private Milter(Process process, Path stderr, int port) {
            this.process = process;
            this.stderr = stderr;
            this.port = port;
        }

        static Milter start(Path openDkimConf, int port) throws Exception {
            return start(List.of("--opendkim-conf", openDkimConf.toString()), port,
                    Map.of("POSTSEAL_SYSLOG_SOCKET", rsyslog.socket().toString()));
        }

        static Milter start(List<String> args, int port, Map<String, String> environment) throws Exception {
            List<String> command = new ArrayList<>(List.of("java", "-jar", PostsealProcess.jar().toString(),
                    "milter"));
            command.addAll(args);
            Path stderr = dir.resolve("milter-" + port + ".err");
            ProcessBuilder builder = new ProcessBuilder(command).redirectInput(new File("/dev/null"))
                    .redirectErrorStream(true).redirectOutput(stderr.toFile());
            builder.environment().putAll(environment);
            Milter milter = new Milter(builder.start(), stderr, port);
            try {
                MilterCommandIT.awaitListening(milter.process, port);
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + ":\n" + milter.stop(), e);
            }
            return milter;
        }

        MilterTestClient client() throws IOException {
            MilterTestClient client = new MilterTestClient(new InetSocketAddress("127.0.0.1", port));
            client.negotiate(6, MilterTestClient.POSTFIX_ACTIONS, MilterTestClient.POSTFIX_STEPS_V6);
            return client;
        }

        /** Stops the milter; what it wrote on stderr. */
        String stop() throws Exception {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
            return Files.readString(stderr, StandardCharsets.UTF_8);
        }

        @Override
        public void close() throws Exception {
            if (process.isAlive()) {
                stop();
            }
        }
    }
}
