package org.postseal.smtp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postseal.smtp.RecipientResult.Status;

/** The client against a scripted server on loopback: the dialogue, the outcomes and the exact bytes. */
class SmtpClientTest {
    private static final byte[] MESSAGE = ("From: a@example.com\r\nTo: b@example.net\r\nSubject: hi\r\n\r\n"
            + "line 1\r\n.\r\n..\r\n.leading dot\r\nlast line").getBytes(StandardCharsets.US_ASCII);
    private static final Envelope TWO = new Envelope("a@example.com", List.of("b@example.net", "c@example.net"));

    private static SmtpClient client;

    @BeforeAll
    static void startClient() {
        client = new SmtpClient();
    }

    @AfterAll
    static void stopClient() {
        client.close();
    }

    private static SmtpEndpoint endpoint(ScriptedSmtpServer server) {
        return endpoint(server, Duration.ofSeconds(10));
    }

    private static SmtpEndpoint endpoint(ScriptedSmtpServer server, Duration timeout) {
        return new SmtpEndpoint("127.0.0.1", server.port(), TlsMode.NONE, Optional.empty(), true, List.of(),
                AuthMechanism.NONE, Optional.empty(), Optional.empty(), "client.test", timeout);
    }

    private static SmtpEndpoint withAuth(SmtpEndpoint e, AuthMechanism auth, PasswordSource password) {
        return new SmtpEndpoint(e.host(), e.port(), e.tls(), e.trustFile(), e.certCheck(), e.fingerprints(), auth,
                Optional.of("alice"), Optional.of(password), e.heloName(), e.timeout());
    }

    @Test
    void deliversTheExactBytesDotStuffed() throws Exception {
        try (ScriptedSmtpServer server = ScriptedSmtpServer.create().ehlo("SIZE 100000", "8BITMIME").start()) {
            DeliveryReport report = client.deliver(endpoint(server), TWO, MessageSource.of(MESSAGE));
            server.awaitEnd();
            assertTrue(report.allDelivered(), report.toString());
            assertEquals("250 2.0.0 Ok: queued as SCRIPTED", report.results().get(0).reply().toString());
            assertEquals(List.of("EHLO client.test", "MAIL FROM:<a@example.com> SIZE=" + MESSAGE.length,
                    "RCPT TO:<b@example.net>", "RCPT TO:<c@example.net>", "DATA", "QUIT"), server.commands());
            String stuffed = "From: a@example.com\r\nTo: b@example.net\r\nSubject: hi\r\n\r\n"
                    + "line 1\r\n..\r\n...\r\n..leading dot\r\nlast line\r\n";
            assertEquals(stuffed, new String(server.data(), StandardCharsets.US_ASCII));
            byte[] withFinalCrlf = (new String(MESSAGE, StandardCharsets.US_ASCII) + "\r\n")
                    .getBytes(StandardCharsets.US_ASCII);
            assertArrayEquals(withFinalCrlf, DotStufferTest.unstuff(server.data()));
        }
    }

    @Test
    void streamsALargeBinaryMessageUnchanged() throws Exception {
        byte[] message = new byte[3 * 1024 * 1024 + 7];
        new Random(7).nextBytes(message);
        for (int i = 0; i < message.length; i++) {
            // CRLF line ends every so often, many lines starting with a dot, the rest 8-bit noise
            if (message[i] == '\r' || message[i] == '\n') {
                message[i] = 'x';
            }
            if (i % 77 == 75) {
                message[i] = '\r';
                message[i + 1] = '\n';
                message[i + 2] = '.';
            }
        }
        message[message.length - 2] = '\r';
        message[message.length - 1] = '\n';
        try (ScriptedSmtpServer server = ScriptedSmtpServer.create().ehlo("8BITMIME", "PIPELINING").start()) {
            DeliveryReport report = client.deliver(endpoint(server), TWO, MessageSource.of(message));
            server.awaitEnd();
            assertTrue(report.allDelivered(), report.toString());
            assertEquals("MAIL FROM:<a@example.com> BODY=8BITMIME", server.commands().get(1));
            assertArrayEquals(message, DotStufferTest.unstuff(server.data()));
        }
    }

