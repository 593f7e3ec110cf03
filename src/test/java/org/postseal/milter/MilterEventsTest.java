package org.postseal.milter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.postseal.dkim.SigningKey;
import org.postseal.events.ErrorKind;
import org.postseal.events.KeyLookup;
import org.postseal.events.MailEvents;
import org.postseal.events.MessageNotSigned;
import org.postseal.events.MessageSigned;
import org.postseal.events.MessageVerified;
import org.postseal.events.NotSignedReason;
import org.postseal.keys.DkimKeyGenerator;
import org.postseal.policy.HostList;
import org.postseal.policy.KeyTable;
import org.postseal.policy.SigningPolicy;
import org.postseal.policy.SigningTable;
import org.postseal.signing.OnError;
import org.postseal.signing.SignatureSelector;
import org.postseal.signing.SignatureTemplate;
import org.postseal.signing.SigningKeys;
import org.postseal.signing.UnusableKeyException;

/**
 * What the milter tells the events port, over a real listener: one event per message outcome, with the reason from
 * the closed set, and the errors of connections by kind.
 */
class MilterEventsTest {
    private static final SigningKey KEY = DkimKeyGenerator.ed25519();

    private final List<Object> heard = new CopyOnWriteArrayList<>();
    private MilterServer server;

    private final MailEvents recording = new MailEvents() {
        @Override
        public void signed(MessageSigned event) {
            heard.add(event);
        }

        @Override
        public void notSigned(MessageNotSigned event) {
            heard.add(event);
        }

        @Override
        public void verified(MessageVerified event) {
            heard.add(event);
        }

        @Override
        public void error(ErrorKind kind) {
            heard.add(kind);
        }

        @Override
        public void keyLookup(KeyLookup outcome) {
            heard.add(outcome);
        }
    };

    private void start(MilterLimits limits) throws IOException {
        SigningPolicy policy = SigningPolicy.builder().internalHosts(HostList.of(List.of("127.0.0.1")))
                .tables(KeyTable.of(List.of(new KeyTable.Entry("k", "example.com", "sel", "/keys/k"),
                        new KeyTable.Entry("bad", "bad.example", "sel", "/keys/bad"))),
                        SigningTable.ofPatterns(List.of(
                                new SigningTable.Entry("*@example.com", "k", Optional.empty()),
                                new SigningTable.Entry("*@bad.example", "bad", Optional.empty()))))
                .build();
        SigningKeys keys = SigningKeys.of(path -> {
            if (path.equals("/keys/bad")) {
                throw new UnusableKeyException("/keys/bad: no such file");
            }
            return KEY;
        });
        SigningPort port = SigningPort.of(SignatureSelector.byPolicy(policy, keys, SignatureTemplate.DEFAULT));
        server = MilterServer.start(new InetSocketAddress("127.0.0.1", 0),
                new MilterSessions(port, OnError.ACCEPT, limits, 1, Clock.systemUTC()).withEvents(recording),
                Optional.empty(), Optional.empty());
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private void send(String client, String from, String extraFields) throws IOException {
        try (MilterTestClient mta = new MilterTestClient(server.localAddress())) {
            mta.negotiate(6, MilterTestClient.POSTFIX_ACTIONS, MilterTestClient.POSTFIX_STEPS_V6);
            mta.macro('C', "j", "mta.example");
            mta.send('C', MilterTestClient.connectPayload("client.example", '4', 12345, client));
            assertEquals('c', mta.read().code());
            mta.macro('M', "i", "Q1");
            mta.send('M', MilterTestClient.strings("<joe@example.com>"));
            if (mta.read().code() != 'c') {
                return; // decided at MAIL: accepted without looking further
            }
            for (String field : (extraFields + "From: " + from + "\r\nSubject: hi\r\n").split("\r\n")) {
                int colon = field.indexOf(':');
                mta.send('L', MilterTestClient.header(field.substring(0, colon).getBytes(StandardCharsets.ISO_8859_1),
                        field.substring(colon + 1).getBytes(StandardCharsets.ISO_8859_1)));
            }
            mta.send('N', new byte[0]);
            if (mta.read().code() != 'c') {
                return; // decided at the end of the header
            }
            mta.send('B', "hello\r\n".getBytes(StandardCharsets.ISO_8859_1));
            mta.send('E', new byte[0]);
            mta.readUntilFinal();
        }
    }

    @Test
    void eachMessageIsOneEventWithItsReason() throws Exception {
        start(MilterLimits.DEFAULTS);
        send("127.0.0.1", "joe@example.com", "");
        send("192.0.2.7", "joe@example.com", "");
        send("127.0.0.1", "joe@example.net", "");
        send("127.0.0.1", "joe@bad.example", "");
        send("127.0.0.1", "no address here", "");
        assertEquals(5, heard.size(), heard.toString());
        MessageSigned signed = (MessageSigned) heard.get(0);
        assertEquals(List.of("example.com"), signed.domains());
        assertTrue(signed.elapsed().compareTo(Duration.ofSeconds(5)) < 0, signed.toString());
        assertEquals(List.of(MessageNotSigned.of(NotSignedReason.CLIENT_NOT_TRUSTED),
                MessageNotSigned.of(NotSignedReason.NO_SIGNING_ENTRY),
                MessageNotSigned.of(NotSignedReason.KEY_ERROR),
                MessageNotSigned.of(NotSignedReason.NO_FROM_ADDRESS)), heard.subList(1, 5));
    }

    @Test
    void aHeaderOverTheLimitIsAnUnsignableMessage() throws Exception {
        start(new MilterLimits(8, 64L << 20, 1 << 20, 1024, Duration.ofSeconds(30), Duration.ofSeconds(600)));
        send("127.0.0.1", "joe@example.com", "X-Big: " + "a".repeat(2000) + "\r\n");
        assertEquals(List.of(MessageNotSigned.of(NotSignedReason.UNSIGNABLE_MESSAGE)), heard);
    }

    @Test
    void connectionsOverTheLimitAndOversizedPacketsAreLimitErrors() throws Exception {
        start(new MilterLimits(1, 64L << 20, 1 << 20, 1 << 20, Duration.ofSeconds(30), Duration.ofSeconds(600)));
        try (MilterTestClient first = new MilterTestClient(server.localAddress())) {
            first.negotiate(6, MilterTestClient.POSTFIX_ACTIONS, MilterTestClient.POSTFIX_STEPS_V6);
            try (MilterTestClient second = new MilterTestClient(server.localAddress())) {
                assertEquals(-1, second.socket().getInputStream().read(), "refused");
            }
            first.socket().getOutputStream().write(new byte[] {0x7f, 0, 0, 0, 'B'});
            assertEquals(-1, first.socket().getInputStream().read(), "cut");
        }
        assertEquals(List.of(ErrorKind.LIMIT, ErrorKind.LIMIT), heard);
    }

    @Test
    void aSilentConnectionIsATimeout() throws Exception {
        start(new MilterLimits(8, 64L << 20, 1 << 20, 1 << 20, Duration.ofSeconds(30), Duration.ofMillis(300)));
        try (MilterTestClient idle = new MilterTestClient(server.localAddress())) {
            assertEquals(-1, idle.socket().getInputStream().read(), "closed when idle");
        }
        assertEquals(List.of(ErrorKind.TIMEOUT), heard);
    }
}
