package org.postseal.milter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postseal.dkim.SigningKey;
import org.postseal.keys.DkimKeyGenerator;
import org.postseal.policy.HostList;
import org.postseal.policy.KeyTable;
import org.postseal.policy.SigningPolicy;
import org.postseal.policy.SigningTable;
import org.postseal.signing.OnError;
import org.postseal.signing.SignatureChoice;
import org.postseal.signing.SignatureSelector;
import org.postseal.signing.SignatureTemplate;
import org.postseal.signing.SigningKeys;

/**
 * The milter as an attacker with access to its socket sees it, over a real TCP listener and OpenDKIM's real signing
 * rules (InternalHosts 127.0.0.1 and ::1, a SigningTable for example.com): slow and partial packets, connection
 * floods, silent connections, macros that outlive their message, and client identities that cannot be read. Each
 * test reproduces one attack of issue 8 and checks what a user would: the attacker is cut off, memory is bounded,
 * nothing is signed on a false identity, and normal mail is still signed.
 */
class MilterHostileClientTest {
    private static final List<MessageContext> SEEN = new CopyOnWriteArrayList<>();
    private static SigningKey key;
    private MilterServer server;

    @BeforeAll
    static void makeKey() throws Exception {
        key = DkimKeyGenerator.rsa(2048);
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        SEEN.clear();
    }

    private void start(MilterLimits limits) throws IOException {
        SigningPolicy policy = SigningPolicy.builder().internalHosts(HostList.of(List.of("127.0.0.1", "::1")))
                .tables(KeyTable.of(List.of(new KeyTable.Entry("k", "example.com", "sel", "/keys/k"))),
                        SigningTable.ofPatterns(List.of(new SigningTable.Entry("*@example.com", "k",
                                Optional.empty()))))
                .build();
        SigningPort rules = SigningPort.of(SignatureSelector.byPolicy(policy, SigningKeys.of(path -> key),
                SignatureTemplate.DEFAULT));
        SigningPort recording = new SigningPort() {
            @Override
            public Optional<SignatureChoice.Skip> mayClientSign(MessageContext context) {
                SEEN.add(context);
                return rules.mayClientSign(context);
            }

            @Override
            public SignatureChoice select(MessageContext context) {
                SEEN.add(context);
                return rules.select(context);
            }
        };
        server = MilterServer.start(new InetSocketAddress("127.0.0.1", 0),
                new MilterSessions(recording, OnError.ACCEPT, limits, 2, Clock.systemUTC()),
                Optional.empty(), Optional.empty());
    }

    private MilterTestClient connect() throws IOException {
        return new MilterTestClient(server.localAddress());
    }

    // --- 1. slow connections, partial packets, floods ------------------------------------------------------

    @Test
    void partialPacketsAreChargedAsTheyArriveBoundedAcrossConnectionsAndCutAtTheCommandTimeout() throws Exception {
        start(MilterLimits.DEFAULTS.withBufferMemory(4 << 20)
                .withTimeouts(Duration.ofSeconds(3), Duration.ofSeconds(600)));
        List<MilterTestClient> attackers = new ArrayList<>();
        try {
            // 40 connections each announce a 1,000,000-byte body chunk and send 200 KB of it: 8 MB asked, 4 MiB allowed
            for (int i = 0; i < 40; i++) {
                MilterTestClient attacker = connect();
                attackers.add(attacker);
                try {
                    OutputStream out = attacker.socket().getOutputStream();
                    out.write(new byte[] {0, 15, 66, 64, 'B'});
                    out.write(new byte[200_000]);
                    out.flush();
                } catch (IOException e) {
                    // already cut off: counted below
                }
            }
            Thread.sleep(500); // let the milter read what was sent
            assertTrue(server.packetMemoryHeld() <= 4 << 20, "held: " + server.packetMemoryHeld());
            assertTrue(server.packetMemoryHeld() >= 3 << 20, "held only what arrived: " + server.packetMemoryHeld());
            // while the attack goes on, a normal message is signed at once
            long started = System.nanoTime();
            try (MilterTestClient normal = connect()) {
                assertTrue(signs(normal, "127.0.0.1", "joe@example.com"), "a normal message is signed");
            }
            assertTrue(System.nanoTime() - started < 5_000_000_000L, "signed promptly during the attack");
            int cut = 0;
            for (MilterTestClient attacker : attackers) {
                if (closedWithoutReply(attacker)) {
                    cut++;
                }
            }
            assertEquals(40, cut, "every attacker is cut off: over the budget at once, the rest at the timeout");
            awaitHeldAtMost(0);
            assertEquals(0, server.packetMemoryHeld(), "their memory is given back");
        } finally {
            for (MilterTestClient attacker : attackers) {
                attacker.close();
            }
        }
    }