    @Test
    void pipeliningSendsMailRcptAndDataInOneBurst() throws Exception {
        try (ScriptedSmtpServer server = ScriptedSmtpServer.create().ehlo("PIPELINING").start()) {
            DeliveryReport report = client.deliver(endpoint(server), TWO, MessageSource.of(MESSAGE));
            server.awaitEnd();
            assertTrue(report.allDelivered(), report.toString());
            int rcptAndData = "RCPT TO:<b@example.net>\r\nRCPT TO:<c@example.net>\r\nDATA\r\n".length();
            assertEquals(rcptAndData, server.bytesAfterMail(), "bytes sent after MAIL FROM before its reply");
        }
    }

    @Test
    void withoutPipeliningOneCommandAtATime() throws Exception {
        try (ScriptedSmtpServer server = ScriptedSmtpServer.create().ehlo("SIZE").start()) {
            DeliveryReport report = client.deliver(endpoint(server), TWO, MessageSource.of(MESSAGE));
            server.awaitEnd();
            assertTrue(report.allDelivered(), report.toString());
            assertEquals(0, server.bytesAfterMail(), "bytes sent after MAIL FROM before its reply");
            assertEquals("MAIL FROM:<a@example.com> SIZE=" + MESSAGE.length, server.commands().get(1));
        }
    }

    @Test
    void perRecipientRefusalsWithoutPipelining() throws Exception {
        perRecipientRefusals(false);
    }

    @Test
    void perRecipientRefusalsWithPipelining() throws Exception {
        perRecipientRefusals(true);
    }

    private void perRecipientRefusals(boolean pipelining) throws Exception {
        Envelope envelope = new Envelope("a@example.com", List.of("ok@example.net", "gone@example.net",
                "later@example.net", "ok2@example.net"));
        try (ScriptedSmtpServer server = ScriptedSmtpServer.create().ehlo(pipelining ? "PIPELINING" : "HELP")
                .on("RCPT TO:<gone@", "550 5.1.1 <gone@example.net>: Recipient address rejected: no such user")
                .on("RCPT TO:<later@", "451 4.3.0 <later@example.net>: try again later").start()) {
            DeliveryReport report = client.deliver(endpoint(server), envelope, MessageSource.of(MESSAGE));
            server.awaitEnd();
            List<RecipientResult> results = report.results();
            assertEquals(Status.DELIVERED, results.get(0).status());
            assertEquals(Status.REJECTED, results.get(1).status());
            assertEquals(550, results.get(1).reply().code());
            assertTrue(results.get(1).reply().text().contains("no such user"));
            assertFalse(results.get(1).reply().local());
            assertEquals(Status.DEFERRED, results.get(2).status());
            assertEquals(451, results.get(2).reply().code());
            assertEquals(Status.DELIVERED, results.get(3).status());
            assertEquals(250, results.get(3).reply().code());
            assertEquals("QUIT", server.commands().get(server.commands().size() - 1));
        }
    }

    @Test
    void noRecipientAcceptedWithoutPipeliningSendsNoData() throws Exception {
        try (ScriptedSmtpServer server = ScriptedSmtpServer.create()
                .on("RCPT TO:<b@", "550 5.1.1 unknown").on("RCPT TO:<c@", "450 4.2.0 full").start()) {
            DeliveryReport report = client.deliver(endpoint(server), TWO, MessageSource.of(MESSAGE));
            server.awaitEnd();
            assertEquals(List.of(Status.REJECTED, Status.DEFERRED),
                    report.results().stream().map(RecipientResult::status).toList());
            assertFalse(server.commands().contains("DATA"));
            assertEquals("QUIT", server.commands().get(server.commands().size() - 1));
            assertEquals(0, server.data().length);
        }
    }

