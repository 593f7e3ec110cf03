package org.postseal.postfix;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.postseal.interop.Peers;
import org.postseal.interop.Peers.Peer;
import org.postseal.interop.Peers.PeerResult;
import org.postseal.postfix.PostfixInstance.MilterDefaultAction;
import org.postseal.postfix.PostfixInstance.Options;

/**
 * Proves the Postfix harness with OpenDKIM as the milter: for each milter protocol Postfix speaks, mail from a
 * trusted SMTP client and from {@code sendmail} arrives at the sink signed (dkimpy verifies it), mail from an
 * untrusted SMTP client arrives unsigned; and the harness's own promises hold (exact bytes and envelope, the log,
 * SMTP AUTH, the milter default action, instances side by side, nothing left behind).
 */
class PostfixInstanceSelfTest {
    private static final String DOMAIN = "example.com";
    private static final String SELECTOR = "sel";
    private static final String ALICE = "alice@example.com";
    private static final List<String> BOB = List.of("bob@example.org");
    private static final Duration DELIVERY = Duration.ofSeconds(60);

    @TempDir
    static Path work;
    private static OpenDkimMilter openDkim;
    private static Map<String, String> records;

    @BeforeAll
    static void startOpenDkim() throws NoSuchAlgorithmException {
        PostfixPrograms.require();
        Peers.require(Peer.OPENDKIM);
        Peers.require(Peer.DKIMPY);
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        KeyPair key = generator.generateKeyPair();
        Path keyFile = Peers.writePrivateKey(key.getPrivate(), work.resolve("sel.private"));
        records = Map.of(Peers.keyName(SELECTOR, DOMAIN), Peers.keyRecord(key.getPublic()));
        openDkim = OpenDkimMilter.start(work, DOMAIN, SELECTOR, keyFile);
    }

    @AfterAll
    static void stopOpenDkim() {
        if (openDkim != null) {
            openDkim.close();
        }
    }

    @ParameterizedTest(name = "milter_protocol = {0}")
    @ValueSource(ints = {2, 3, 4, 6})
    void openDkimSignsTrustedSmtpAndSendmailButNotUntrustedSmtp(int protocol) {
        Options options = Options.builder().milter(openDkim.address()).milterProtocol(protocol).build();
        try (PostfixInstance postfix = PostfixInstance.start(options)) {
            postfix.sendSmtp(ALICE, BOB, message("trusted smtp"), "127.0.0.1");
            postfix.sendSmtp(ALICE, BOB, message("untrusted smtp"), "127.0.0.2");
            postfix.sendmail(lf(message("sendmail")), "-t", "-i", "-f", ALICE);

            Map<String, DeliveredMessage> delivered = bySubject(postfix.awaitDelivered(3, DELIVERY));

            assertSigned(delivered.get("trusted smtp"), postfix);
            assertSigned(delivered.get("sendmail"), postfix);
            assertUnsigned(delivered.get("untrusted smtp"));
            for (DeliveredMessage message : delivered.values()) {
                assertEquals(ALICE, message.sender());
                assertEquals(BOB, message.recipients());
            }
        }
    }

    @Test
    void sinkKeepsEnvelopeAndExactBytes() {
        byte[] body = ("First line\r\n"
                + ".a line that SMTP dot-stuffs\r\n"
                + ".\r\n"
                + "..\r\n"
                + "8-bit: \u00e9t\u00e9 \u2713\r\n"
                + "trailing white space \t \r\n"
                + "\r\n"
                + "last line\r\n").getBytes(StandardCharsets.UTF_8);
        byte[] message = concat(headers("exact bytes"), body);
        try (PostfixInstance postfix = PostfixInstance.start(Options.withoutMilter())) {
            String queueId = postfix.sendSmtp("", List.of("bob@example.org", "carol@example.net"), message,
                    "127.0.0.2");

            DeliveredMessage delivered = postfix.awaitDelivered(1, DELIVERY).get(0);

            assertEquals("", delivered.sender());
            // qmgr sorts the recipients of a message
            assertEquals(List.of("bob@example.org", "carol@example.net"),
                    delivered.recipients().stream().sorted().collect(Collectors.toList()));
            byte[] bytes = delivered.bytes();
            assertTrue(delivered.text().startsWith("Received: from " + SmtpClient.HELO_NAME),
                    delivered.text());
            assertTrue(delivered.headerFields("Received").get(0).contains(queueId), delivered.text());
            // everything after Postfix's Received field is exactly what was sent
            byte[] tail = Arrays.copyOfRange(bytes, bytes.length - message.length, bytes.length);
            assertArrayEquals(message, tail, delivered.text());
            assertEquals(1, delivered.headerFields("Received").size());
            assertEquals(delivered.headerFields("Received").get(0).length() + 2, bytes.length - message.length);
            assertEquals("exact bytes", delivered.headerValue("subject"));
            assertEquals("folded\tvalue", delivered.headerValue("X-Folded"));
            assertEquals(1, postfix.delivered().size());
        }
    }

