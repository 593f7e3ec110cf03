package org.postseal.smtp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postseal.postfix.DeliveredMessage;
import org.postseal.postfix.DovecotSasl;
import org.postseal.postfix.PostfixInstance;
import org.postseal.postfix.TestCertificates;
import org.postseal.postfix.PostfixInstance.Options;
import org.postseal.postfix.PostfixPrograms;
import org.postseal.smtp.RecipientResult.Status;

/**
 * The client against a real Postfix (Debian's, a throwaway instance on loopback relaying to a sink in this JVM):
 * plain, STARTTLS and implicit TLS with a CA made here by {@code openssl}, a wrong CA, pinned fingerprints, AUTH
 * PLAIN and LOGIN checked by a real Dovecot, per-recipient verdicts from {@code check_recipient_access}, and the
 * message bytes as the sink receives them.
 */
class SmtpClientPostfixIT {
    private static final Duration DELIVERY = Duration.ofSeconds(60);
    private static final Duration STEP = Duration.ofSeconds(30);
    private static final String USER = "relay@example.com";
    private static final String PASSWORD = "c0rrect horse";

    private static Path work;
    private static Path caFile;
    private static Path wrongCaFile;
    private static X509Certificate serverCertificate;
    private static X509Certificate otherCertificate;
    private static DovecotSasl dovecot;
    private static PostfixInstance postfix;
    private static SmtpClient client;

    @BeforeAll
    static void start() throws Exception {
        PostfixPrograms.require();
        DovecotSasl.require();
        work = Files.createTempDirectory(Path.of("/tmp"), "postseal-smtp-it-");
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxr-xr-x"));
        makeCertificates();
        Path access = work.resolve("recipient_access");
        Files.writeString(access, String.join("\n",
                "refused@example.net 550 5.1.1 <refused@example.net>: refused by the test's access map",
                "later@example.net 451 4.3.0 <later@example.net>: deferred by the test's access map",
                ""));
        Files.setPosixFilePermissions(access, PosixFilePermissions.fromString("rw-r--r--"));
        dovecot = DovecotSasl.start(Map.of(USER, PASSWORD));
        postfix = PostfixInstance.start(Options.builder()
                .mainCf("smtpd_tls_cert_file = " + work.resolve("server.pem"))
                .mainCf("smtpd_tls_key_file = " + work.resolve("server.key"))
                .mainCf("smtpd_tls_security_level = may")
                .mainCf("smtpd_recipient_restrictions = check_recipient_access texthash:" + access)
                .smtpd("smtps", "smtpd_tls_wrappermode=yes", "smtpd_tls_security_level=encrypt")
                .smtpd("other-name", "smtpd_tls_wrappermode=yes", "smtpd_tls_security_level=encrypt",
                        "smtpd_tls_cert_file=" + work.resolve("other.pem"),
                        "smtpd_tls_key_file=" + work.resolve("other.key"))
                .smtpd("submission", "smtpd_sasl_auth_enable=yes", "smtpd_sasl_type=dovecot",
                        "smtpd_sasl_path=" + dovecot.saslPath(), "smtpd_sasl_security_options=noanonymous",
                        "smtpd_client_restrictions=permit_sasl_authenticated,reject")
                .masterCf("tlsmgr unix - - n 1000? 1 tlsmgr")
                .build());
        client = new SmtpClient();
    }

    @AfterAll
    static void stop() throws IOException {
        if (client != null) {
            client.close();
        }
        if (postfix != null) {
            postfix.close();
        }
        if (dovecot != null) {
            dovecot.close();
        }
        if (work != null) {
            try (var files = Files.walk(work)) {
                for (Path file : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(file);
                }
            }
        }
    }

    @Test
    void plainRelayToSeveralRecipientsKeepsTheBytes() {
        byte[] message = message("plain", "Plain relay.\r\n.A line that starts with a dot\r\n..two dots\r\n.\r\n"
                + "caf\u00e9, na\u00efve, \u00fcber: an 8-bit body\r\nlast line without CRLF");
        Envelope envelope = new Envelope("sender@example.com", List.of("one@example.net", "two@example.net",
                "three@example.org"));
        DeliveryReport report = client.deliver(endpoint(postfix.smtpPort(), TlsMode.NONE), envelope,
                MessageSource.of(message));
        assertTrue(report.allDelivered(), report.toString());
        assertTrue(report.results().get(0).reply().text().contains("queued as"), report.toString());
        DeliveredMessage delivered = awaitMessage(message);
        assertEquals("sender@example.com", delivered.sender());
        assertEquals(envelope.recipients(), delivered.recipients());
        assertSameAfterReceived(withCrlf(message), delivered);
    }