    @Test
    void noRecipientAcceptedWithPipeliningEndsWithRsetAndQuit() throws Exception {
        try (ScriptedSmtpServer server = ScriptedSmtpServer.create().ehlo("PIPELINING")
                .on("RCPT", "550 5.1.1 unknown").on("DATA", "554 5.5.1 Error: no valid recipients").start()) {
            DeliveryReport report = client.deliver(endpoint(server), TWO, MessageSource.of(MESSAGE));
            server.awaitEnd();
            assertEquals(List.of(Status.REJECTED, Status.REJECTED),
                    report.results().stream().map(RecipientResult::status).toList());
            assertEquals(550, report.results().get(1).reply().code());
            assertEquals(List.of("EHLO client.test", "MAIL FROM:<a@example.com>", "RCPT TO:<b@example.net>",
                    "RCPT TO:<c@example.net>", "DATA", "RSET", "QUIT"), server.commands());
            assertEquals(0, server.data().length);
        }
    }

    @Test
    void dataRefusedDecidesForTheAcceptedRecipients() throws Exception {
        try (ScriptedSmtpServer server = ScriptedSmtpServer.create()
                .on("RCPT TO:<c@", "550 5.1.1 unknown").on("DATA", "451 4.3.0 not now").start()) {
            DeliveryReport report = client.deliver(endpoint(server), TWO, MessageSource.of(MESSAGE));
            server.awaitEnd();
            assertEquals(Status.DEFERRED, report.results().get(0).status());
            assertEquals("451 4.3.0 not now", report.results().get(0).reply().toString());
            assertEquals(Status.REJECTED, report.results().get(1).status());
            assertEquals(List.of("RSET", "QUIT"), server.commands().subList(5, 7));
        }
    }

    @Test
    void endOfDataTemporaryFailureDefersAll() throws Exception {
        try (ScriptedSmtpServer server = ScriptedSmtpServer.create().on("EOD", "451 4.3.0 queue file write error")
                .start()) {
            DeliveryReport report = client.deliver(endpoint(server), TWO, MessageSource.of(MESSAGE));
            server.awaitEnd();
            assertTrue(report.results().stream().allMatch(r -> r.status() == Status.DEFERRED), report.toString());
            assertEquals(451, report.results().get(0).reply().code());
        }
    }

    @Test
    void endOfDataPermanentFailureRejectsAll() throws Exception {
        try (ScriptedSmtpServer server = ScriptedSmtpServer.create().ehlo("PIPELINING")
                .on("EOD", "554 5.7.1 spam").start()) {
            DeliveryReport report = client.deliver(endpoint(server), TWO, MessageSource.of(MESSAGE));
            server.awaitEnd();
            assertTrue(report.results().stream().allMatch(r -> r.status() == Status.REJECTED), report.toString());
            assertEquals("554 5.7.1 spam", report.results().get(1).reply().toString());
        }
    }

    @Test
    void messageOverTheServersSizeIsNotSent() throws Exception {
        try (ScriptedSmtpServer server = ScriptedSmtpServer.create().ehlo("SIZE 50").start()) {
            DeliveryReport report = client.deliver(endpoint(server), TWO, MessageSource.of(MESSAGE));
            server.awaitEnd();
            assertTrue(report.results().stream().allMatch(r -> r.status() == Status.REJECTED));
            SmtpReply reply = report.results().get(0).reply();
            assertTrue(reply.local());
            assertTrue(reply.isPermanent());
            assertTrue(reply.text().contains("exceeds the server's limit of 50"), reply.toString());
            assertEquals(List.of("EHLO client.test", "QUIT"), server.commands());
        }
    }

