package org.postseal.milter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postseal.dkim.SignatureSpec;
import org.postseal.dkim.SigningKey;
import org.postseal.dkim.VerificationLimits;
import org.postseal.keys.DkimKeyGenerator;
import org.postseal.policy.VerificationActions;
import org.postseal.signing.OnError;
import org.postseal.signing.SignatureChoice;

/**
 * What a reload changes for sessions already open (the server's {@link MilterSessions#handling()} replaced while
 * connections are up): a message under way finishes with the handling it started with, the next message on the same
 * connection gets the new one, and whether to verify, which is negotiated, changes only on new connections.
 */
class MessageHandlingSwitchTest {
    private static SigningKey key;
    private final AtomicReference<MessageHandling> current = new AtomicReference<>();
    private MilterServer server;

    @BeforeAll
    static void makeKey() throws Exception {
        key = DkimKeyGenerator.rsa(2048);
    }

    @BeforeEach
    void start() throws Exception {
        current.set(MessageHandling.signingOnly(signingWith("one"), OnError.ACCEPT));
        server = MilterServer.start(new InetSocketAddress("127.0.0.1", 0),
                new MilterSessions(current::get, MilterLimits.DEFAULTS, 1, Clock.systemUTC()), Optional.empty(),
                Optional.empty());
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void aMessageUnderWayKeepsItsHandlingAndTheNextOneOnTheSameConnectionGetsTheNewOne() throws Exception {
        try (MilterTestClient client = new MilterTestClient(server.localAddress())) {
            client.negotiate(6, MilterTestClient.POSTFIX_ACTIONS, MilterTestClient.POSTFIX_STEPS_V6);
            client.send('C', MilterTestClient.connectPayload("localhost", '4', 12345, "127.0.0.1"));
            assertEquals('c', client.read().code());
            client.send('M', MilterTestClient.strings("<joe@example.com>"));
            assertEquals('c', client.read().code());

            // the reload, after MAIL and before the header decides the keys
            current.set(MessageHandling.signingOnly(signingWith("two"), OnError.ACCEPT));

            client.send('L', MilterTestClient.header(bytes("From"), bytes(" joe@example.com")));
            client.send('N', new byte[0]);
            assertEquals('c', client.read().code());
            client.send('B', bytes("first\r\n"));
            client.send('E', new byte[0]);
            assertEquals("one", selector(client.readUntilFinal()), "the message under way keeps its keys");

            client.send('M', MilterTestClient.strings("<joe@example.com>"));
            assertEquals('c', client.read().code());
            client.send('L', MilterTestClient.header(bytes("From"), bytes(" joe@example.com")));
            client.send('N', new byte[0]);
            assertEquals('c', client.read().code());
            client.send('B', bytes("second\r\n"));
            client.send('E', new byte[0]);
            assertEquals("two", selector(client.readUntilFinal()), "the next message gets the new keys");
        }
    }

    @Test
    void verifyingIsNegotiatedSoItChangesOnNewConnectionsOnly() throws Exception {
        VerificationSettings verification = new VerificationSettings((selector, domain) ->
                CompletableFuture.completedFuture(List.of()), Optional.of("mx.example.org"), "localhost",
                VerificationActions.DEFAULTS, new VerificationLimits(3, 8192));
        try (MilterTestClient before = new MilterTestClient(server.localAddress())) {
            assertEquals(0x01, before.negotiate(6, MilterTestClient.POSTFIX_ACTIONS,
                    MilterTestClient.POSTFIX_STEPS_V6)[1], "Mode s: asks only to add header fields");

            current.set(MessageHandling.signingOnly(signingWith("one"), OnError.ACCEPT).withVerification(verification));

            List<MilterTestClient.Reply> old = before.sendMessage("mx.example.org", "192.0.2.1", "Q1",
                    bytes("From: someone@example.net\r\n\r\nHi.\r\n"));
            assertEquals(List.of('a'), codes(old), "not verified on a connection that did not negotiate it");
            try (MilterTestClient after = new MilterTestClient(server.localAddress())) {
                assertEquals(0x01 | 0x10 | 0x20, after.negotiate(6, MilterTestClient.POSTFIX_ACTIONS,
                        MilterTestClient.POSTFIX_STEPS_V6)[1], "a new connection asks for what verifying needs");
                List<MilterTestClient.Reply> replies = after.sendMessage("mx.example.org", "192.0.2.1", "Q2",
                        bytes("From: someone@example.net\r\n\r\nHi.\r\n"));
                assertEquals(List.of('i', 'c'), codes(replies));
                assertTrue(replies.get(0).text().contains("Authentication-Results\0 mx.example.org; dkim=none"),
                        replies.get(0).text());
            }
        }
    }

    /** Signs mail from loopback clients for example.com with {@code selector}. */
    private static SigningPort signingWith(String selector) {
        return new SigningPort() {
            @Override
            public Optional<SignatureChoice.Skip> mayClientSign(MessageContext context) {
                boolean internal = context.client().address().map(a -> a.isLoopbackAddress()).orElse(false);
                return internal ? Optional.empty() : Optional.of(SignatureChoice.skip("not internal"));
            }

            @Override
            public SignatureChoice select(MessageContext context) {
                return SignatureChoice.sign(List.of(SignatureSpec.builder("example.com", selector, key).build()));
            }
        };
    }

    /** The s= of the one DKIM-Signature inserted. */
    private static String selector(List<MilterTestClient.Reply> replies) {
        assertEquals(List.of('i', 'c'), codes(replies));
        String text = replies.get(0).text();
        assertTrue(text.contains("DKIM-Signature"), text);
        int at = text.indexOf(" s=");
        return text.substring(at + 3, text.indexOf(';', at));
    }

    private static List<Character> codes(List<MilterTestClient.Reply> replies) {
        return replies.stream().map(MilterTestClient.Reply::code).toList();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }
}