    @Test
    void internationalizedAddressesWithSmtpUtf8() {
        byte[] message = message("smtputf8", "To J\u00f6rg.\r\n");
        Envelope envelope = new Envelope("s\u00e9nder@example.com", List.of("j\u00f6rg@b\u00fccher.example"));
        DeliveryReport report = client.deliver(endpoint(postfix.smtpPort(), TlsMode.NONE), envelope,
                MessageSource.of(message));
        assertTrue(report.allDelivered(), report.toString());
        DeliveredMessage delivered = awaitMessage(message);
        assertEquals("s\u00e9nder@example.com", delivered.sender());
        assertEquals(envelope.recipients(), delivered.recipients());
        assertSameAfterReceived(message, delivered);
    }

    @Test
    void perRecipientVerdictsFromTheAccessMap() {
        Envelope envelope = new Envelope("sender@example.com", List.of("refused@example.net", "ok@example.net",
                "later@example.net"));
        byte[] message = message("per recipient", "Some go, some don't.\r\n");
        DeliveryReport report = client.deliver(endpoint(postfix.smtpPort(), TlsMode.NONE), envelope,
                MessageSource.of(message));
        List<RecipientResult> results = report.results();
        assertEquals(Status.REJECTED, results.get(0).status(), report.toString());
        assertEquals(550, results.get(0).reply().code());
        assertTrue(results.get(0).reply().text().contains("refused by the test's access map"), report.toString());
        assertEquals(Status.DELIVERED, results.get(1).status(), report.toString());
        assertEquals(Status.DEFERRED, results.get(2).status(), report.toString());
        assertEquals(451, results.get(2).reply().code());
        DeliveredMessage delivered = awaitMessage(message);
        assertEquals(List.of("ok@example.net"), delivered.recipients());
        assertSameAfterReceived(message, delivered);
    }

    @Test
    void onlyTemporaryFailuresDeferEverything() {
        Envelope envelope = new Envelope("sender@example.com", List.of("later@example.net"));
        byte[] message = message("deferred", "Not now.\r\n");
        DeliveryReport report = client.deliver(endpoint(postfix.smtpPort(), TlsMode.NONE), envelope,
                MessageSource.of(message));
        assertEquals(Status.DEFERRED, report.results().get(0).status(), report.toString());
        assertEquals(451, report.results().get(0).reply().code());
        assertFalse(report.results().get(0).reply().local());
        assertNotDelivered(message);
    }

    @Test
    void startTlsWithTheTestCa() {
        byte[] message = message("starttls", "Over STARTTLS.\r\n.dot\r\n");
        SmtpEndpoint endpoint = tls(postfix.smtpPort(), TlsMode.STARTTLS, Optional.of(caFile), List.of());
        DeliveryReport report = client.deliver(endpoint, oneRecipient(), MessageSource.of(message));
        assertTrue(report.allDelivered(), report.toString());
        DeliveredMessage delivered = awaitMessage(message);
        assertSameAfterReceived(message, delivered);
        assertTrue(delivered.headerValue("Received").contains("with ESMTPS"), delivered.headerValue("Received"));
    }

    @Test
    void startTlsWithAWrongCaIsDeferredAndNothingIsSent() throws Exception {
        SmtpEndpoint endpoint = tls(postfix.smtpPort(), TlsMode.STARTTLS, Optional.of(wrongCaFile), List.of());
        byte[] message = message("wrong CA", "Must not arrive.\r\n");
        DeliveryReport report = client.deliver(endpoint, oneRecipient(), MessageSource.of(message));
        RecipientResult result = report.results().get(0);
        assertEquals(Status.DEFERRED, result.status(), report.toString());
        assertTrue(result.reply().local());
        assertTrue(result.reply().text().startsWith("TLS handshake failed: "), result.reply().toString());
        assertNotDelivered(message);
    }

    @Test
    void startTlsWithTheJdkTrustStoreRefusesTheTestCa() {
        SmtpEndpoint endpoint = tls(postfix.smtpPort(), TlsMode.STARTTLS, Optional.empty(), List.of());
        DeliveryReport report = client.deliver(endpoint, oneRecipient(),
                MessageSource.of(message("no CA", "Must not arrive.\r\n")));
        assertEquals(Status.DEFERRED, report.results().get(0).status(), report.toString());
        assertTrue(report.results().get(0).reply().text().startsWith("TLS handshake failed: "));
    }