    @Test
    void eightBitBodyDeclaredOnlyWhenOffered() throws Exception {
        byte[] eightBit = "Subject: caf\u00e9\r\n\r\nna\u00efve\r\n".getBytes(StandardCharsets.UTF_8);
        try (ScriptedSmtpServer server = ScriptedSmtpServer.create().ehlo("8BITMIME").start()) {
            assertTrue(client.deliver(endpoint(server), TWO, MessageSource.of(eightBit)).allDelivered());
            server.awaitEnd();
            assertEquals("MAIL FROM:<a@example.com> BODY=8BITMIME", server.commands().get(1));
            assertArrayEquals(eightBit, server.data());
        }
        try (ScriptedSmtpServer server = ScriptedSmtpServer.create().ehlo("PIPELINING").start()) {
            assertTrue(client.deliver(endpoint(server), TWO, MessageSource.of(eightBit)).allDelivered());
            server.awaitEnd();
            assertEquals("MAIL FROM:<a@example.com>", server.commands().get(1));
        }
        try (ScriptedSmtpServer server = ScriptedSmtpServer.create().ehlo("8BITMIME").start()) {
            assertTrue(client.deliver(endpoint(server), TWO, MessageSource.of(MESSAGE)).allDelivered());
            server.awaitEnd();
            assertEquals("MAIL FROM:<a@example.com>", server.commands().get(1));
        }
    }

    @Test
    void nullSender() throws Exception {
        try (ScriptedSmtpServer server = ScriptedSmtpServer.create().start()) {
            Envelope bounce = new Envelope("", List.of("b@example.net"));
            assertTrue(client.deliver(endpoint(server), bounce, MessageSource.of(MESSAGE)).allDelivered());
            server.awaitEnd();
            assertEquals("MAIL FROM:<>", server.commands().get(1));
        }
    }

    @Test
    void nonAsciiAddressesNeedSmtpUtf8() throws Exception {
        Envelope utf8 = new Envelope("a@example.com", List.of("j\u00f6rg@b\u00fccher.example"));
        try (ScriptedSmtpServer server = ScriptedSmtpServer.create().ehlo("8BITMIME").start()) {
            DeliveryReport report = client.deliver(endpoint(server), utf8, MessageSource.of(MESSAGE));
            server.awaitEnd();
            assertEquals(Status.REJECTED, report.results().get(0).status());
            assertTrue(report.results().get(0).reply().local());
            assertTrue(report.results().get(0).reply().text().contains("SMTPUTF8"));
            assertEquals(List.of("EHLO client.test", "QUIT"), server.commands());
        }
        try (ScriptedSmtpServer server = ScriptedSmtpServer.create().ehlo("8BITMIME", "SMTPUTF8").start()) {
            DeliveryReport report = client.deliver(endpoint(server), utf8, MessageSource.of(MESSAGE));
            server.awaitEnd();
            assertTrue(report.allDelivered(), report.toString());
            assertEquals("MAIL FROM:<a@example.com> SMTPUTF8", server.commands().get(1));
            assertEquals("RCPT TO:<j\u00f6rg@b\u00fccher.example>", server.commands().get(2));
        }
    }

    @Test
    void greeting554RejectsAll() throws Exception {
        try (ScriptedSmtpServer server = ScriptedSmtpServer.create()
                .on("GREETING", "554 5.3.2 no service for you").start()) {
            DeliveryReport report = client.deliver(endpoint(server), TWO, MessageSource.of(MESSAGE));
            server.awaitEnd();
            assertTrue(report.results().stream().allMatch(r -> r.status() == Status.REJECTED));
            assertEquals("554 5.3.2 no service for you", report.results().get(0).reply().toString());
            assertEquals(List.of("QUIT"), server.commands());
        }
    }

    @Test
    void greeting421DefersAll() throws Exception {
        try (ScriptedSmtpServer server = ScriptedSmtpServer.create()
                .on("GREETING", "421 4.3.2 too busy").start()) {
            DeliveryReport report = client.deliver(endpoint(server), TWO, MessageSource.of(MESSAGE));
            assertTrue(report.results().stream().allMatch(r -> r.status() == Status.DEFERRED));
            assertEquals(421, report.results().get(0).reply().code());
            assertFalse(report.results().get(0).reply().local());
        }
    }