    @Test
    void logShowsTheInstanceAndEachDelivery() {
        try (PostfixInstance postfix = PostfixInstance.start(Options.withoutMilter())) {
            String queueId = postfix.sendSmtp(ALICE, BOB, message("logged"), "127.0.0.1");
            postfix.awaitDelivered(1, DELIVERY);

            String sent = postfix.awaitLog(Pattern.compile(Pattern.quote(queueId) + ": to=<bob@example.org>.*"
                    + "status=sent"), DELIVERY);

            assertTrue(sent.contains(postfix.syslogName() + "/smtp["), sent);
            assertTrue(sent.contains("relay=127.0.0.1[127.0.0.1]:" + postfix.sinkPort()), sent);
            assertTrue(postfix.log().contains(postfix.syslogName() + "/master["), postfix.log());
            assertTrue(postfix.log().contains("configuration " + postfix.configDirectory()), postfix.log());
        }
    }

    @Test
    void authenticatedSubmissionFromUntrustedAddressIsSigned() {
        Options options = Options.builder().milter(openDkim.address()).saslUser("alice", "s3cret").build();
        try (PostfixInstance postfix = PostfixInstance.start(options)) {
            postfix.sendAuthenticated("alice", "s3cret", ALICE, BOB, message("authenticated"), "127.0.0.2");
            SmtpReplyException refused = assertThrows(SmtpReplyException.class, () -> postfix.sendAuthenticated(
                    "alice", "wrong", ALICE, BOB, message("wrong password"), "127.0.0.2"));

            DeliveredMessage delivered = postfix.awaitDelivered(1, DELIVERY).get(0);

            assertEquals("AUTH", refused.command());
            assertEquals(535, refused.code());
            assertEquals("authenticated", delivered.headerValue("Subject"));
            assertSigned(delivered, postfix);
        }
    }

    @Test
    void unreachableMilterFollowsTheDefaultAction() {
        String nobody = "inet:127.0.0.1:" + PostfixInstance.freePort();
        Options accept = Options.builder().milter(nobody).milterDefaultAction(MilterDefaultAction.ACCEPT).build();
        try (PostfixInstance postfix = PostfixInstance.start(accept)) {
            postfix.sendSmtp(ALICE, BOB, message("accepted"), "127.0.0.1");
            assertUnsigned(postfix.awaitDelivered(1, DELIVERY).get(0));
        }
        Options tempfail = Options.builder().milter(nobody).build();
        try (PostfixInstance postfix = PostfixInstance.start(tempfail)) {
            SmtpReplyException refused = assertThrows(SmtpReplyException.class,
                    () -> postfix.sendSmtp(ALICE, BOB, message("refused"), "127.0.0.1"));
            assertTrue(refused.isTransient(), refused.getMessage());
            postfix.awaitLog(Pattern.compile("connect to Milter service " + Pattern.quote(nobody)), DELIVERY);
        }
    }