    @Test
    void aPacketAnnouncingMoreThanItSendsHoldsOnlyWhatArrived() throws Exception {
        start(MilterLimits.DEFAULTS);
        try (MilterTestClient client = connect()) {
            client.socket().getOutputStream().write(new byte[] {0, 15, 66, 64, 'B', 1, 2, 3});
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (server.packetMemoryHeld() != 8 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(8, server.packetMemoryHeld(), "the 8 bytes that came, not the 1,000,000 announced");
        }
    }

    @Test
    void connectionsBeyondTheLimitAreClosedAndTheLimitFreesAsConnectionsEnd() throws Exception {
        start(MilterLimits.DEFAULTS.withMaxConnections(5));
        List<MilterTestClient> held = new ArrayList<>();
        try {
            for (int i = 0; i < 5; i++) {
                held.add(connect());
                held.get(i).negotiate(6, MilterTestClient.POSTFIX_ACTIONS, MilterTestClient.POSTFIX_STEPS_V6);
            }
            try (MilterTestClient sixth = connect()) {
                assertTrue(closedWithoutReply(sixth), "the sixth connection is closed");
            }
            held.remove(0).close();
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (server.openConnections() > 4 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            try (MilterTestClient again = connect()) {
                assertTrue(signs(again, "127.0.0.1", "joe@example.com"), "served again once one has ended");
            }
        } finally {
            for (MilterTestClient c : held) {
                c.close();
            }
        }
    }

    @Test
    void aSilentConnectionIsClosedAtTheIdleTimeout() throws Exception {
        start(MilterLimits.DEFAULTS.withTimeouts(Duration.ofSeconds(30), Duration.ofSeconds(2)));
        try (MilterTestClient silent = connect()) {
            silent.negotiate(6, MilterTestClient.POSTFIX_ACTIONS, MilterTestClient.POSTFIX_STEPS_V6);
            long started = System.nanoTime();
            assertTrue(closedWithoutReply(silent), "closed by the milter");
            assertTrue(System.nanoTime() - started >= 1_500_000_000L, "not before the idle timeout");
        }
    }

    // --- 4. message-stage macros end with their message ----------------------------------------------------

    @Test
    void authenticationAndQueueIdDoNotOutliveTheirMessageWithoutAbort() throws Exception {
        start(MilterLimits.DEFAULTS);
        try (MilterTestClient client = connect()) {
            client.negotiate(6, MilterTestClient.POSTFIX_ACTIONS, MilterTestClient.POSTFIX_STEPS_V6);
            client.send('C', MilterTestClient.connectPayload("[192.0.2.7]", '4', 1234, "192.0.2.7"));
            assertEquals('c', client.read().code());
            // message 1: authenticated at MAIL, queue id at end of body
            client.macro('M', "{auth_type}", "PLAIN", "{auth_authen}", "joe", "{mail_addr}", "joe@example.com");
            assertTrue(message(client, "joe@example.com", true), "authenticated: signed");
            // message 2 on the same connection, no ABORT, no macros at its MAIL
            client.send('M', MilterTestClient.strings("<eve@example.com>"));
            assertEquals('a', client.read().code(), "not authenticated: accepted unsigned at MAIL");
            MessageContext second = SEEN.get(SEEN.size() - 1);
            assertEquals(Optional.empty(), second.authenticatedAs());
            assertEquals(Optional.empty(), second.authType());
            assertEquals("NOQUEUE", second.queueId(), "message 1's queue id is gone");
        }
    }

    @Test
    void authenticationIsTakenOnlyFromTheMailStage() throws Exception {
        start(MilterLimits.DEFAULTS);
        try (MilterTestClient client = connect()) {
            client.negotiate(6, MilterTestClient.POSTFIX_ACTIONS, MilterTestClient.POSTFIX_STEPS_V6);
            client.send('C', MilterTestClient.connectPayload("[192.0.2.7]", '4', 1234, "192.0.2.7"));
            assertEquals('c', client.read().code());
            client.macro('M', "{auth_type}", "PLAIN", "{auth_authen}", "joe");
            client.send('M', MilterTestClient.strings("<joe@example.com>"));
            assertEquals('c', client.read().code());
            client.send('A', new byte[0]);
            // authentication claimed in the DATA stage of the next message does not count
            client.macro('T', "{auth_type}", "PLAIN", "{auth_authen}", "eve");
            client.send('M', MilterTestClient.strings("<eve@example.com>"));
            assertEquals('a', client.read().code());
        }
    }

    // --- 6. client identities that cannot be read never pass for local ones --------------------------------

    @Test
    void anUnknownAddressFamilyWithAnExternalAddressClosesTheConnection() throws Exception {
        start(MilterLimits.DEFAULTS);
        try (MilterTestClient client = connect()) {
            client.negotiate(6, MilterTestClient.POSTFIX_ACTIONS, MilterTestClient.POSTFIX_STEPS_V6);
            client.send('C', MilterTestClient.connectPayload("evil", 'X', 25, "192.0.2.66"));
            assertTrue(closedWithoutReply(client));
        }
    }

    @Test
    void aFamilyWithNoAddressAfterItClosesTheConnection() throws Exception {
        start(MilterLimits.DEFAULTS);
        for (byte[] connect : List.of(new byte[] {'h', 0, '4'}, new byte[] {'h', 0, '6', 0, 25},
                new byte[] {'h', 0})) {
            try (MilterTestClient client = connect()) {
                client.negotiate(6, MilterTestClient.POSTFIX_ACTIONS, MilterTestClient.POSTFIX_STEPS_V6);
                client.send('C', connect);
                assertTrue(closedWithoutReply(client));
            }
        }
    }

    @Test
    void mailWithNoConnectOrAfterQuitNcWithoutANewConnectClosesTheConnection() throws Exception {
        start(MilterLimits.DEFAULTS);
        try (MilterTestClient client = connect()) {
            client.negotiate(6, MilterTestClient.POSTFIX_ACTIONS, MilterTestClient.POSTFIX_STEPS_V6);
            client.send('M', MilterTestClient.strings("<joe@example.com>"));
            assertTrue(closedWithoutReply(client), "MAIL with no CONNECT at all");
        }
        try (MilterTestClient client = connect()) {
            assertTrue(signs(client, "127.0.0.1", "joe@example.com"));
            client.send('K', new byte[0]);
            client.send('M', MilterTestClient.strings("<joe@example.com>"));
            assertTrue(closedWithoutReply(client), "MAIL after QUIT_NC with no new CONNECT");
        }
        assertTrue(SEEN.stream().noneMatch(c -> c.client().family() != '4'), "no decision on an unknown client");
    }

    @Test
    void localFamiliesStayLocalAsInOpenDkim() throws Exception {
        start(MilterLimits.DEFAULTS);
        try (MilterTestClient client = connect()) {
            client.negotiate(6, MilterTestClient.POSTFIX_ACTIONS, MilterTestClient.POSTFIX_STEPS_V6);
            client.send('C', MilterTestClient.connectPayload("localhost", 'U', 0, null));
            assertEquals('c', client.read().code());
            assertTrue(message(client, "joe@example.com", false), "family U counts as 127.0.0.1");
        }
    }

    // --- 8. what a client sends reaches the log escaped ------------------------------------------------------

    @Test
    void aQueueIdAndFromWithControlBytesAreLoggedEscaped() throws Exception {
        start(MilterLimits.DEFAULTS);
        java.io.PrintStream saved = System.err;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.ISO_8859_1));
        try (MilterTestClient client = connect()) {
            client.negotiate(6, MilterTestClient.POSTFIX_ACTIONS, MilterTestClient.POSTFIX_STEPS_V6);
            client.send('C', MilterTestClient.connectPayload("localhost", '4', 1, "127.0.0.1"));
            assertEquals('c', client.read().code());
            client.macro('M', "i", "Q1\nERROR forged\u001b[2J");
            client.send('M', MilterTestClient.strings("<joe@example.org>"));
            assertEquals('c', client.read().code());
            client.send('L', MilterTestClient.header("From".getBytes(), " joe@example.org\u001b]0;x\u0007".getBytes(
                    java.nio.charset.StandardCharsets.ISO_8859_1)));
            client.send('N', new byte[0]);
            assertEquals('a', client.read().code(), "no SigningTable entry: not signed");
        } finally {
            System.setErr(saved);
        }
        String log = captured.toString(java.nio.charset.StandardCharsets.ISO_8859_1);
        saved.print(log);
        assertTrue(log.contains("Q1\\nERROR forged\\x1b[2J: not signed"), log);
        assertTrue(log.chars().noneMatch(c -> c == 0x1b || c == 0x07 || c == '\r'), "no raw control byte: " + log);
        assertTrue(log.lines().noneMatch(l -> l.startsWith("ERROR forged")), "no forged line: " + log);
    }