    @Test
    void certificateForAnotherNameIsDeferred() {
        // signed by the right CA, but for other.example only
        SmtpEndpoint endpoint = tls(postfix.smtpdPort("other-name"), TlsMode.IMPLICIT, Optional.of(caFile),
                List.of());
        byte[] message = message("wrong name", "Must not arrive.\r\n");
        DeliveryReport report = client.deliver(endpoint, oneRecipient(), MessageSource.of(message));
        assertEquals(Status.DEFERRED, report.results().get(0).status(), report.toString());
        assertTrue(report.results().get(0).reply().text().startsWith("TLS handshake failed: "), report.toString());
        assertTrue(report.results().get(0).reply().text().contains("127.0.0.1"), report.toString());
        // the same server passes when its certificate is pinned, as msmtp's tls_fingerprint does without names
        SmtpEndpoint pinned = tls(postfix.smtpdPort("other-name"), TlsMode.IMPLICIT, Optional.empty(),
                List.of(sha256(otherCertificate)));
        assertTrue(client.deliver(pinned, oneRecipient(), MessageSource.of(message("pinned other", "ok\r\n")))
                .allDelivered());
    }

    @Test
    void implicitTls() {
        byte[] message = message("smtps", "Over implicit TLS.\r\n");
        SmtpEndpoint endpoint = tls(postfix.smtpdPort("smtps"), TlsMode.IMPLICIT, Optional.of(caFile), List.of());
        DeliveryReport report = client.deliver(endpoint, oneRecipient(), MessageSource.of(message));
        assertTrue(report.allDelivered(), report.toString());
        assertSameAfterReceived(message, awaitMessage(message));
    }

    @Test
    void implicitTlsWithAWrongCa() {
        SmtpEndpoint endpoint = tls(postfix.smtpdPort("smtps"), TlsMode.IMPLICIT, Optional.of(wrongCaFile),
                List.of());
        DeliveryReport report = client.deliver(endpoint, oneRecipient(),
                MessageSource.of(message("smtps wrong CA", "Must not arrive.\r\n")));
        assertEquals(Status.DEFERRED, report.results().get(0).status(), report.toString());
        assertTrue(report.results().get(0).reply().text().startsWith("TLS handshake failed: "), report.toString());
    }

    @Test
    void pinnedFingerprintsReplaceTheChainCheck() throws Exception {
        byte[] der = serverCertificate.getEncoded();
        String sha256 = HexFormat.ofDelimiter(":").withUpperCase()
                .formatHex(MessageDigest.getInstance("SHA-256").digest(der));
        String sha1 = HexFormat.ofDelimiter(":").formatHex(MessageDigest.getInstance("SHA-1").digest(der));
        for (String fingerprint : List.of(sha256, sha1)) {
            SmtpEndpoint endpoint = tls(postfix.smtpPort(), TlsMode.STARTTLS, Optional.empty(), List.of(fingerprint));
            DeliveryReport report = client.deliver(endpoint, oneRecipient(),
                    MessageSource.of(message("pinned", "Pinned by " + fingerprint + ".\r\n")));
            assertTrue(report.allDelivered(), fingerprint + ": " + report);
        }
        String other = "00:" + sha256.substring(3);
        SmtpEndpoint endpoint = tls(postfix.smtpdPort("smtps"), TlsMode.IMPLICIT, Optional.empty(), List.of(other));
        DeliveryReport report = client.deliver(endpoint, oneRecipient(),
                MessageSource.of(message("pinned wrong", "Must not arrive.\r\n")));
        assertEquals(Status.DEFERRED, report.results().get(0).status(), report.toString());
        assertTrue(report.results().get(0).reply().text().contains("not among the accepted fingerprints"),
                report.toString());
    }

    @Test
    void certCheckOffAcceptsAnyCertificate() {
        SmtpEndpoint endpoint = new SmtpEndpoint("127.0.0.1", postfix.smtpdPort("smtps"), TlsMode.IMPLICIT,
                Optional.empty(), false, List.of(), AuthMechanism.NONE, Optional.empty(), Optional.empty(),
                "client.test", STEP);
        DeliveryReport report = client.deliver(endpoint, oneRecipient(),
                MessageSource.of(message("insecure", "tls_certcheck off.\r\n")));
        assertTrue(report.allDelivered(), report.toString());
    }

    @Test
    void authPlainOverPlainLoopbackWithDovecot() {
        byte[] message = message("auth plain", "Authenticated with PLAIN.\r\n");
        SmtpEndpoint endpoint = auth(TlsMode.NONE, AuthMechanism.PLAIN, PASSWORD);
        DeliveryReport report = client.deliver(endpoint, oneRecipient(), MessageSource.of(message));
        assertTrue(report.allDelivered(), report.toString());
        DeliveredMessage delivered = awaitMessage(message);
        assertSameAfterReceived(message, delivered);
        assertTrue(delivered.headerValue("Received").contains("with ESMTPA"), delivered.headerValue("Received"));
        postfix.awaitLog(java.util.regex.Pattern.compile("sasl_method=PLAIN, sasl_username=" + USER), STEP);
    }