    @Test
    void mailFromRefusalAppliesToAll() throws Exception {
        try (ScriptedSmtpServer server = ScriptedSmtpServer.create().ehlo("PIPELINING")
                .on("MAIL", "553 5.7.1 sender not allowed").on("RCPT", "503 5.5.1 need MAIL")
                .on("DATA", "503 5.5.1 need RCPT").start()) {
            DeliveryReport report = client.deliver(endpoint(server), TWO, MessageSource.of(MESSAGE));
            server.awaitEnd();
            assertTrue(report.results().stream().allMatch(r -> r.status() == Status.REJECTED));
            assertEquals(553, report.results().get(1).reply().code());
            assertEquals(0, server.data().length);
        }
    }

    @Test
    void ehloRefusedFallsBackToHelo() throws Exception {
        try (ScriptedSmtpServer server = ScriptedSmtpServer.create().on("EHLO", "502 5.5.2 EHLO not implemented")
                .start()) {
            DeliveryReport report = client.deliver(endpoint(server), TWO, MessageSource.of(MESSAGE));
            server.awaitEnd();
            assertTrue(report.allDelivered(), report.toString());
            assertEquals(List.of("EHLO client.test", "HELO client.test", "MAIL FROM:<a@example.com>"),
                    server.commands().subList(0, 3));
        }
    }

