package org.postseal.smarthost;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.postseal.dkim.SigningKey;
import org.postseal.interop.Peers;
import org.postseal.interop.Peers.Peer;
import org.postseal.keys.DkimKeyGenerator;
import org.postseal.keys.KeyRecordText;
import org.postseal.keys.PrivateKeyWriter;
import org.postseal.postfix.DeliveredMessage;
import org.postseal.postfix.PostfixInstance;
import org.postseal.postfix.PostfixInstance.Options;
import org.postseal.sendmail.SendmailOptions;

/**
 * The CiviParoisse path end to end: a PHP-style pipeline into {@code bin/postseal-sendmail -t -i}, the smarthost
 * daemon on its unix socket, a real Postfix from Debian as the upstream server, dkimpy and Mail::DKIM judging the
 * signatures of what Postfix delivers. The path to Postfix goes through a {@link TcpGate}, so the tests can take
 * the server "down" and bring it back; Postfix's access map gives the 4xx and 5xx answers.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SmarthostPostfixIT {
    private static final Duration DELIVERY = Duration.ofSeconds(60);
    private static final Map<String, String> RECORDS = new HashMap<>();

    private static Path work;
    private static PostfixInstance postfix;
    private static TcpGate gate;
    private static SmarthostProcess smarthost;
    private static Path socket;
    private static Path spool;
    private static Path access;

    @BeforeAll
    static void start() throws Exception {
        Peers.require(Peer.DKIMPY);
        Peers.require(Peer.MAIL_DKIM);
        work = Files.createTempDirectory(Path.of("/tmp"), "postseal-smarthost-it");
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxr-xr-x"));
        access = work.resolve("access");
        writeAccess("later@dst.test 451 4.3.0 come back later");
        postfix = PostfixInstance.start(Options.builder()
                .mainCf("smtpd_recipient_restrictions = check_recipient_access texthash:" + access
                        + ", permit_mynetworks, reject")
                .build());
        gate = new TcpGate(postfix.smtpPort());
        gate.open();
        SigningKey key = DkimKeyGenerator.rsa(2048);
        Path keyFile = work.resolve("paroisse.private");
        Files.createFile(keyFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(keyFile, PrivateKeyWriter.pem(key));
        RECORDS.put(Peers.keyName("civi", "src.test"), KeyRecordText.of(key).value());
        // the seed's msmtp file, pointed at the test server
        Path msmtprc = Files.writeString(work.resolve("msmtprc"), String.join("\n",
                "defaults", "account default", "host 127.0.0.1", "port " + gate.port(), "auth off",
                "protocol smtp", "logfile -", ""));
        spool = work.resolve("spool");
        Path conf = Files.writeString(work.resolve("postseal.conf"), String.join("\n",
                "postseal.smarthost {",
                "  retry { first = 1s, max = 2s, lifetime = 1h }",
                "  relay-wait = 5s",
                "  queue-tick = 200ms",
                "  max-message-size = 200k",
                "  read-timeout = 3s",
                "}", ""));
        socket = work.resolve("smarthost.sock");
        smarthost = new SmarthostProcess(socket, work.resolve("smarthost.log"), List.of("--config", conf.toString(),
                "--msmtprc", msmtprc.toString(), "--spool", spool.toString(), "--socket-group", "mail", "--domain", "src.test",
                "--selector", "civi", "--key", keyFile.toString())).start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (smarthost != null) {
            smarthost.close();
        }
        if (gate != null) {
            gate.close();
        }
        if (postfix != null) {
            postfix.close();
        }
    }

    /** What PHP's mail('dst@dst.test', 'subject', 'message', 'From: "SRC" <src@src.test>') pipes to sendmail. */
    private static byte[] phpMessage(String subject, String extraHeaders) {
        return ("To: dst@dst.test\nSubject: " + subject + "\nFrom: \"SRC\" <src@src.test>\n" + extraHeaders
                + "\nmessage\n.leading dot line\n").getBytes(StandardCharsets.UTF_8);
    }

    @Test
    @Order(0)
    void socketHasTheModeAndGroupAsked() throws Exception {
        assertEquals("rw-rw----", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)),
                "default socket-mode 0660, as socat's mode=0660 in the seed");
        assertEquals("mail", Files.readAttributes(socket, java.nio.file.attribute.PosixFileAttributes.class)
                .group().getName());
    }

    @Test
    @Order(1)
    void phpPipelineIsSignedRelayedAndVerifies() throws Exception {
        SmarthostProcess.ClientRun run = SmarthostProcess.sendmail(socket,
                phpMessage("php path", "Cc: copy@dst.test\nBcc: hidden@dst.test,\n hidden2@dst.test\n"),
                "-t", "-i");
        assertEquals(0, run.exitCode(), run.stderr());
        DeliveredMessage delivered = postfix.awaitDelivered(1, DELIVERY).get(0);
        assertEquals("src@src.test", delivered.sender(), "envelope sender from From (--read-envelope-from)");
        assertEquals(List.of("copy@dst.test", "dst@dst.test", "hidden2@dst.test", "hidden@dst.test"),
                delivered.recipients().stream().sorted().toList(), "To, Cc and Bcc recipients");
        assertTrue(delivered.headerFields("Bcc").isEmpty(), "Bcc removed:\n" + delivered.text());
        assertEquals(1, delivered.headerFields("Date").size(), "Date added:\n" + delivered.text());
        assertEquals(1, delivered.headerFields("Message-ID").size(), "Message-ID added:\n" + delivered.text());
        assertTrue(delivered.text().contains("\r\n.leading dot line\r\n"), "dot line kept, CRLF:\n"
                + delivered.text());
        assertVerifies(delivered);
    }

    @Test
    @Order(2)
    void upstreamDownThenUpIsDeliveredOnce() throws Exception {
        gate.shut();
        SmarthostProcess.ClientRun run = SmarthostProcess.sendmail(socket, phpMessage("while down", ""), "-t", "-i");
        assertEquals(0, run.exitCode(), "queued is accepted: " + run.stderr());
        SmarthostProcess.ClientRun list = SmarthostProcess.queue("list", "--spool", spool.toString());
        assertTrue(list.stdout().contains("1 queued"), list.stdout() + list.stderr());
        assertTrue(list.stdout().contains("dst@dst.test"), list.stdout());
        Thread.sleep(2500); // several retries fail while the server is down
        gate.open();
        DeliveredMessage delivered = postfix.awaitDelivered(1, DELIVERY).get(0);
        assertEquals("while down", delivered.headerValue("Subject").strip());
        assertVerifies(delivered);
        awaitEmptyQueue();
        Thread.sleep(3000); // a duplicate would come within two retry periods
        assertEquals(1, count("while down"), "delivered once");
    }

    @Test
    @Order(3)
    void temporaryRefusalThenAcceptance() throws Exception {
        SmarthostProcess.ClientRun run = SmarthostProcess.sendmail(socket, phpMessage("later", ""), "-i",
                "later@dst.test");
        assertEquals(0, run.exitCode(), run.stderr());
        assertTrue(run.stderr().isEmpty(), run.stderr());
        Thread.sleep(2500);
        assertEquals(0, count("later"), "not delivered while the server says 451");
        String queued = SmarthostProcess.queue("list", "--spool", spool.toString()).stdout();
        assertTrue(queued.contains("451 4.3.0") && queued.contains("come back later"), queued);
        SmarthostProcess.ClientRun flush = SmarthostProcess.queue("flush", "--spool", spool.toString());
        assertEquals(0, flush.exitCode(), flush.stdout() + flush.stderr());
        assertTrue(flush.stdout().contains("flushed: 1 queued message(s)"), "the running smarthost answered: "
                + flush.stdout());
        writeAccess("# later@dst.test is welcome now");
        reloadPostfix();
        DeliveredMessage delivered = postfix.awaitDelivered(1, DELIVERY).get(0);
        assertEquals(List.of("later@dst.test"), delivered.recipients());
        awaitEmptyQueue();
        Thread.sleep(3000);
        assertEquals(1, count("later"), "delivered once");
    }

    @Test
    @Order(4)
    void permanentRefusalIsReportedAndKeptAsFailed() throws Exception {
        writeAccess("nobody@dst.test 550 5.1.1 no such user here");
        reloadPostfix();
        SmarthostProcess.ClientRun run = SmarthostProcess.sendmail(socket, phpMessage("refused", ""), "-i",
                "nobody@dst.test");
        assertEquals(69, run.exitCode(), "EX_UNAVAILABLE: " + run.stderr());
        assertTrue(run.stderr().contains("550 5.1.1") && run.stderr().contains("no such user here"), run.stderr());
        SmarthostProcess.ClientRun list = SmarthostProcess.queue("list", "--spool", spool.toString());
        assertTrue(list.stdout().contains("0 queued, 1 failed"), list.stdout());
        String attemptsBefore = list.stdout();
        Thread.sleep(3000);
        assertEquals(attemptsBefore, SmarthostProcess.queue("list", "--spool", spool.toString()).stdout(),
                "not retried");
        String id = list.stdout().lines().filter(l -> l.contains(" failed ")).findFirst().orElseThrow().split(" ")[0];
        SmarthostProcess.ClientRun delete = SmarthostProcess.queue("delete", id, "--spool", spool.toString());
        assertEquals(0, delete.exitCode(), delete.stdout() + delete.stderr());
        assertTrue(SmarthostProcess.queue("list", "--spool", spool.toString()).stdout().contains("0 queued, 0 failed"));
        assertEquals(0, count("refused"));
    }

    @Test
    @Order(5)
    void badInputIsRefusedAndNothingIsSent() throws Exception {
        SmarthostProcess.ClientRun notMail = SmarthostProcess.sendmail(socket,
                "this is not a header\nTo: dst@dst.test\n\nbody\n".getBytes(StandardCharsets.US_ASCII), "-t", "-i");
        assertEquals(65, notMail.exitCode(), notMail.stderr());
        assertTrue(notMail.stderr().contains("not a header field"), notMail.stderr());

        byte[] big = phpMessage("too big", "X-Filler: " + "x".repeat(300_000) + "\n");
        SmarthostProcess.ClientRun tooBig = SmarthostProcess.sendmail(socket, big, "-t", "-i");
        assertEquals(65, tooBig.exitCode(), tooBig.stderr());
        assertTrue(tooBig.stderr().contains("larger than the limit"), tooBig.stderr());

        // a client that goes away in the middle of its message
        byte[] message = phpMessage("cut short", "");
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(socket));
            channel.write(ByteBuffer.wrap(SubmissionProtocol.header(SendmailOptions.phpMail(), message.length)));
            channel.write(ByteBuffer.wrap(message, 0, message.length / 2));
        }
        // and one that stops sending
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(socket));
            channel.write(ByteBuffer.wrap(SubmissionProtocol.header(SendmailOptions.phpMail(), message.length)));
            channel.write(ByteBuffer.wrap(message, 0, 10));
            String answer = new String(Channels.newInputStream(channel).readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(answer.startsWith("451 75 "), answer);
        }
        SmarthostProcess.ClientRun after = SmarthostProcess.sendmail(socket, phpMessage("after bad input", ""),
                "-t", "-i");
        assertEquals(0, after.exitCode(), after.stderr());
        DeliveredMessage delivered = postfix.awaitDelivered(1, DELIVERY).get(0);
        assertEquals("after bad input", delivered.headerValue("Subject").strip());
        assertEquals(0, count("cut short") + count("too big"));
        assertTrue(smarthost.log().contains("client went away after"), smarthost.log());
    }

    @Test
    @Order(6)
    void killedWhileDeliveringLosesNothing() throws Exception {
        gate.blackhole(); // the server accepts connections and never answers: deliveries hang in flight
        int messages = 6;
        ExecutorService clients = Executors.newFixedThreadPool(messages);
        List<Future<SmarthostProcess.ClientRun>> runs = new ArrayList<>();
        for (int i = 0; i < messages; i++) {
            String subject = "in flight " + i;
            runs.add(clients.submit(() -> SmarthostProcess.sendmail(socket, phpMessage(subject, ""), "-t", "-i")));
        }
        for (Future<SmarthostProcess.ClientRun> run : runs) {
            SmarthostProcess.ClientRun result = run.get(120, TimeUnit.SECONDS);
            assertEquals(0, result.exitCode(), "accepted (queued): " + result.stderr());
        }
        clients.shutdown();
        smarthost.kill9();
        gate.open();
        smarthost.start();
        List<DeliveredMessage> delivered = postfix.awaitDelivered(messages, DELIVERY);
        assertEquals(messages, delivered.size());
        awaitEmptyQueue();
        Thread.sleep(3000);
        for (int i = 0; i < messages; i++) {
            assertEquals(1, count("in flight " + i), "message " + i + " delivered exactly once");
        }
        for (DeliveredMessage m : delivered) {
            assertVerifies(m);
        }
    }

    private static long count(String subject) {
        return postfix.delivered().stream().filter(m -> subject.equals(m.headerValue("Subject").strip())).count();
    }

    private static void awaitEmptyQueue() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        String list = "";
        while (System.nanoTime() < deadline) {
            list = SmarthostProcess.queue("list", "--spool", spool.toString()).stdout();
            if (list.contains("0 queued")) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("queue not empty:\n" + list);
    }

    private static void assertVerifies(DeliveredMessage message) {
        Peers.PeerResult dkimpy = Peers.dkimpyVerify(message.bytes(), RECORDS);
        assertEquals(1, dkimpy.signatures(), dkimpy.output());
        assertTrue(dkimpy.allPassed(), "dkimpy:\n" + dkimpy.output() + "\n" + message.text());
        Peers.PeerResult mailDkim = Peers.mailDkimVerify(message.bytes(), RECORDS);
        assertTrue(mailDkim.allPassed(), "Mail::DKIM:\n" + mailDkim.output() + "\n" + message.text());
        assertFalse(message.headerFields("DKIM-Signature").isEmpty());
        assertTrue(message.headerValue("DKIM-Signature").contains("d=src.test"));
    }

    private static void writeAccess(String line) throws IOException {
        Files.writeString(access, line + "\n");
        Files.setPosixFilePermissions(access, PosixFilePermissions.fromString("rw-r--r--"));
    }

    private static void reloadPostfix() throws Exception {
        Process p = new ProcessBuilder("/usr/sbin/postfix", "-c", postfix.configDirectory().toString(), "reload")
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, output);
        Thread.sleep(1500); // smtpd processes restart with the new map
    }
}
