package org.postseal.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postseal.dkim.SignatureSpec;
import org.postseal.dkim.SigningKey;
import org.postseal.keys.DkimKeyGenerator;
import org.postseal.milter.MessageContext;
import org.postseal.milter.MilterServer;
import org.postseal.milter.MilterSessions;
import org.postseal.milter.SigningPort;
import org.postseal.signing.OnError;
import org.postseal.signing.SignatureChoice;

/**
 * The benchmark's pieces: the VSTREAM write model, the load message, and the Postfix-side client against postseal's
 * milter server over a real socket.
 */
class PostfixMilterClientTest {
    private static MilterServer server;
    private static InetSocketAddress address;

    @BeforeAll
    static void start() throws Exception {
        SigningKey key = DkimKeyGenerator.rsa(2048);
        SignatureSpec spec = SignatureSpec.builder("example.com", "sel", key).build();
        SigningPort selector = new SigningPort() {
            @Override
            public Optional<SignatureChoice.Skip> mayClientSign(MessageContext context) {
                return Optional.empty();
            }

            @Override
            public SignatureChoice select(MessageContext context) {
                return SignatureChoice.sign(List.of(spec));
            }
        };
        server = MilterServer.start(new InetSocketAddress("127.0.0.1", 0),
                MilterSessions.of(selector, OnError.ACCEPT), Optional.empty(), Optional.empty());
        address = (InetSocketAddress) server.localAddress();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void vstreamWritesOnlyWhenFlushedOrFull() throws IOException {
        List<byte[]> writes = new ArrayList<>();
        java.io.OutputStream socket = new java.io.OutputStream() {
            @Override
            public void write(int b) {
                writes.add(new byte[] {(byte) b});
            }

            @Override
            public void write(byte[] b, int off, int len) {
                writes.add(java.util.Arrays.copyOfRange(b, off, off + len));
            }
        };
        VStreamOutput out = new VStreamOutput(socket, 4096);
        out.write(bytes("macro"));
        out.write(bytes("command"));
        assertEquals(0, writes.size(), "nothing leaves before a read");
        out.flush();
        assertEquals(1, writes.size());
        assertArrayEquals(bytes("macrocommand"), writes.get(0));
        out.flush();
        assertEquals(1, writes.size(), "an empty buffer writes nothing");
        out.write(new byte[5000]);
        assertEquals(2, writes.size(), "a full buffer is written whole");
        assertEquals(4096, writes.get(1).length);
        out.flush();
        assertEquals(5000 - 4096, writes.get(2).length);
        assertEquals(3, out.writes());
    }

    @Test
    void theLoadMessageHasTheSizeAskedForAndAFoldedField() {
        for (int size : new int[] {2048, 102400}) {
            LoadMessage message = LoadMessage.of(size, 7);
            assertTrue(Math.abs(message.wireLength() - size) < 100, size + " -> " + message.wireLength());
            String body = new String(message.body(), StandardCharsets.US_ASCII);
            assertTrue(body.endsWith("\r\n"));
            assertTrue(body.replace("\r\n", "").indexOf('\n') < 0, "CRLF line ends only");
        }
        LoadMessage.Field to = LoadMessage.header(1).get(1);
        assertEquals("To", new String(to.name(), StandardCharsets.US_ASCII));
        assertTrue(new String(to.value(), StandardCharsets.US_ASCII).contains("\n\t"), "folded as Postfix sends it");
        assertNotEquals(LoadMessage.header(1).get(4), LoadMessage.header(2).get(4));
    }

    @Test
    void aSessionOfSeveralMessagesIsSignedInFourWritesPerMessage() throws IOException {
        LoadMessage template = LoadMessage.of(2048, 0);
        try (PostfixMilterClient client = new PostfixMilterClient(address, 130964,
                PostfixMilterClient.Writes.VSTREAM, 10_000)) {
            assertEquals(6, client.version());
            assertTrue((client.events() & PostfixMilterClient.HDR_LEADSPC) != 0);
            client.macro("j", "mta.postseal.test");
            assertEquals(null, client.connect("localhost", "127.0.0.1", 40000));
            assertEquals(null, client.helo("client.postseal.test"));
            for (int i = 1; i <= 3; i++) {
                client.macro("i", "QUEUE" + i);
                long before = client.writes();
                PostfixMilterClient.Outcome outcome = client.transaction(LoadMessage.SENDER, LoadMessage.RECIPIENT,
                        LoadMessage.next(template, i), true);
                assertTrue(outcome.ok(), outcome.toString());
                assertEquals(1, outcome.inserts().size());
                assertTrue(text(outcome.inserts().get(0)).contains("DKIM-Signature"));
                // MAIL (with the previous ABORT); RCPT and DATA macros; the header and EOH; the body and EOB
                assertEquals(4, client.writes() - before, "writes for message " + i);
            }
        }
    }

    @Test
    void writingEachPacketAloneStillSigns() throws IOException {
        try (PostfixMilterClient client = new PostfixMilterClient(address, 130964,
                PostfixMilterClient.Writes.PER_PACKET, 10_000)) {
            assertEquals(null, client.connect("localhost", "127.0.0.1", 40001));
            PostfixMilterClient.Outcome outcome = client.transaction(LoadMessage.SENDER, LoadMessage.RECIPIENT,
                    LoadMessage.of(102400, 1), false);
            assertTrue(outcome.ok(), outcome.toString());
        }
    }

    @Test
    void theDoNothingMilterAcceptsEveryMessageAndAddsNothing() throws IOException {
        try (NullMilter milter = NullMilter.listen(new InetSocketAddress("127.0.0.1", 0))) {
            for (boolean expectNothing : new boolean[] {true, false}) {
                try (PostfixMilterClient client = new PostfixMilterClient(milter.address(), 130964,
                        PostfixMilterClient.Writes.VSTREAM, 10_000)) {
                    // it negotiates what postseal negotiates when signing
                    assertEquals(0x18018a, client.events());
                    assertEquals(1, client.actions());
                    if (expectNothing) {
                        client.expectNothing();
                    }
                    assertEquals(null, client.connect("localhost", "127.0.0.1", 40002));
                    for (int i = 1; i <= 3; i++) {
                        PostfixMilterClient.Outcome outcome = client.transaction(LoadMessage.SENDER,
                                LoadMessage.RECIPIENT, LoadMessage.of(102400, i), true);
                        assertEquals('c', outcome.finalReply());
                        assertEquals(0, outcome.inserts().size());
                        // counted as done only where nothing is expected: it never signs
                        assertEquals(expectNothing, outcome.ok(), outcome.toString());
                    }
                }
            }
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static String text(byte[] b) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(b, 0, b.length);
        return out.toString(StandardCharsets.ISO_8859_1);
    }
}