    @Test
    void connectionRefusedIsDeferredQuickly() throws Exception {
        int port;
        try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = closed.getLocalPort();
        }
        SmtpEndpoint endpoint = SmtpEndpoint.plain("127.0.0.1", port);
        long start = System.nanoTime();
        DeliveryReport report = client.deliver(endpoint, TWO, MessageSource.of(MESSAGE));
        assertTrue(Duration.ofNanos(System.nanoTime() - start).toSeconds() < 5);
        assertTrue(report.results().stream().allMatch(r -> r.status() == Status.DEFERRED));
        SmtpReply reply = report.results().get(0).reply();
        assertTrue(reply.local());
        assertEquals(421, reply.code());
        assertEquals("connection refused by 127.0.0.1:" + port, reply.text());
    }

    @Test
    void silentServerTimesOut() throws Exception {
        try (ScriptedSmtpServer server = ScriptedSmtpServer.create()
                .on("GREETING", ScriptedSmtpServer.SILENT).start()) {
            long start = System.nanoTime();
            DeliveryReport report = client.deliver(endpoint(server, Duration.ofSeconds(1)), TWO,
                    MessageSource.of(MESSAGE));
            long millis = Duration.ofNanos(System.nanoTime() - start).toMillis();
            assertTrue(millis >= 900 && millis < 5000, millis + " ms");
            assertTrue(report.results().stream().allMatch(r -> r.status() == Status.DEFERRED));
            assertEquals("421 (local) timeout after 1s waiting for greeting",
                    report.results().get(0).reply().toString());
            server.awaitEnd();
        }
    }

    @Test
    void silenceAfterTheContentTimesOut() throws Exception {
        try (ScriptedSmtpServer server = ScriptedSmtpServer.create().on("EOD", ScriptedSmtpServer.SILENT).start()) {
            DeliveryReport report = client.deliver(endpoint(server, Duration.ofSeconds(1)), TWO,
                    MessageSource.of(MESSAGE));
            assertTrue(report.results().stream().allMatch(r -> r.status() == Status.DEFERRED));
            assertEquals("timeout after 1s waiting for end of DATA reply", report.results().get(0).reply().text());
            server.awaitEnd();
        }
    }

    @Test
    void hangUpMidSessionDefers() throws Exception {
        try (ScriptedSmtpServer server = ScriptedSmtpServer.create().on("RCPT TO:<c@", ScriptedSmtpServer.HANG_UP)
                .start()) {
            DeliveryReport report = client.deliver(endpoint(server), TWO, MessageSource.of(MESSAGE));
            assertTrue(report.results().stream().allMatch(r -> r.status() == Status.DEFERRED), report.toString());
            assertTrue(report.results().get(0).reply().local());
            assertEquals("connection closed by the server while waiting for RCPT TO reply",
                    report.results().get(0).reply().text());
        }
    }

    @Test
    void startTlsRequiredButNotOffered() throws Exception {
        try (ScriptedSmtpServer server = ScriptedSmtpServer.create().ehlo("PIPELINING").start()) {
            SmtpEndpoint plain = endpoint(server);
            SmtpEndpoint startTls = new SmtpEndpoint(plain.host(), plain.port(), TlsMode.STARTTLS, Optional.empty(),
                    true, List.of(), AuthMechanism.NONE, Optional.empty(), Optional.empty(), "client.test",
                    plain.timeout());
            DeliveryReport report = client.deliver(startTls, TWO, MessageSource.of(MESSAGE));
            server.awaitEnd();
            assertTrue(report.results().stream().allMatch(r -> r.status() == Status.DEFERRED));
            assertEquals("421 (local) server does not offer STARTTLS", report.results().get(0).reply().toString());
            assertEquals(List.of("EHLO client.test", "QUIT"), server.commands());
        }
    }

    @Test
    void authPlainOnLoopback() throws Exception {
        try (ScriptedSmtpServer server = ScriptedSmtpServer.create().ehlo("AUTH LOGIN PLAIN")
                .on("AUTH", "235 2.7.0 Authentication successful").start()) {
            DeliveryReport report = client.deliver(withAuth(endpoint(server), AuthMechanism.AUTO,
                    PasswordSource.of("s3cret")), TWO, MessageSource.of(MESSAGE));
            server.awaitEnd();
            assertTrue(report.allDelivered(), report.toString());
            String initial = Base64.getEncoder().encodeToString("\0alice\0s3cret".getBytes(StandardCharsets.UTF_8));
            assertEquals("AUTH PLAIN " + initial, server.commands().get(1));
            assertEquals("MAIL FROM:<a@example.com>", server.commands().get(2));
        }
    }

    @Test
    void authLogin() throws Exception {
        try (ScriptedSmtpServer server = ScriptedSmtpServer.create().ehlo("AUTH=LOGIN")
                .on("AUTH LOGIN", "334 VXNlcm5hbWU6").on(b64("alice"), "334 UGFzc3dvcmQ6")
                .on(b64("s3cret"), "235 2.7.0 ok").start()) {
            DeliveryReport report = client.deliver(withAuth(endpoint(server), AuthMechanism.AUTO,
                    PasswordSource.of("s3cret")), TWO, MessageSource.of(MESSAGE));
            server.awaitEnd();
            assertTrue(report.allDelivered(), report.toString());
            assertEquals(List.of("AUTH LOGIN", b64("alice"), b64("s3cret")), server.commands().subList(1, 4));
        }
    }

    @Test
    void authFailure535IsDeferred() throws Exception {
        try (ScriptedSmtpServer server = ScriptedSmtpServer.create().ehlo("AUTH PLAIN")
                .on("AUTH", "535 5.7.8 Error: authentication failed").start()) {
            DeliveryReport report = client.deliver(withAuth(endpoint(server), AuthMechanism.PLAIN,
                    PasswordSource.of("wrong")), TWO, MessageSource.of(MESSAGE));
            server.awaitEnd();
            assertTrue(report.results().stream().allMatch(r -> r.status() == Status.DEFERRED));
            assertEquals("421 (local) AUTH failed: 535 5.7.8 Error: authentication failed",
                    report.results().get(0).reply().toString());
            assertFalse(server.commands().stream().anyMatch(c -> c.startsWith("MAIL")));
        }
    }

    @Test
    void authMechanismNotOfferedIsDeferred() throws Exception {
        try (ScriptedSmtpServer server = ScriptedSmtpServer.create().ehlo("AUTH CRAM-MD5").start()) {
            DeliveryReport report = client.deliver(withAuth(endpoint(server), AuthMechanism.AUTO,
                    PasswordSource.of("x")), TWO, MessageSource.of(MESSAGE));
            server.awaitEnd();
            assertTrue(report.anyDeferred());
            assertEquals("AUTH failed: server offers AUTH CRAM-MD5, not PLAIN or LOGIN",
                    report.results().get(0).reply().text());
        }
    }

    @Test
    void passwordThatCannotBeReadDefersWithoutConnecting() {
        SmtpEndpoint endpoint = withAuth(SmtpEndpoint.plain("127.0.0.1", 1), AuthMechanism.PLAIN, () -> {
            throw new IOException("passwordeval exited 1");
        });
        DeliveryReport report = client.deliver(endpoint, TWO, MessageSource.of(MESSAGE));
        assertTrue(report.results().stream().allMatch(r -> r.status() == Status.DEFERRED));
        assertEquals("cannot get the AUTH password: passwordeval exited 1", report.results().get(0).reply().text());
    }

    @Test
    void messageThatCannotBeReadDefers() {
        MessageSource broken = new MessageSource() {
            @Override
            public long size() {
                return 10;
            }

            @Override
            public InputStream open() throws IOException {
                throw new IOException("spool file gone");
            }
        };
        DeliveryReport report = client.deliver(SmtpEndpoint.plain("127.0.0.1", 1), TWO, broken);
        assertTrue(report.results().stream().allMatch(r -> r.status() == Status.DEFERRED));
        assertEquals("cannot read the message: spool file gone", report.results().get(0).reply().text());
    }

    @Test
    void refusesAuthInClearTextToANonLoopbackServer() throws Exception {
        InetAddress address = NetworkInterface.networkInterfaces()
                .filter(i -> {
                    try {
                        return i.isUp() && !i.isLoopback();
                    } catch (IOException e) {
                        return false;
                    }
                })
                .flatMap(NetworkInterface::inetAddresses)
                .filter(a -> a.getAddress().length == 4)
                .findFirst().orElse(null);
        Assumptions.assumeTrue(address != null, "no non-loopback IPv4 address here");
        try (ScriptedSmtpServer server = ScriptedSmtpServer.create(address).ehlo("AUTH PLAIN LOGIN").start()) {
            SmtpEndpoint endpoint = new SmtpEndpoint(address.getHostAddress(), server.port(), TlsMode.NONE,
                    Optional.empty(), true, List.of(), AuthMechanism.AUTO, Optional.of("alice"),
                    Optional.of(PasswordSource.of("s3cret")), "client.test", Duration.ofSeconds(10));
            DeliveryReport report = client.deliver(endpoint, TWO, MessageSource.of(MESSAGE));
            server.awaitEnd();
            assertTrue(report.results().stream().allMatch(r -> r.status() == Status.DEFERRED));
            assertTrue(report.results().get(0).reply().text().startsWith("refusing to send the password"),
                    report.toString());
            assertEquals(List.of("EHLO client.test", "QUIT"), server.commands());
        }
    }

    @Test
    void asyncDeliveriesRunSideBySide() throws Exception {
        try (ScriptedSmtpServer one = ScriptedSmtpServer.create().start();
                ScriptedSmtpServer two = ScriptedSmtpServer.create().ehlo("PIPELINING").start()) {
            var first = client.deliverAsync(endpoint(one), TWO, MessageSource.of(MESSAGE));
            var second = client.deliverAsync(endpoint(two), TWO, MessageSource.of(MESSAGE));
            assertTrue(first.get().allDelivered());
            assertTrue(second.get().allDelivered());
        }
    }

    private static String b64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }
}