    @Test
    void authLoginOverStartTlsWithDovecot() {
        byte[] message = message("auth login", "Authenticated with LOGIN over STARTTLS.\r\n");
        SmtpEndpoint endpoint = auth(TlsMode.STARTTLS, AuthMechanism.LOGIN, PASSWORD);
        DeliveryReport report = client.deliver(endpoint, oneRecipient(), MessageSource.of(message));
        assertTrue(report.allDelivered(), report.toString());
        DeliveredMessage delivered = awaitMessage(message);
        assertSameAfterReceived(message, delivered);
        assertTrue(delivered.headerValue("Received").contains("with ESMTPSA"), delivered.headerValue("Received"));
        postfix.awaitLog(java.util.regex.Pattern.compile("sasl_method=LOGIN, sasl_username=" + USER), STEP);
    }

    @Test
    void authAutoPicksPlain() {
        SmtpEndpoint endpoint = auth(TlsMode.STARTTLS, AuthMechanism.AUTO, PASSWORD);
        DeliveryReport report = client.deliver(endpoint, oneRecipient(),
                MessageSource.of(message("auth auto", "AUTO.\r\n")));
        assertTrue(report.allDelivered(), report.toString());
    }

    @Test
    void wrongPasswordIsDeferredWith535() {
        byte[] message = message("wrong password", "Must not arrive.\r\n");
        for (AuthMechanism mechanism : List.of(AuthMechanism.PLAIN, AuthMechanism.LOGIN)) {
            SmtpEndpoint endpoint = auth(TlsMode.NONE, mechanism, "wrong password");
            DeliveryReport report = client.deliver(endpoint, oneRecipient(), MessageSource.of(message));
            RecipientResult result = report.results().get(0);
            assertEquals(Status.DEFERRED, result.status(), report.toString());
            assertTrue(result.reply().text().startsWith("AUTH failed: 535 5.7.8 "), result.reply().toString());
            assertTrue(result.reply().text().contains("authentication failed"), result.reply().toString());
        }
        assertNotDelivered(message);
    }

    @Test
    void withoutAuthTheSubmissionServiceRefuses() {
        SmtpEndpoint endpoint = endpoint(postfix.smtpdPort("submission"), TlsMode.NONE);
        DeliveryReport report = client.deliver(endpoint, oneRecipient(),
                MessageSource.of(message("no auth", "Must not arrive.\r\n")));
        assertEquals(Status.REJECTED, report.results().get(0).status(), report.toString());
        assertEquals(554, report.results().get(0).reply().code());
    }

