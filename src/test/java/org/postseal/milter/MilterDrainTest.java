package org.postseal.milter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.postseal.dkim.DkimVerifier;
import org.postseal.dkim.KeyLookupException;
import org.postseal.dkim.SignatureSpec;
import org.postseal.dkim.SigningKey;
import org.postseal.dkim.VerificationResult;
import org.postseal.dkim.VerificationSession;
import org.postseal.keys.DkimKeyGenerator;
import org.postseal.keys.KeyRecordText;
import org.postseal.message.HeaderField;
import org.postseal.signing.OnError;
import org.postseal.signing.SignatureChoice;

/**
 * What SIGTERM does to the milter's connections ({@link MilterServer#drain}): a connection inside a message gets
 * that message's end-of-message reply, signature included, then is closed; one between messages is closed at once;
 * one still inside a message when the timeout passes is cut; new connections are refused from the start; and the
 * counts given for the log line are those of what happened.
 */
@Timeout(60)
class MilterDrainTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(3);
    private static final byte[] HEADER = ("From: Joe <joe@example.com>\r\nTo: suzie@example.net\r\n"
            + "Subject: draining\r\n").getBytes(StandardCharsets.US_ASCII);
    private static final byte[] BODY_START = "The first half of the body,\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] BODY_END = "and the second, sent once the drain began.\r\n"
            .getBytes(StandardCharsets.US_ASCII);

    private SigningKey key;
    private MilterServer server;
    private int port;

    @BeforeEach
    void start() throws Exception {
        key = DkimKeyGenerator.rsa(2048);
        SigningPort signing = new SigningPort() {
            @Override
            public Optional<SignatureChoice.Skip> mayClientSign(MessageContext context) {
                return Optional.empty();
            }

            @Override
            public SignatureChoice select(MessageContext context) {
                return SignatureChoice.sign(List.of(SignatureSpec.builder("example.com", "sel", key).build()));
            }
        };
        server = MilterServer.start(new InetSocketAddress("127.0.0.1", 0), MilterSessions.of(signing, OnError.ACCEPT),
                Optional.empty(), Optional.empty());
        port = ((InetSocketAddress) server.localAddress()).getPort();
    }

    @AfterEach
    void stop() {
        server.close(); // nothing if drained
    }

    @Test
    void theMessageUnderWayIsSignedIdleAndAbortedSessionsCloseTheStalledOneIsCutAndNoneIsAccepted()
            throws Exception {
        MilterTestClient midMessage = negotiated();
        MilterTestClient idle = negotiated();
        MilterTestClient aborting = negotiated();
        MilterTestClient stalled = negotiated();
        MilterTestClient unnegotiated = new MilterTestClient(MilterTestClient.loopback(port));
        for (MilterTestClient client : List.of(midMessage, aborting, stalled)) {
            beginMessage(client);
        }
        idle.send('C', MilterTestClient.connectPayload("localhost", '4', 1, "127.0.0.1"));
        assertEquals('c', idle.read().code(), "connected, between messages");
        awaitServed(5);

        long started = System.nanoTime();
        CompletableFuture<DrainReport> drain = CompletableFuture.supplyAsync(() -> {
            try {
                return server.drain(TIMEOUT);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });

        assertClosed(idle);
        assertClosed(unnegotiated);
        assertTrue(System.nanoTime() - started < TIMEOUT.toNanos() / 2, "closed at once, not at the timeout");
        assertThrows(ConnectException.class, () -> new Socket("127.0.0.1", port).close(),
                "the listening socket is closed as soon as the drain starts");

        // the message under way is finished and signed, then its connection is closed
        midMessage.send('B', BODY_END);
        midMessage.send('E', new byte[0]);
        List<MilterTestClient.Reply> replies = midMessage.readUntilFinal();
        assertEquals('c', replies.get(replies.size() - 1).code());
        assertVerifies(delivered(replies));
        assertClosed(midMessage);

        // ABORT ends a message too
        aborting.send('A', new byte[0]);
        assertClosed(aborting);
        assertTrue(System.nanoTime() - started < TIMEOUT.toNanos(), "finished messages close before the timeout");
        assertTrue(stalled.socket().isConnected() && !drain.isDone(), "the stalled session is still given time");

        DrainReport report = drain.get(TIMEOUT.toSeconds() + 10, TimeUnit.SECONDS);
        assertTrue(System.nanoTime() - started >= TIMEOUT.toNanos(), "the stalled session had the whole timeout");
        assertClosed(stalled);
        assertEquals(new DrainReport(4, 1, TIMEOUT), report);
        assertEquals("4 session(s) drained, 1 cut off after 3s", report.describe());
        server.awaitClose(); // returns: the server has stopped
        for (MilterTestClient client : List.of(midMessage, idle, aborting, stalled, unnegotiated)) {
            client.close();
        }
    }

    @Test
    void aServerWithNoConnectionsStopsAtOnce() throws Exception {
        long started = System.nanoTime();
        assertEquals("0 session(s) drained, 0 cut off after 3s", server.drain(TIMEOUT).describe());
        assertTrue(System.nanoTime() - started < TIMEOUT.toNanos(), "no waiting for the timeout");
        assertThrows(IllegalStateException.class, () -> server.drain(TIMEOUT), "a server stops once");
    }

    // --- helpers -------------------------------------------------------------------------------------------

    private MilterTestClient negotiated() throws IOException {
        MilterTestClient client = new MilterTestClient(MilterTestClient.loopback(port));
        client.negotiate(6, MilterTestClient.POSTFIX_ACTIONS, MilterTestClient.POSTFIX_STEPS_V6);
        return client;
    }

    /** CONNECT, MAIL, the header, EOH and the first body chunk, as Postfix sends them at version 6. */
    private static void beginMessage(MilterTestClient client) throws IOException {
        client.send('C', MilterTestClient.connectPayload("localhost", '4', 1, "127.0.0.1"));
        assertEquals('c', client.read().code());
        client.macro('M', "i", "4DRAIN");
        client.send('M', MilterTestClient.strings("<joe@example.com>"));
        assertEquals('c', client.read().code());
        for (String field : new String(HEADER, StandardCharsets.US_ASCII).split("\r\n")) {
            int colon = field.indexOf(':');
            client.send('L', MilterTestClient.header(bytes(field.substring(0, colon)),
                    bytes(field.substring(colon + 1))));
        }
        client.send('N', new byte[0]);
        assertEquals('c', client.read().code());
        client.send('B', BODY_START);
    }

    /** Waits until the server has set up every connection, so that the drain finds them all. */
    private void awaitServed(int count) throws InterruptedException {
        for (int i = 0; i < 100 && server.openConnections() < count; i++) {
            Thread.sleep(20);
        }
        assertEquals(count, server.openConnections());
    }

    /** The milter closed the connection, and wrote nothing more before closing it. */
    private static void assertClosed(MilterTestClient client) throws IOException {
        try {
            assertEquals(-1, client.socket().getInputStream().read(), "closed, nothing more written");
        } catch (SocketException e) {
            assertTrue(e.getMessage().contains("reset"), e.toString()); // closed with our bytes unread
        }
    }

    /** The message as Postfix would deliver it: the inserted fields on top (each went to index 0). */
    private static byte[] delivered(List<MilterTestClient.Reply> replies) {
        List<MilterTestClient.Reply> inserts = new ArrayList<>(replies.subList(0, replies.size() - 1));
        assertEquals(1, inserts.size(), "one signature inserted");
        ByteArrayOutputStream message = new ByteArrayOutputStream();
        for (MilterTestClient.Reply insert : inserts) {
            assertEquals('i', insert.code());
            byte[] p = insert.payload();
            MilterPayload fields = new MilterPayload(java.util.Arrays.copyOfRange(p, 4, p.length));
            String name = fields.text();
            String value = fields.text();
            message.writeBytes(bytes(name + ":" + value.replace("\n", "\r\n") + "\r\n"));
        }
        message.writeBytes(HEADER);
        message.writeBytes(bytes("\r\n"));
        message.writeBytes(BODY_START);
        message.writeBytes(BODY_END);
        return message.toByteArray();
    }

    private void assertVerifies(byte[] signed) throws Exception {
        String record = KeyRecordText.of(key).value();
        DkimVerifier verifier = new DkimVerifier((s, d) -> {
            if (!s.equals("sel") || !d.equals("example.com")) {
                throw KeyLookupException.notFound(s + "." + d);
            }
            return List.of(record);
        }, Clock.systemUTC());
        VerificationSession session = verifier.newSession();
        String text = new String(signed, StandardCharsets.ISO_8859_1);
        int bodyStart = text.indexOf("\r\n\r\n") + 4;
        for (String field : text.substring(0, bodyStart - 4).split("\r\n(?![ \t])")) {
            session.header(HeaderField.of(bytes(field)));
        }
        session.body(signed, bodyStart, signed.length - bodyStart);
        List<VerificationResult> results = session.finish();
        assertEquals(1, results.size(), text);
        assertTrue(results.get(0).passed(), results.get(0).describe() + "\n" + text);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }
}