    // --- helpers -------------------------------------------------------------------------------------------

    /** CONNECT from {@code address}, then a whole message from {@code from}; whether a signature was inserted. */
    private static boolean signs(MilterTestClient client, String address, String from) throws IOException {
        client.negotiate(6, MilterTestClient.POSTFIX_ACTIONS, MilterTestClient.POSTFIX_STEPS_V6);
        client.send('C', MilterTestClient.connectPayload("localhost", '4', 1, address));
        assertEquals('c', client.read().code());
        return message(client, from, false);
    }

    /** MAIL, a From field, the body and its end (queue id Q1 sent at its end); whether a signature was inserted. */
    private static boolean message(MilterTestClient client, String from, boolean queueIdAtEnd) throws IOException {
        client.send('M', MilterTestClient.strings("<" + from + ">"));
        char atMail = client.read().code();
        if (atMail != 'c') {
            return false;
        }
        client.send('L', MilterTestClient.header("From".getBytes(), (" " + from).getBytes()));
        client.send('N', new byte[0]);
        char atHeader = client.read().code();
        if (atHeader != 'c') {
            return false;
        }
        client.send('B', "hello\r\n".getBytes());
        if (queueIdAtEnd) {
            client.macro('E', "i", "Q1");
        }
        client.send('E', new byte[0]);
        List<MilterTestClient.Reply> replies = client.readUntilFinal();
        return replies.size() > 1 && replies.get(0).code() == 'i';
    }

    /** Whether the milter closed the connection without a reply (an end of stream or a reset, not a timeout). */
    private static boolean closedWithoutReply(MilterTestClient client) {
        try {
            MilterTestClient.Reply reply = client.read();
            fail("expected the connection closed, got a reply " + reply.code());
            return false;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (EOFException | SocketException e) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private void awaitHeldAtMost(long bytes) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (server.packetMemoryHeld() > bytes && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
    }
}
