package org.postseal.milter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.postseal.dkim.DkimVerifier;
import org.postseal.message.HeaderField;
import org.postseal.dkim.KeyLookupException;
import org.postseal.dkim.SignatureSpec;
import org.postseal.dkim.SigningKey;
import org.postseal.dkim.VerificationResult;
import org.postseal.dkim.VerificationSession;
import org.postseal.keys.DkimKeyGenerator;
import org.postseal.keys.KeyRecordText;
import org.postseal.signing.OnError;
import org.postseal.signing.SignatureChoice;

/**
 * The milter server over real sockets, driven as Postfix drives it: negotiation at versions 2 to 6, whole messages
 * signed and verified, several messages per connection, and each of the ways jmilter 0.6.1 was found to fail
 * (docs/MILTER.md): 8-bit header bytes, unknown and IPv6 CONNECT families, the null sender, an exception in the
 * policy, macros leaking between messages, oversized and malformed packets.
 */
class MilterServerTest {
    private static SigningKey key;
    private static MilterServer server;
    private static int port;
    private static final List<MessageContext> SEEN = new CopyOnWriteArrayList<>();
    private static volatile boolean failPolicy;

    @BeforeAll
    static void start() throws Exception {
        key = DkimKeyGenerator.rsa(2048);
        SigningPort selector = new SigningPort() {
            @Override
            public Optional<SignatureChoice.Skip> mayClientSign(MessageContext context) {
                SEEN.add(context);
                boolean internal = context.client().address().map(a -> a.isLoopbackAddress()).orElse(false);
                return internal || context.authenticatedAs().isPresent() ? Optional.empty()
                        : Optional.of(SignatureChoice.skip("client " + context.client().describe()
                                + " not internal"));
            }

            @Override
            public SignatureChoice select(MessageContext context) {
                SEEN.add(context);
                if (failPolicy) {
                    throw new IllegalStateException("policy exploded");
                }
                return context.from().orElse("").contains("@example.com")
                        ? SignatureChoice.sign(List.of(SignatureSpec.builder("example.com", "sel", key).build()))
                        : SignatureChoice.skip("no SigningTable entry");
            }
        };
        server = MilterServer.start(new InetSocketAddress("127.0.0.1", 0),
                MilterSessions.of(selector, OnError.ACCEPT), Optional.empty(), Optional.empty());
        port = ((InetSocketAddress) server.localAddress()).getPort();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @BeforeEach
    void reset() {
        SEEN.clear();
        failPolicy = false;
    }

    @ParameterizedTest(name = "milter_protocol = {0}")
    @ValueSource(ints = {2, 3, 4, 6})
    void signsAMessageAtEveryProtocolVersion(int version) throws Exception {
        try (MilterTestClient client = client()) {
            int[] answer = client.negotiate(version, MilterTestClient.POSTFIX_ACTIONS,
                    version == 6 ? MilterTestClient.POSTFIX_STEPS_V6 : MilterTestClient.POSTFIX_STEPS_V2);
            assertEquals(version, answer[0]);
            assertEquals(0x01, answer[1], "asks only to add header fields");
            boolean leadingSpace = (answer[2] & 0x100000) != 0;
            assertEquals(version == 6, leadingSpace);
            byte[] message = message("From: Joe <joe@example.com>", "To: suzie@example.net",
                    "Subject: folded\n\tover two lines", "", "Hello.\r\n");
            byte[] signed = transact(client, answer[2], "127.0.0.1", "<joe@example.com>", message);
            assertVerifies(signed);
        }
    }

    @Test
    void severalMessagesOnOneConnectionWithAbortAndQuitNc() throws Exception {
        try (MilterTestClient client = client()) {
            int[] answer = client.negotiate(6, MilterTestClient.POSTFIX_ACTIONS, MilterTestClient.POSTFIX_STEPS_V6);
            byte[] first = message("From: joe@example.com", "Subject: one", "", "first\r\n");
            assertVerifies(transact(client, answer[2], "127.0.0.1", "<joe@example.com>", first));
            // a second message abandoned half-way, then a third signed
            client.send('M', MilterTestClient.strings("<joe@example.com>"));
            assertEquals('c', client.read().code());
            client.send('L', MilterTestClient.header(bytes("From"), bytes(" joe@example.com")));
            client.send('A', new byte[0]);
            byte[] third = message("From: joe@example.com", "Subject: three", "", "third\r\n");
            assertVerifies(transact(client, answer[2], null, "<joe@example.com>", third));
            // QUIT_NC: a new SMTP session on the same milter connection
            client.send('K', new byte[0]);
            assertVerifies(transact(client, answer[2], "127.0.0.1", "<>", first));
        }
    }

    @Test
    void eightBitHeaderBytesThatAreNotUtf8AreSignedAsTheyAre() throws Exception {
        try (MilterTestClient client = client()) {
            int[] answer = client.negotiate(6, MilterTestClient.POSTFIX_ACTIONS, MilterTestClient.POSTFIX_STEPS_V6);
            byte[] latin1 = "Subject: caf\u00e9 cr\u00e8me".getBytes(StandardCharsets.ISO_8859_1);
            byte[] message = join(bytes("From: joe@example.com\r\n"), latin1, bytes("\r\n\r\nbody\r\n"));
            byte[] signed = transact(client, answer[2], "127.0.0.1", "<joe@example.com>", message);
            assertVerifies(signed);
        }
    }

    @Test
    void anUnknownFamilyConnectIsServedAndIpv6AddressesAreKept() throws Exception {
        try (MilterTestClient client = client()) {
            int[] answer = client.negotiate(6, MilterTestClient.POSTFIX_ACTIONS, MilterTestClient.POSTFIX_STEPS_V6);
            client.send('C', MilterTestClient.connectPayload("localhost", 'U', 0, null));
            assertEquals('c', client.read().code(), "CONNECT is answered");
            client.send('M', MilterTestClient.strings("<joe@example.com>"));
            assertEquals('a', client.read().code(), "unknown client, not authenticated: accepted unsigned");
            client.send('A', new byte[0]);
            client.send('C', MilterTestClient.connectPayload("localhost", '6', 4321, "::1"));
            assertEquals('c', client.read().code(), "CONNECT is answered");
            byte[] message = message("From: joe@example.com", "", "v6\r\n");
            assertVerifies(transact(client, answer[2], null, "<joe@example.com>", message));
            MessageContext context = SEEN.get(SEEN.size() - 1);
            assertEquals("0:0:0:0:0:0:0:1", context.client().address().orElseThrow().getHostAddress());
        }
    }

    @Test
    void theNullSenderArrivesEmptyAndAuthenticationDoesNotLeakIntoTheNextMessage() throws Exception {
        try (MilterTestClient client = client()) {
            int[] answer = client.negotiate(6, MilterTestClient.POSTFIX_ACTIONS, MilterTestClient.POSTFIX_STEPS_V6);
            client.send('C', MilterTestClient.connectPayload("[192.0.2.7]", '4', 1234, "192.0.2.7"));
            assertEquals('c', client.read().code(), "CONNECT is answered");
            client.macro('M', "i", "QUEUE1", "{auth_type}", "PLAIN", "{auth_authen}", "joe");
            client.send('M', MilterTestClient.strings("<>"));
            assertEquals('c', client.read().code(), "authenticated: may sign");
            assertEquals("", SEEN.get(SEEN.size() - 1).envelopeSender());
            assertEquals(Optional.of("joe"), SEEN.get(SEEN.size() - 1).authenticatedAs());
            client.send('A', new byte[0]);
            client.send('M', MilterTestClient.strings("<joe@example.com>"));
            assertEquals('a', client.read().code(), "the next message from the same client is not authenticated");
            assertEquals(Optional.empty(), SEEN.get(SEEN.size() - 1).authenticatedAs());
            assertEquals("NOQUEUE", SEEN.get(SEEN.size() - 1).queueId());
        }
    }

    @Test
    void anExceptionInThePolicyPassesTheMessageOnAndKeepsTheConnection() throws Exception {
        try (MilterTestClient client = client()) {
            int[] answer = client.negotiate(6, MilterTestClient.POSTFIX_ACTIONS, MilterTestClient.POSTFIX_STEPS_V6);
            failPolicy = true;
            client.send('C', MilterTestClient.connectPayload("localhost", '4', 1, "127.0.0.1"));
            assertEquals('c', client.read().code(), "CONNECT is answered");
            client.send('M', MilterTestClient.strings("<joe@example.com>"));
            assertEquals('c', client.read().code());
            client.send('L', MilterTestClient.header(bytes("From"), bytes(" joe@example.com")));
            client.send('N', new byte[0]);
            assertEquals('a', client.read().code(), "accepted unsigned");
            failPolicy = false;
            assertVerifies(transact(client, answer[2], null, "<joe@example.com>",
                    message("From: joe@example.com", "", "after\r\n")));
        }
    }

    @Test
    void mailNoRuleMatchesAndUntrustedClientsPassUnchanged() throws Exception {
        try (MilterTestClient client = client()) {
            client.negotiate(6, MilterTestClient.POSTFIX_ACTIONS, MilterTestClient.POSTFIX_STEPS_V6);
            client.send('C', MilterTestClient.connectPayload("localhost", '4', 1, "127.0.0.1"));
            assertEquals('c', client.read().code(), "CONNECT is answered");
            client.send('M', MilterTestClient.strings("<joe@example.org>"));
            assertEquals('c', client.read().code());
            client.send('L', MilterTestClient.header(bytes("From"), bytes(" joe@example.org")));
            client.send('N', new byte[0]);
            assertEquals('a', client.read().code(), "no SigningTable entry: accepted, nothing inserted");
            client.send('C', MilterTestClient.connectPayload("[192.0.2.9]", '4', 1, "192.0.2.9"));
            assertEquals('c', client.read().code(), "CONNECT is answered");
            client.send('M', MilterTestClient.strings("<joe@example.com>"));
            assertEquals('a', client.read().code(), "untrusted client: accepted, never signed");
        }
    }

    @Test
    void garbageAHugeLengthAndAHalfCloseCloseOnlyThatConnection() throws Exception {
        try (MilterTestClient garbage = client()) {
            garbage.socket().getOutputStream().write(new byte[] {0, 0, 0, 5, 'Z', 1, 2, 3, 4});
            assertClosed(garbage);
        }
        try (MilterTestClient huge = client()) {
            // a 2 GB length prefix: refused before any of it is buffered
            huge.socket().getOutputStream().write(new byte[] {(byte) 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff,
                    'O'});
            assertClosed(huge);
        }
        try (MilterTestClient half = client()) {
            half.send('O', MilterTestClient.ints(6, MilterTestClient.POSTFIX_ACTIONS));
            half.socket().shutdownOutput();
            assertClosed(half);
        }
        try (MilterTestClient client = client()) {
            int[] answer = client.negotiate(6, MilterTestClient.POSTFIX_ACTIONS, MilterTestClient.POSTFIX_STEPS_V6);
            assertVerifies(transact(client, answer[2], "127.0.0.1", "<joe@example.com>",
                    message("From: joe@example.com", "", "still serving\r\n")));
        }
    }

    /** QUIT closes the connection with nothing written after it (it used to send a zero-length packet). */
    @Test
    void quitClosesTheConnectionWritingNothingMore() throws Exception {
        try (MilterTestClient client = client()) {
            client.negotiate(6, MilterTestClient.POSTFIX_ACTIONS, MilterTestClient.POSTFIX_STEPS_V6);
            client.send('Q', new byte[0]);
            assertEquals(-1, client.socket().getInputStream().read());
        }
    }

    @Test
    void aMessageWithoutFromIsPassedOnUnsigned() throws Exception {
        try (MilterTestClient client = client()) {
            client.negotiate(6, MilterTestClient.POSTFIX_ACTIONS, MilterTestClient.POSTFIX_STEPS_V6);
            client.send('C', MilterTestClient.connectPayload("localhost", '4', 1, "127.0.0.1"));
            assertEquals('c', client.read().code(), "CONNECT is answered");
            client.send('M', MilterTestClient.strings("<joe@example.com>"));
            assertEquals('c', client.read().code());
            client.send('L', MilterTestClient.header(bytes("Subject"), bytes(" no from")));
            client.send('N', new byte[0]);
            assertEquals('a', client.read().code());
        }
    }

    // --- helpers -------------------------------------------------------------------------------------------

    private static MilterTestClient client() throws IOException {
        return new MilterTestClient(MilterTestClient.loopback(port));
    }

    private static void assertClosed(MilterTestClient client) {
        assertThrows(IOException.class, () -> {
            client.read();
            client.read();
        });
    }

    /** A message in wire form from header lines (folds as LF TAB, as Postfix hands them over) and a body. */
    private static byte[] message(String... lines) {
        StringBuilder text = new StringBuilder();
        int i = 0;
        for (; i < lines.length && !lines[i].isEmpty(); i++) {
            text.append(lines[i].replace("\n", "\r\n")).append("\r\n");
        }
        text.append("\r\n");
        for (i++; i < lines.length; i++) {
            text.append(lines[i]);
        }
        return text.toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Sends one message as Postfix would (CONNECT if an address is given, MAIL, each header, EOH, body in 65535-byte
     * chunks, EOB), and returns the message as Postfix would deliver it: the inserted fields on top.
     */
    private static byte[] transact(MilterTestClient client, int steps, String connectAddress, String sender,
            byte[] message) throws IOException {
        boolean leadingSpace = (steps & 0x100000) != 0;
        if (connectAddress != null) {
            client.send('C', MilterTestClient.connectPayload("localhost", '4', 12345, connectAddress));
            if ((steps & 0x1000) == 0) {
                assertEquals('c', client.read().code());
            }
        }
        client.macro('M', "i", "4ABC123", "{mail_addr}", sender.replaceAll("[<>]", ""));
        client.send('M', MilterTestClient.strings(sender));
        assertEquals('c', client.read().code());
        int bodyStart = indexOfBody(message);
        for (byte[] field : splitFields(message, bodyStart)) {
            int colon = indexOf(field, (byte) ':');
            byte[] name = java.util.Arrays.copyOfRange(field, 0, colon);
            byte[] value = java.util.Arrays.copyOfRange(field, colon + 1, field.length);
            String v = new String(value, StandardCharsets.ISO_8859_1).replace("\r\n", "\n");
            if (!leadingSpace && v.startsWith(" ")) {
                v = v.substring(1);
            }
            client.send('L', MilterTestClient.header(name, v.getBytes(StandardCharsets.ISO_8859_1)));
            if ((steps & 0x80) == 0) {
                assertEquals('c', client.read().code());
            }
        }
        client.send('N', new byte[0]);
        assertEquals('c', client.read().code());
        for (int at = bodyStart; at < message.length; at += 65535) {
            client.send('B', java.util.Arrays.copyOfRange(message, at, Math.min(message.length, at + 65535)));
            if ((steps & 0x80000) == 0) {
                assertEquals('c', client.read().code());
            }
        }
        client.send('E', new byte[0]);
        List<MilterTestClient.Reply> replies = client.readUntilFinal();
        assertEquals('c', replies.get(replies.size() - 1).code());
        ByteArrayOutputStream delivered = new ByteArrayOutputStream();
        List<MilterTestClient.Reply> inserts = new ArrayList<>(replies.subList(0, replies.size() - 1));
        java.util.Collections.reverse(inserts); // each went to index 0: the last one sent is topmost
        for (MilterTestClient.Reply insert : inserts) {
            assertEquals('i', insert.code());
            byte[] p = insert.payload();
            assertEquals(0, (p[0] | p[1] | p[2] | p[3]), "inserted at index 0");
            MilterPayload fields = new MilterPayload(java.util.Arrays.copyOfRange(p, 4, p.length));
            String name = fields.text();
            String value = fields.text();
            assertTrue(!value.contains("\r"), "folds are LF TAB for Postfix");
            delivered.writeBytes(bytes(name + ":" + (leadingSpace ? "" : " ") + value.replace("\n", "\r\n")
                    + "\r\n"));
        }
        delivered.writeBytes(message);
        return delivered.toByteArray();
    }

    private static void assertVerifies(byte[] signed) throws Exception {
        String record = KeyRecordText.of(key).value();
        DkimVerifier verifier = new DkimVerifier((s, d) -> {
            if (!s.equals("sel") || !d.equals("example.com")) {
                throw KeyLookupException.notFound(s + "." + d);
            }
            return List.of(record);
        }, Clock.systemUTC());
        VerificationSession session = verifier.newSession();
        int bodyStart = indexOfBody(signed);
        for (byte[] field : splitFields(signed, bodyStart)) {
            session.header(HeaderField.of(field));
        }
        session.body(signed, bodyStart, signed.length - bodyStart);
        List<VerificationResult> results = session.finish();
        assertEquals(1, results.size(), new String(signed, StandardCharsets.ISO_8859_1));
        assertTrue(results.get(0).passed(), results.get(0).describe() + "\n"
                + new String(signed, StandardCharsets.ISO_8859_1));
    }

    private static int indexOfBody(byte[] m) {
        for (int i = 0; i + 3 < m.length; i++) {
            if (m[i] == '\r' && m[i + 1] == '\n' && m[i + 2] == '\r' && m[i + 3] == '\n') {
                return i + 4;
            }
        }
        return m.length;
    }

    private static List<byte[]> splitFields(byte[] m, int bodyStart) {
        List<byte[]> fields = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < bodyStart - 4; i++) {
            if (m[i] == '\r' && m[i + 1] == '\n' && m[i + 2] != ' ' && m[i + 2] != '\t') {
                fields.add(java.util.Arrays.copyOfRange(m, start, i));
                start = i + 2;
            }
        }
        fields.add(java.util.Arrays.copyOfRange(m, start, bodyStart - 4));
        return fields;
    }

    private static int indexOf(byte[] b, byte x) {
        for (int i = 0; i < b.length; i++) {
            if (b[i] == x) {
                return i;
            }
        }
        return -1;
    }

    private static byte[] join(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }
}
