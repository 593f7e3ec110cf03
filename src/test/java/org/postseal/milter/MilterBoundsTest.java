package org.postseal.milter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.postseal.dkim.DkimSigner;
import org.postseal.dkim.SignatureSpec;
import org.postseal.dkim.SigningKey;
import org.postseal.dkim.SigningSession;
import org.postseal.dkim.VerificationLimits;
import org.postseal.dns.KeyRecordSource;
import org.postseal.keys.DkimKeyGenerator;
import org.postseal.keys.KeyRecordText;
import org.postseal.message.HeaderBlock;
import org.postseal.message.HeaderField;
import org.postseal.policy.VerificationActions;
import org.postseal.signing.OnError;
import org.postseal.signing.SignatureChoice;

/**
 * Each bound of {@link MilterLimits} and of verification, over a real listener: at the bound the message is served;
 * one past it, that connection or that message fails with a log line naming the bound, and the server goes on: the
 * test then sends a normal message, which is signed. docs/RELIABILITY.md ("Resource bounds") lists these tests with
 * the others.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class MilterBoundsTest {
    private static final String EXTERNAL = "203.0.113.5";
    private static SigningKey key;

    private MilterServer server;
    private final List<String> lookups = new CopyOnWriteArrayList<>();
    private PrintStream savedErr;
    private final ByteArrayOutputStream log = new ByteArrayOutputStream();

    @BeforeAll
    static void makeKey() throws Exception {
        key = DkimKeyGenerator.rsa(1024);
    }

    @BeforeEach
    void captureLog() {
        savedErr = System.err;
        System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void stop() {
        System.setErr(savedErr);
        savedErr.print(log());
        if (server != null) {
            server.close();
        }
    }

    private String log() {
        return log.toString(StandardCharsets.UTF_8);
    }

    /**
     * Signs mail from loopback clients as example.com and verifies the rest (Mode sv, 3 signatures examined), with
     * keys s0..s9 at example.com.
     */
    private void start(MilterLimits limits) throws IOException {
        SigningPort signing = new SigningPort() {
            @Override
            public Optional<SignatureChoice.Skip> mayClientSign(MessageContext context) {
                boolean internal = context.client().address().map(a -> a.isLoopbackAddress()).orElse(false);
                return internal ? Optional.empty() : Optional.of(SignatureChoice.skip("not internal"));
            }

            @Override
            public SignatureChoice select(MessageContext context) {
                return SignatureChoice.sign(List.of(SignatureSpec.builder("example.com", "out", key).build()));
            }
        };
        String record = KeyRecordText.of(key).value();
        KeyRecordSource keys = (selector, domain) -> {
            lookups.add(selector + "._domainkey." + domain);
            return CompletableFuture.completedFuture(List.of(record));
        };
        VerificationSettings verification = new VerificationSettings(keys, Optional.of("mx.test"), "mx.test",
                VerificationActions.DEFAULTS, new VerificationLimits(3, 8192));
        server = MilterServer.start(new InetSocketAddress("127.0.0.1", 0),
                new MilterSessions(signing, OnError.ACCEPT, limits, 1, Clock.systemUTC())
                        .withVerification(verification), Optional.empty(), Optional.empty());
    }

    // --- limits.max-packet ------------------------------------------------------------------------------------

    @Test
    void aPacketOfMaxPacketBytesIsReadAndOneByteMoreClosesOnlyThatConnection() throws Exception {
        start(MilterLimits.DEFAULTS.withMessageBounds(65536, 1 << 20, 1000));
        try (MilterTestClient client = connected("127.0.0.1")) {
            client.send('M', MilterTestClient.strings("<joe@example.com>"));
            assertEquals('c', client.read().code());
            client.send('L', MilterTestClient.header(bytes("From"), bytes(" joe@example.com")));
            assertEquals('c', client.read().code());
            // 'L' + "X-Pad\0" + value + "\0" is exactly the 65536 bytes max-packet allows
            client.send('L', MilterTestClient.header(bytes("X-Pad"), bytes("x".repeat(65536 - 1 - 6 - 1))));
            assertEquals('c', client.read().code());
            assertTrue(signs(client, "joe@example.com"), "a header field in a packet of max-packet bytes is signed");
        }
        try (MilterTestClient client = connected("127.0.0.1")) {
            client.send('M', MilterTestClient.strings("<joe@example.com>"));
            assertEquals('c', client.read().code());
            client.send('L', MilterTestClient.header(bytes("X-Pad"), bytes("x".repeat(65536 - 1 - 6 - 1 + 1))));
            assertClosed(client);
        }
        assertTrue(log().contains("closing milter connection from /127.0.0.1:"), log());
        assertTrue(log().contains(": packet length 65537 (expected: 1 to 65536)"), log());
        assertNormalMessageSigned();
    }

    // --- limits.max-header ------------------------------------------------------------------------------------

    @Test
    void aHeaderOfMaxHeaderBytesIsSignedAndOneByteMoreIsNot() throws Exception {
        start(MilterLimits.DEFAULTS.withMessageBounds(1 << 20, 2048, 1000));
        try (MilterTestClient client = connected("127.0.0.1")) {
            // counted as name + value + 4 per field: From (4 + 17 + 4) and X-Pad (5 + N + 4)
            int padding = 2048 - (4 + " joe@example.com".length() + 4) - (5 + 4);
            assertTrue(message(client, padding), "a header of max-header bytes is signed");
            assertTrue(!message(client, padding + 1), "one byte more is not");
            assertTrue(message(client, 0), "the next message on the same connection is signed");
        }
        assertTrue(log().contains("4QID: not signed from=example.com: cannot sign (passed on unsigned): header larger than"
                + " 2048 bytes"), log());
        assertNormalMessageSigned();
    }

    // --- limits.max-header-fields -----------------------------------------------------------------------------

    @Test
    void aHeaderOfMaxHeaderFieldsIsSignedAndOneFieldMoreIsNot() throws Exception {
        start(MilterLimits.DEFAULTS.withMessageBounds(1 << 20, 1 << 20, 20));
        try (MilterTestClient client = connected("127.0.0.1")) {
            assertTrue(fields(client, 20), "20 fields (From and 19 Received) are signed");
            assertTrue(!fields(client, 21), "21 are not");
            assertTrue(fields(client, 1), "the next message on the same connection is signed");
        }
        assertTrue(log().contains("4QID: not signed from=example.com: cannot sign (passed on unsigned): header of more"
                + " than 20 fields"), log());
        assertNormalMessageSigned();
    }

    @Test
    void theDefaultBoundIsAThousandFieldsAndAMessageBeyondItIsNotExaminedWhenVerifying() throws Exception {
        assertEquals(1000, MilterLimits.DEFAULTS.maxHeaderFields());
        start(MilterLimits.DEFAULTS);
        try (MilterTestClient client = connected(EXTERNAL)) {
            client.send('M', MilterTestClient.strings("<joe@example.com>"));
            assertEquals('c', client.read().code(), "verifying");
            for (int i = 0; i < 1001; i++) {
                client.send('L', MilterTestClient.header(bytes("Received"), bytes(" from hop" + i)));
                assertEquals('c', client.read().code());
            }
            client.send('N', new byte[0]);
            assertEquals('c', client.read().code());
            client.send('E', new byte[0]);
            List<MilterTestClient.Reply> replies = client.readUntilFinal();
            assertEquals("451 4.7.0 ", replies.get(replies.size() - 1).text().substring(0, 10),
                    "On-Security (tempfail by default): " + replies.get(replies.size() - 1).text());
        }
        assertTrue(log().contains("not verified action=tempfail: header of more than 1000 fields"), log());
        assertNormalMessageSigned();
    }

    // --- maximum-signatures-to-verify -------------------------------------------------------------------------

    @Test
    void threeSignaturesAreAllExaminedAndOfFourTheLastIsNot() throws Exception {
        start(MilterLimits.DEFAULTS);
        String atBound = results(send(EXTERNAL, signed("s0", "s1", "s2")));
        assertEquals(3, atBound.split("dkim=pass").length - 1, atBound);
        assertEquals(List.of("s0._domainkey.example.com", "s1._domainkey.example.com",
                "s2._domainkey.example.com"), lookups);
        lookups.clear();
        String past = results(send(EXTERNAL, signed("s0", "s1", "s2", "s3")));
        assertEquals(3, past.split("dkim=pass").length - 1, past);
        assertTrue(!past.contains("header.s=s3"), "the fourth is neither examined nor reported: " + past);
        assertEquals(3, lookups.size(), lookups.toString());
        assertTrue(log().contains("4QID: verified from=example.com d=example.com s=s0 dkim=pass, d=example.com s=s1"
                + " dkim=pass, d=example.com s=s2 dkim=pass action=accept not-examined=1"), log());
        assertNormalMessageSigned();
    }

    // --- limits.buffer-memory ---------------------------------------------------------------------------------

    @Test
    void partialPacketsUpToTheBudgetAreHeldAndOneByteMoreClosesTheConnectionThatSentIt() throws Exception {
        start(MilterLimits.DEFAULTS.withMessageBounds(65536, 1 << 20, 1000).withBufferMemory(65536));
        MilterTestClient first = connected("127.0.0.1");
        MilterTestClient second = connected("127.0.0.1");
        MilterTestClient third = connected("127.0.0.1");
        try {
            // two body chunks still arriving: 4 + 30000 and 4 + 35528 bytes held, 65536 in all
            OutputStream a = first.socket().getOutputStream();
            a.write(new byte[] {0, 0, (byte) 0xea, 0x61, 'B'}); // length 60001
            a.write(new byte[29999]);
            a.flush();
            OutputStream b = second.socket().getOutputStream();
            b.write(new byte[] {0, 0, (byte) 0xea, 0x61, 'B'});
            b.write(new byte[35527]);
            b.flush();
            awaitHeld(65536);
            assertEquals(65536, server.packetMemoryHeld(), "exactly the budget is held");
            third.socket().getOutputStream().write(new byte[] {0});
            assertClosed(third);
            // one of the two within the budget gives up; the other finishes its packet and is answered
            second.close();
            awaitHeld(30004);
            a.write(new byte[60001 - 30000]);
            a.flush();
            assertEquals('c', first.read().code());
            awaitHeld(0);
            assertEquals(0, server.packetMemoryHeld(), "all given back");
        } finally {
            first.close();
            second.close();
            third.close();
        }
        assertTrue(log().contains("partial packets of all connections would exceed 65536 bytes"
                + " (limits.buffer-memory)"), log());
        assertNormalMessageSigned();
    }

    // --- helpers ----------------------------------------------------------------------------------------------

    /** A connection at protocol 2 (every command answered) with CONNECT from {@code address} done. */
    private MilterTestClient connected(String address) throws IOException {
        MilterTestClient client = new MilterTestClient(server.localAddress());
        client.negotiate(2, MilterTestClient.POSTFIX_ACTIONS, MilterTestClient.POSTFIX_STEPS_V2);
        client.send('C', MilterTestClient.connectPayload("[" + address + "]", '4', 1234, address));
        assertEquals('c', client.read().code());
        return client;
    }

    /** From, then the X-Pad field with {@code padding} bytes of value (none when 0), then the rest. */
    private static boolean message(MilterTestClient client, int padding) throws IOException {
        client.macro('M', "i", "4QID");
        client.send('M', MilterTestClient.strings("<joe@example.com>"));
        assertEquals('c', client.read().code());
        client.send('L', MilterTestClient.header(bytes("From"), bytes(" joe@example.com")));
        assertEquals('c', client.read().code());
        if (padding > 0) {
            client.send('L', MilterTestClient.header(bytes("X-Pad"), bytes("x".repeat(padding))));
            assertEquals('c', client.read().code());
        }
        return signs(client, "joe@example.com");
    }

    /** From and {@code count - 1} Received fields, then the rest. */
    private static boolean fields(MilterTestClient client, int count) throws IOException {
        client.macro('M', "i", "4QID");
        client.send('M', MilterTestClient.strings("<joe@example.com>"));
        assertEquals('c', client.read().code());
        client.send('L', MilterTestClient.header(bytes("From"), bytes(" joe@example.com")));
        assertEquals('c', client.read().code());
        for (int i = 1; i < count; i++) {
            client.send('L', MilterTestClient.header(bytes("Received"), bytes(" from hop" + i)));
            assertEquals('c', client.read().code());
        }
        return signs(client, "joe@example.com");
    }

    /** EOH, a body chunk and the end of the message; whether a DKIM-Signature was inserted. */
    private static boolean signs(MilterTestClient client, String from) throws IOException {
        client.send('N', new byte[0]);
        char atHeader = client.read().code();
        if (atHeader != 'c') {
            return false;
        }
        client.send('B', bytes("Hello.\r\n"));
        assertEquals('c', client.read().code());
        client.send('E', new byte[0]);
        return client.readUntilFinal().stream().anyMatch(r -> r.code() == 'i' && r.text().contains("DKIM-Signature"));
    }

    /** A normal message on a new connection is signed: the server goes on serving. */
    private void assertNormalMessageSigned() throws IOException {
        try (MilterTestClient client = connected("127.0.0.1")) {
            assertTrue(message(client, 0), "a normal message afterwards is signed");
        }
    }

    private List<MilterTestClient.Reply> send(String clientAddress, byte[] message) throws IOException {
        try (MilterTestClient client = new MilterTestClient(server.localAddress())) {
            client.negotiate(6, MilterTestClient.POSTFIX_ACTIONS, MilterTestClient.POSTFIX_STEPS_V6);
            return client.sendMessage("mx.test", clientAddress, "4QID", message);
        }
    }

    /** The inserted Authentication-Results value, unfolded. */
    private static String results(List<MilterTestClient.Reply> replies) {
        return replies.stream().filter(r -> r.code() == 'i').map(r -> r.text().replace("\n\t", " ")).findFirst()
                .orElseThrow(() -> new AssertionError("no field inserted: " + replies));
    }

    /** A message with DKIM-Signature fields by {@code selectors} at example.com on top. */
    private static byte[] signed(String... selectors) throws Exception {
        byte[] message = bytes("From: Joe <joe@example.com>\r\nTo: bob@example.net\r\nSubject: bounds\r\n\r\n"
                + "Hello.\r\n");
        List<SignatureSpec> specs = new ArrayList<>();
        for (String selector : selectors) {
            specs.add(SignatureSpec.builder("example.com", selector, key).build());
        }
        SigningSession session = new DkimSigner(Clock.systemUTC()).newSession(specs);
        int bodyStart = new String(message, StandardCharsets.ISO_8859_1).indexOf("\r\n\r\n") + 4;
        HeaderBlock.parseFields(java.util.Arrays.copyOf(message, bodyStart)).forEach(session::header);
        session.body(message, bodyStart, message.length - bodyStart);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (HeaderField field : session.finish()) {
            out.writeBytes(field.raw());
            out.writeBytes(new byte[] {'\r', '\n'});
        }
        out.writeBytes(message);
        return out.toByteArray();
    }

    private void awaitHeld(long bytes) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (server.packetMemoryHeld() != bytes && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
    }

    /** The milter closed the connection without a reply. */
    private static void assertClosed(MilterTestClient client) {
        try {
            MilterTestClient.Reply reply = client.read();
            fail("expected the connection closed, got " + reply.code());
        } catch (EOFException | SocketException e) {
            // closed
        } catch (IOException e) {
            fail("expected the connection closed: " + e);
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }
}