    @Test
    void instancesRunSideBySideAndLeaveNothingBehind() throws IOException {
        Snapshot before = Snapshot.take();
        Path firstDirectory;
        Path secondDirectory;
        int firstPort;
        try (PostfixInstance first = PostfixInstance.start(Options.withoutMilter());
                PostfixInstance second = PostfixInstance.start(Options.withoutMilter())) {
            firstDirectory = first.directory();
            secondDirectory = second.directory();
            firstPort = first.smtpPort();
            assertNotEquals(first.directory(), second.directory());
            assertNotEquals(first.smtpPort(), second.smtpPort());
            assertNotEquals(first.syslogName(), second.syslogName());

            first.sendSmtp(ALICE, BOB, message("to the first"), "127.0.0.1");
            second.sendmail(lf(message("to the second")));

            assertEquals("to the first", first.awaitDelivered(1, DELIVERY).get(0).headerValue("Subject"));
            DeliveredMessage viaSendmail = second.awaitDelivered(1, DELIVERY).get(0);
            assertEquals("to the second", viaSendmail.headerValue("Subject"));
            assertEquals("root@" + PostfixInstance.HOSTNAME, viaSendmail.sender());
            assertEquals(1, first.delivered().size());
            assertEquals(1, second.delivered().size());
            assertTrue(Files.isDirectory(firstDirectory.resolve("queue/maildrop")));
        }
        assertFalse(Files.exists(firstDirectory), firstDirectory + " left behind");
        assertFalse(Files.exists(secondDirectory), secondDirectory + " left behind");
        assertThrows(IOException.class, () -> {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", firstPort), 1000);
            }
        }, "smtpd still listens");
        assertEquals(before, Snapshot.take(), "the system's default Postfix instance changed");
    }

    @Test
    void optionsRefuseBadAndRepeatedSettings() {
        Options.Builder builder = Options.builder().milter("inet:127.0.0.1:8891").milterProtocol(2);

        IllegalStateException twice = assertThrows(IllegalStateException.class,
                () -> builder.milter("unix:/run/postseal/milter.sock"));
        assertThrows(IllegalStateException.class, () -> builder.milterProtocol(6));
        assertThrows(IllegalArgumentException.class, () -> Options.builder().milterProtocol(5));
        assertThrows(IllegalArgumentException.class, () -> Options.builder().milter("127.0.0.1:8891"));
        assertThrows(IllegalArgumentException.class, () -> Options.builder().mainCf("a = b\nc = d"));
        assertThrows(IllegalStateException.class, () -> Options.builder().saslUser("u", "p").saslUser("u", "q"));

        Options options = builder.mainCf("milter_mail_macros = i {auth_authen}").build();
        assertEquals("milter: already set to inet:127.0.0.1:8891", twice.getMessage());
        assertEquals("inet:127.0.0.1:8891", options.milter().orElseThrow());
        assertEquals(2, options.milterProtocol());
        assertEquals(MilterDefaultAction.TEMPFAIL, options.milterDefaultAction());
        assertEquals(List.of("milter_mail_macros = i {auth_authen}"), options.mainCf());
        assertEquals(6, Options.withoutMilter().milterProtocol());
    }

    /** What the default instance has on disk: must not change while test instances run. */
    private record Snapshot(boolean mainCf, List<String> etc, List<String> maildrop, List<String> spool) {
        static Snapshot take() throws IOException {
            return new Snapshot(Files.exists(Path.of("/etc/postfix/main.cf")), list(Path.of("/etc/postfix")),
                    list(Path.of("/var/spool/postfix/maildrop")), list(Path.of("/var/spool/postfix")));
        }

        private static List<String> list(Path directory) throws IOException {
            if (!Files.isDirectory(directory)) {
                return List.of();
            }
            try (Stream<Path> files = Files.list(directory)) {
                return files.map(file -> file.getFileName() + " " + file.toFile().lastModified()).sorted()
                        .collect(Collectors.toList());
            }
        }
    }

    private static void assertSigned(DeliveredMessage message, PostfixInstance postfix) {
        assertTrue(message != null, "not delivered; log:\n" + postfix.log());
        List<String> signatures = message.headerFields("DKIM-Signature");
        assertEquals(1, signatures.size(), message.text());
        assertTrue(signatures.get(0).contains("d=" + DOMAIN + ";"), signatures.get(0));
        assertTrue(signatures.get(0).contains("s=" + SELECTOR + ";"), signatures.get(0));
        PeerResult result = Peers.dkimpyVerify(message.bytes(), records);
        assertTrue(result.allPassed(), result.output() + "\n" + message.text());
    }

    private static void assertUnsigned(DeliveredMessage message) {
        assertTrue(message != null, "not delivered");
        assertEquals(List.of(), message.headerFields("DKIM-Signature"), message.text());
    }

    private static Map<String, DeliveredMessage> bySubject(List<DeliveredMessage> messages) {
        return messages.stream().collect(Collectors.toMap(m -> m.headerValue("Subject"), Function.identity()));
    }

    private static byte[] message(String subject) {
        return concat(headers(subject), ("Hello Bob,\r\n"
                + ".this line starts with a dot\r\n"
                + "\r\n"
                + "Alice\r\n").getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] headers(String subject) {
        return ("From: Alice <" + ALICE + ">\r\n"
                + "To: Bob <bob@example.org>\r\n"
                + "Subject: " + subject + "\r\n"
                + "Date: Mon, 01 Jan 2024 10:00:00 +0000\r\n"
                + "Message-ID: <" + subject.replace(' ', '-') + "@example.com>\r\n"
                + "X-Folded: folded\r\n"
                + "\tvalue\r\n"
                + "\r\n").getBytes(StandardCharsets.UTF_8);
    }

    /** The message with LF line ends, as a local program hands it to sendmail. */
    private static byte[] lf(byte[] message) {
        return new String(message, StandardCharsets.UTF_8).replace("\r\n", "\n").getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] concat(byte[] first, byte[] second) {
        byte[] all = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, all, first.length, second.length);
        return all;
    }
}
