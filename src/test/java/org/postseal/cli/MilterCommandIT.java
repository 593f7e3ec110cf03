package org.postseal.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postseal.milter.MilterTestClient;
import org.postseal.transport.ExitStatus;

/**
 * {@code postseal milter} as an administrator starts it: from an existing opendkim.conf (the seed's, with its
 * TrustedHosts), refusing bad tables and unsafe keys with exit 78 and the file and line, and listening on a unix
 * socket with the mode asked for.
 */
class MilterCommandIT {
    @TempDir
    static Path dir;

    @BeforeAll
    static void makeKey() throws Exception {
        PostsealProcess.Outcome genkey = PostsealProcess.run(new byte[0], "genkey", "-d", "example.com", "-s", "mail",
                "-D", dir.resolve("keys").toString());
        assertEquals(0, genkey.exitCode(), genkey.stderr());
    }

    @Test
    void aBadKeyTableLineStopsStartUpWithFileLineAndExit78() throws Exception {
        Path conf = openDkimConf("bad", "mail._domainkey.example.com example.com:mail:" + key() + "\nthis line is wrong\n",
                "*@example.com mail._domainkey.example.com\n", 18000);
        PostsealProcess.Outcome outcome = PostsealProcess.run(new byte[0], "milter", "--opendkim-conf",
                conf.toString());
        assertEquals(ExitStatus.CONFIG, outcome.exitCode(), outcome.stderr());
        assertTrue(outcome.stderr().contains(dir.resolve("bad/KeyTable") + ":2"), outcome.stderr());
        assertFalse(outcome.stderr().contains("\tat "), "no stack trace: " + outcome.stderr());
    }

    @Test
    void aSigningTableNamingAMissingKeyStopsStartUp() throws Exception {
        Path conf = openDkimConf("missing", "mail._domainkey.example.com example.com:mail:" + key() + "\n",
                "*@example.com mail._domainkey.jpistre.fr\n", 18001);
        PostsealProcess.Outcome outcome = PostsealProcess.run(new byte[0], "milter", "--opendkim-conf",
                conf.toString());
        assertEquals(ExitStatus.CONFIG, outcome.exitCode(), outcome.stderr());
        assertTrue(outcome.stderr().contains("SigningTable:1"), outcome.stderr());
    }

    @Test
    void aKeyOthersCanReadIsRefused() throws Exception {
        Path unsafe = dir.resolve("unsafe.private");
        Files.copy(Path.of(key()), unsafe);
        Files.setPosixFilePermissions(unsafe, PosixFilePermissions.fromString("rw-r--r--"));
        Path conf = openDkimConf("unsafe", "k example.com:mail:" + unsafe + "\n", "*@example.com k\n", 18002);
        PostsealProcess.Outcome outcome = PostsealProcess.run(new byte[0], "milter", "--opendkim-conf",
                conf.toString());
        assertEquals(ExitStatus.CONFIG, outcome.exitCode(), outcome.stderr());
        assertTrue(outcome.stderr().contains("readable or writable by others"), outcome.stderr());
    }

    /** Issue 8, defect 7: a key that is /dev/zero was read until the heap ran out. */
    @Test
    void aKeyFileThatIsDevZeroIsRefusedWithOneLine() throws Exception {
        assertRefused(keyFileConf("zero", "/dev/zero"), "/dev/zero: is not a regular file");
    }