    @Test
    void unreachableHostIsDeferredQuickly() throws IOException {
        int port;
        try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            port = closed.getLocalPort();
        }
        long start = System.nanoTime();
        DeliveryReport report = client.deliver(endpoint(port, TlsMode.STARTTLS), new Envelope("a@example.com",
                List.of("b@example.net", "c@example.net")), MessageSource.of(message("unreachable", "x\r\n")));
        assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) < 5000);
        assertTrue(report.results().stream().allMatch(r -> r.status() == Status.DEFERRED), report.toString());
        assertEquals("connection refused by 127.0.0.1:" + port, report.results().get(0).reply().text());
    }

    @Test
    void largeMessageStreamsThrough() throws IOException {
        StringBuilder body = new StringBuilder();
        for (int i = 0; body.length() < 3_000_000; i++) {
            body.append(i % 10 == 0 ? "." : "").append("line ").append(i).append(" \u00e9\u00e8 ")
                    .append("x".repeat(i % 200)).append("\r\n");
        }
        byte[] message = message("large", body.toString());
        Path file = work.resolve("large.eml");
        Files.write(file, message);
        DeliveryReport report = client.deliver(endpoint(postfix.smtpPort(), TlsMode.NONE), oneRecipient(),
                MessageSource.of(file));
        assertTrue(report.allDelivered(), report.toString());
        assertSameAfterReceived(message, awaitMessage(message));
    }

    // --- helpers

    private static Envelope oneRecipient() {
        return new Envelope("sender@example.com", List.of("rcpt@example.net"));
    }

    private static SmtpEndpoint endpoint(int port, TlsMode tls) {
        return new SmtpEndpoint("127.0.0.1", port, tls, Optional.empty(), true, List.of(), AuthMechanism.NONE,
                Optional.empty(), Optional.empty(), "client.test", STEP);
    }

    private static SmtpEndpoint tls(int port, TlsMode tls, Optional<Path> trust, List<String> fingerprints) {
        return new SmtpEndpoint("127.0.0.1", port, tls, trust, true, fingerprints, AuthMechanism.NONE,
                Optional.empty(), Optional.empty(), "client.test", STEP);
    }

    private static SmtpEndpoint auth(TlsMode tls, AuthMechanism mechanism, String password) {
        return new SmtpEndpoint("127.0.0.1", postfix.smtpdPort("submission"), tls,
                tls == TlsMode.NONE ? Optional.empty() : Optional.of(caFile), true, List.of(), mechanism,
                Optional.of(USER), Optional.of(PasswordSource.of(password)), "client.test", STEP);
    }

    /** A message with every header Postfix would otherwise add for a local client (Date, Message-ID). */
    private static byte[] message(String subject, String body) {
        return ("Date: Sat, 22 Nov 2025 10:00:00 +0000\r\n"
                + "Message-ID: <" + subject.replace(' ', '-') + "." + System.nanoTime() + "@example.com>\r\n"
                + "From: Sender <sender@example.com>\r\n"
                + "To: rcpt@example.net\r\n"
                + "Subject: " + subject + "\r\n"
                + "MIME-Version: 1.0\r\n"
                + "Content-Type: text/plain; charset=utf-8\r\n"
                + "Content-Transfer-Encoding: 8bit\r\n"
                + "\r\n" + body).getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] withCrlf(byte[] message) {
        byte[] out = Arrays.copyOf(message, message.length + 2);
        out[message.length] = '\r';
        out[message.length + 1] = '\n';
        return out;
    }

    /** The delivered bytes are the sent ones after Postfix's own Received field, byte for byte. */
    private static void assertSameAfterReceived(byte[] sent, DeliveredMessage delivered) {
        byte[] bytes = delivered.bytes();
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        assertTrue(text.startsWith("Received: "), () -> "no Received field first: " + delivered.text());
        int end = 0;
        do {
            end = text.indexOf("\r\n", end) + 2;
        } while (text.charAt(end) == ' ' || text.charAt(end) == '\t');
        byte[] rest = Arrays.copyOfRange(bytes, end, bytes.length);
        assertArrayEquals(sent, rest, () -> "delivered:\n" + delivered.text());
    }

    private static void makeCertificates() throws Exception {
        TestCertificates.ca(work, "ca", "postseal test CA");
        TestCertificates.ca(work, "wrong-ca", "postseal wrong CA");
        TestCertificates.server(work, "server", "localhost", "DNS:localhost, IP:127.0.0.1");
        TestCertificates.server(work, "other", "other.example", "DNS:other.example");
        otherCertificate = certificate(work.resolve("other.pem"));
        caFile = work.resolve("ca.pem");
        wrongCaFile = work.resolve("wrong-ca.pem");
        serverCertificate = certificate(work.resolve("server.pem"));
    }

    private static X509Certificate certificate(Path pem) throws Exception {
        try (var in = new ByteArrayInputStream(Files.readAllBytes(pem))) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

    private static String sha256(X509Certificate certificate) {
        try {
            return HexFormat.ofDelimiter(":").withUpperCase()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded()));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The delivered message whose Message-ID is {@code sent}'s, waiting for it. */
    private static DeliveredMessage awaitMessage(byte[] sent) {
        String id = messageId(sent);
        long deadline = System.nanoTime() + DELIVERY.toNanos();
        while (true) {
            Optional<DeliveredMessage> found = postfix.delivered().stream()
                    .filter(m -> m.headerValue("Message-ID").equals(id)).findFirst();
            if (found.isPresent()) {
                return found.get();
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("no message " + id + " delivered within " + DELIVERY + "; queue:\n"
                        + postfix.queue() + "\nlog:\n" + postfix.log());
            }
            pause(100);
        }
    }

    /** Checks, after a second for Postfix to relay whatever it took, that {@code sent} never arrived. */
    private static void assertNotDelivered(byte[] sent) {
        pause(1000);
        String id = messageId(sent);
        assertTrue(postfix.delivered().stream().noneMatch(m -> m.headerValue("Message-ID").equals(id)),
                "delivered although it should not: " + id);
    }

    private static String messageId(byte[] message) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^Message-ID: (<[^>]+>)")
                .matcher(new String(message, StandardCharsets.ISO_8859_1));
        if (!m.find()) {
            throw new IllegalArgumentException("no Message-ID");
        }
        return m.group(1);
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