    /** Issue 8, defect 7: a key that is a FIFO blocked start-up for ever. */
    @Test
    void aKeyFileThatIsAFifoIsRefusedPromptly() throws Exception {
        Path fifo = dir.resolve("fifo.private");
        Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
        assertTrue(mkfifo.waitFor(10, TimeUnit.SECONDS) && mkfifo.exitValue() == 0, "mkfifo");
        long start = System.nanoTime();
        assertRefused(keyFileConf("fifo", fifo.toString()), fifo + ": is not a regular file");
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(60), "refused promptly");
    }

    /** Issue 8, defect 7: an Include of /dev/zero was read until the heap ran out. */
    @Test
    void anIncludeOfDevZeroIsRefusedWithOneLine() throws Exception {
        Path conf = Files.createDirectories(dir.resolve("include")).resolve("opendkim.conf");
        Files.writeString(conf, "Mode s\nInclude /dev/zero\nSocket inet:18005@127.0.0.1\n");
        assertRefused(conf, "cannot read /dev/zero: is not a regular file");
    }

    /** Issue 8, defect 7: a byte-order mark dropped a SigningTable's first entry; now it is skipped, with a warning. */
    @Test
    void aSigningTableWithAByteOrderMarkKeepsItsFirstEntryAndSaysSo() throws Exception {
        int port = freePort();
        Path conf = openDkimConf("bom", "mail._domainkey.example.com example.com:mail:" + key() + "\n",
                "\uFEFF*@example.com mail._domainkey.example.com\n", port);
        Process milter = start("milter", "--opendkim-conf", conf.toString());
        String log;
        try {
            awaitListening(milter, port);
        } finally {
            log = stop(milter);
        }
        assertTrue(log.contains(dir.resolve("bom/SigningTable") + ": starts with a UTF-8 byte-order mark; skipped"),
                log);
        assertFalse(log.contains("never matches"), "the first entry is read as written:\n" + log);
    }

    /** Mode v needs no key: the milter starts, verifies external mail and says so at start-up. */
    @Test
    void modeVStartsWithoutKeysAndAddsAuthenticationResults() throws Exception {
        int port = freePort();
        Path conf = Files.createDirectories(dir.resolve("mode-v")).resolve("opendkim.conf");
        Files.writeString(conf, "Mode v\nSocket inet:" + port + "@127.0.0.1\nAuthservID mx.example.org\n");
        Process milter = start("milter", "--opendkim-conf", conf.toString());
        String log;
        List<MilterTestClient.Reply> replies;
        try {
            awaitListening(milter, port);
            try (MilterTestClient client = new MilterTestClient(new InetSocketAddress("127.0.0.1", port))) {
                client.negotiate(6, MilterTestClient.POSTFIX_ACTIONS, MilterTestClient.POSTFIX_STEPS_V6);
                replies = client.sendMessage("mta.example.org", "127.0.0.1", "4ABC", ("From: joe@example.com\r\n"
                        + "Authentication-Results: mx.example.org; dkim=pass\r\n\r\nHi.\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
            }
        } finally {
            log = stop(milter);
        }
        assertFalse(log.contains("not implemented"), log);
        assertEquals(List.of('m', 'i', 'c'), replies.stream().map(MilterTestClient.Reply::code).toList(),
                "the forged field removed, ours added, even for a local client in Mode v");
        assertTrue(replies.get(1).text().contains("Authentication-Results\0 mx.example.org; dkim=none"),
                replies.get(1).text());
        assertTrue(log.contains("4ABC: verified from=example.com dkim=none action=accept forged-results-removed=1"),
                log);
    }

    private static Path keyFileConf(String name, String keyFile) throws IOException {
        Path conf = Files.createDirectories(dir.resolve(name)).resolve("opendkim.conf");
        Files.writeString(conf, "Mode s\nDomain example.com\nSelector mail\nKeyFile " + keyFile
                + "\nRequireSafeKeys no\nSocket inet:18004@127.0.0.1\n");
        return conf;
    }

    private static void assertRefused(Path conf, String expected) throws Exception {
        PostsealProcess.Outcome outcome = PostsealProcess.run(new byte[0], "milter", "--opendkim-conf",
                conf.toString());
        assertEquals(ExitStatus.CONFIG, outcome.exitCode(), outcome.stderr());
        assertTrue(outcome.stderr().contains(expected), outcome.stderr());
        assertEquals(1, outcome.stderr().strip().lines().count(), "one line:\n" + outcome.stderr());
        assertFalse(outcome.stderr().contains("\tat "), "no stack trace: " + outcome.stderr());
    }

    @Test
    void theSeedsOpenDkimConfSignsWithTrustedHostsTakenAsInternalHosts() throws Exception {
        int port = freePort();
        Path conf = openDkimConf("seed", "mail._domainkey.example.com example.com:mail:" + key() + "\n",
                "*@example.com mail._domainkey.example.com\n", port);
        Process milter = start("milter", "--opendkim-conf", conf.toString());
        try {
            awaitListening(milter, port);
            try (MilterTestClient client = new MilterTestClient(new InetSocketAddress("127.0.0.1", port))) {
                int[] answer = client.negotiate(6, MilterTestClient.POSTFIX_ACTIONS,
                        MilterTestClient.POSTFIX_STEPS_V6);
                assertEquals(6, answer[0]);
                client.send('C', MilterTestClient.connectPayload("localhost", '4', 1, "127.0.0.1"));
                assertEquals('c', client.read().code());
                client.send('M', MilterTestClient.strings("<joe@example.com>"));
                assertEquals('c', client.read().code());
                client.send('L', MilterTestClient.header("From".getBytes(), " joe@example.com".getBytes()));
                client.send('N', new byte[0]);
                assertEquals('c', client.read().code());
                client.send('B', "hello\r\n".getBytes());
                client.send('E', new byte[0]);
                List<MilterTestClient.Reply> replies = client.readUntilFinal();
                assertEquals('i', replies.get(0).code(), "a DKIM-Signature is inserted");
                assertTrue(replies.get(0).text().contains("DKIM-Signature"));
                assertTrue(replies.get(0).text().contains("d=example.com; s=mail;"), replies.get(0).text());
            }
        } finally {
            String log = stop(milter);
            assertTrue(log.contains("TrustedHosts"), "the TrustedHosts reading is logged:\n" + log);
        }
    }

    @Test
    void theBuiltInSetupListensWhereToldIncludingIpv6AndPrintsTheRecord() throws Exception {
        int port = freePort();
        Process milter = start("milter", "--data-directory", dir.resolve("data").toString(),
                "--listen", "inet6:" + port + "@[::1]");
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            boolean connected = false;
            while (!connected && System.nanoTime() < deadline && milter.isAlive()) {
                try (MilterTestClient client = new MilterTestClient(new InetSocketAddress("::1", port))) {
                    assertEquals(6, client.negotiate(6, MilterTestClient.POSTFIX_ACTIONS,
                            MilterTestClient.POSTFIX_STEPS_V6)[0]);
                    connected = true;
                } catch (IOException e) {
                    Thread.sleep(100);
                }
            }
            assertTrue(connected, "listening on [::1]:" + port);
            assertTrue(Files.exists(dir.resolve("data/postseal.private")), "demonstration key made");
        } finally {
            String log = stop(milter);
            assertTrue(log.contains("postseal._domainkey\tIN\tTXT"), "the record to publish is printed:\n" + log);
            assertTrue(log.contains("milter listening on inet6:" + port + "@[::1]"), log);
            assertEquals("root".equals(System.getProperty("user.name")),
                    log.contains("running as root: the milter should not run as root"), "warned as root only:\n" + log);
        }
    }

    @Test
    void listensOnAUnixSocketWithTheModeAsked() throws Exception {
        Path socket = Path.of("/tmp", "postseal-it-" + ProcessHandle.current().pid() + ".sock");
        Path conf = dir.resolve("unix.conf");
        Files.writeString(conf, "Socket local:" + socket + "\nUMask 007\nDomain example.com\nSelector mail\n"
                + "KeyFile " + key() + "\n");
        Process milter = start("milter", "--opendkim-conf", conf.toString());
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!Files.exists(socket) && System.nanoTime() < deadline && milter.isAlive()) {
                Thread.sleep(100);
            }
            assertTrue(Files.exists(socket), "socket created");
            Thread.sleep(300);
            assertEquals("rwxrwx---", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
            assertAnswersOptionNegotiation(socket);
        } finally {
            stop(milter);
        }
        assertFalse(Files.exists(socket), "socket removed at shutdown");
    }

    @Test
    void aSecondMilterOnALiveUnixSocketRefusesToStartAndTheFirstStillAnswers() throws Exception {
        Path socket = Path.of("/tmp", "postseal-it-" + ProcessHandle.current().pid() + "-twice.sock");
        Path conf = dir.resolve("twice.conf");
        Files.writeString(conf, "Socket local:" + socket + "\nDomain example.com\nSelector mail\nKeyFile " + key()
                + "\n");
        Process milter = start("milter", "--opendkim-conf", conf.toString());
        try {
            awaitSocket(milter, socket);

            PostsealProcess.Outcome second = PostsealProcess.run(new byte[0], "milter", "--opendkim-conf",
                    conf.toString());

            assertEquals(ExitStatus.CONFIG, second.exitCode(), second.stderr());
            assertTrue(second.stderr().contains("postseal milter: " + socket + " is in use by a running process"),
                    second.stderr());
            assertFalse(second.stderr().contains("\tat "), "no stack trace: " + second.stderr());
            assertAnswersOptionNegotiation(socket);
        } finally {
            stop(milter);
        }
    }

    /** Waits until the milter has made its unix socket and answers on it. */
    private static void awaitSocket(Process milter, Path socket) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            assertTrue(milter.isAlive(), "milter exited early");
            try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                channel.connect(UnixDomainSocketAddress.of(socket));
                return;
            } catch (IOException e) {
                Thread.sleep(100);
            }
        }
        throw new AssertionError("milter did not listen on " + socket);
    }

    /** A milter answers an option negotiation on the socket: version 2 asked, version 2 answered. */
    private static void assertAnswersOptionNegotiation(Path socket) throws IOException {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(socket));
            ByteBuffer optneg = ByteBuffer.allocate(17).putInt(13).put((byte) 'O').putInt(2).putInt(0x1ff)
                    .putInt(0x3f).flip();
            channel.write(optneg);
            ByteBuffer reply = ByteBuffer.allocate(17);
            while (reply.hasRemaining() && channel.read(reply) >= 0) {
                // read the whole reply
            }
            reply.flip();
            assertEquals(13, reply.getInt());
            assertEquals('O', reply.get());
            assertEquals(2, reply.getInt(), "version 2 answered");
        }
    }

    /**
     * Issue 12: SIGTERM ({@code Process.destroy()}, as {@code systemctl stop} sends it) while a message is mid-body.
     * The milter refuses new connections at once, the message is finished and signed (the signature verifies with
     * the published record), its connection is then closed, the process exits 0 and says what it did in one line.
     */
    @Test
    void sigtermLetsTheMessageUnderWayFinishSignedThenExitsZero() throws Exception {
        int port = freePort();
        Path conf = openDkimConf("drain", "mail._domainkey.example.com example.com:mail:" + key() + "\n",
                "*@example.com mail._domainkey.example.com\n", port);
        Process milter = start("milter", "--opendkim-conf", conf.toString());
        String header = "From: Joe <joe@example.com>\r\nTo: ann@example.net\r\nSubject: stopping\r\n";
        String body = "Sent before SIGTERM,\r\nand after it.\r\n";
        List<MilterTestClient.Reply> replies;
        long signalled;
        try {
            awaitListening(milter, port);
            try (MilterTestClient client = new MilterTestClient(new InetSocketAddress("127.0.0.1", port))) {
                client.negotiate(6, MilterTestClient.POSTFIX_ACTIONS, MilterTestClient.POSTFIX_STEPS_V6);
                client.send('C', MilterTestClient.connectPayload("localhost", '4', 1, "127.0.0.1"));
                assertEquals('c', client.read().code());
                client.macro('M', "i", "4SIGTERM");
                client.send('M', MilterTestClient.strings("<joe@example.com>"));
                assertEquals('c', client.read().code());
                for (String field : header.split("\r\n")) {
                    int colon = field.indexOf(':');
                    client.send('L', MilterTestClient.header(field.substring(0, colon).getBytes(StandardCharsets.US_ASCII),
                            field.substring(colon + 1).getBytes(StandardCharsets.US_ASCII)));
                }
                client.send('N', new byte[0]);
                assertEquals('c', client.read().code());
                client.send('B', "Sent before SIGTERM,\r\n".getBytes(StandardCharsets.US_ASCII));
                milter.destroy(); // SIGTERM
                signalled = System.nanoTime();
                awaitRefused(port);
                assertTrue(milter.isAlive(), "the milter waits for the message under way");
                client.send('B', "and after it.\r\n".getBytes(StandardCharsets.US_ASCII));
                client.send('E', new byte[0]);
                replies = client.readUntilFinal();
                assertEquals(-1, client.socket().getInputStream().read(), "closed once the message is finished, "
                        + "with nothing more written");
            }
        } finally {
            if (!milter.waitFor(40, TimeUnit.SECONDS)) {
                milter.destroyForcibly();
            }
        }
        String log = stop(milter);
        assertEquals(0, milter.exitValue(), log);
        assertTrue(System.nanoTime() - signalled < TimeUnit.SECONDS.toNanos(20), "stopped once drained, not at the"
                + " 30 s timeout");
        assertEquals(List.of('i', 'c'), replies.stream().map(MilterTestClient.Reply::code).toList(), log);
        byte[] p = replies.get(0).payload();
        String field = new String(p, 4, p.length - 4, StandardCharsets.ISO_8859_1).replaceFirst("\0", ":")
                .replace("\0", "").replace("\n", "\r\n");
        byte[] signed = (field + "\r\n" + header + "\r\n" + body).getBytes(StandardCharsets.ISO_8859_1);
        PostsealProcess.Outcome verified = PostsealProcess.run(signed, "verify", "--key-record",
                dir.resolve("keys/mail.txt").toString());
        assertEquals(0, verified.exitCode(), verified.out() + verified.stderr() + "\n" + new String(signed,
                StandardCharsets.ISO_8859_1));
        assertTrue(log.contains("postseal milter stopped: 1 session(s) drained, 0 cut off after 30s"
                + " (shutdown-timeout)"), log);
        assertTrue(log.lines().anyMatch(l -> l.contains("4SIGTERM") && l.contains("signed")), log);
    }

    /**
     * Waits until nothing listens on {@code port} any more (read from {@code /proc/net/tcp}, as {@code ss -lt} does,
     * so that no test connection becomes one more session to drain).
     */
    private static void awaitRefused(int port) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (org.postseal.transport.ListeningProcess.onThisMachine().onTcpPort(port).isEmpty()) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("the milter still listens after SIGTERM");
    }

    private static String key() {
        return dir.resolve("keys/mail.private").toString();
    }

    /**
     * The seed's layout: KeyTable and SigningTable as refile:, TrustedHosts, an inet socket; but Syslog no, so that
     * the lines stay on stderr and never reach this machine's /dev/log (SyslogIT runs its own rsyslog).
     */
    private static Path openDkimConf(String name, String keyTable, String signingTable, int port) throws IOException {
        Path d = Files.createDirectories(dir.resolve(name));
        Files.writeString(d.resolve("KeyTable"), keyTable);
        Files.writeString(d.resolve("SigningTable"), signingTable);
        Files.writeString(d.resolve("TrustedHosts"), "127.0.0.1\n::1\nlocalhost\n");
        Path conf = d.resolve("opendkim.conf");
        Files.writeString(conf, "Syslog no\nUMask 007\nCanonicalization relaxed/simple\nOversignHeaders From\n"
                + "KeyTable " + d.resolve("KeyTable") + "\nSigningTable refile:" + d.resolve("SigningTable")
                + "\nTrustedHosts " + d.resolve("TrustedHosts") + "\nSocket inet:" + port + "@127.0.0.1\n");
        return conf;
    }

    private static Process start(String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("java", "-jar", PostsealProcess.jar().toString()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("milter-" + System.nanoTime() + ".log").toFile()).start();
    }

    static void awaitListening(Process milter, int port) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            assertTrue(milter.isAlive(), "milter exited early");
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
                return;
            } catch (IOException e) {
                Thread.sleep(100);
            }
        }
        throw new AssertionError("milter did not listen on " + port);
    }

    private static String stop(Process milter) throws Exception {
        milter.destroy();
        if (!milter.waitFor(10, TimeUnit.SECONDS)) {
            milter.destroyForcibly();
        }
        // the output went to a file in dir: collect the newest log
        try (var files = Files.list(dir)) {
            Path log = files.filter(p -> p.getFileName().toString().startsWith("milter-"))
                    .max(java.util.Comparator.comparing(p -> p.toFile().lastModified())).orElseThrow();
            return Files.readString(log, StandardCharsets.UTF_8);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
