package org.postseal.milter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postseal.dkim.DkimSigner;
import org.postseal.dkim.KeyLookupException;
import org.postseal.dkim.SignatureSpec;
import org.postseal.dkim.SigningKey;
import org.postseal.dkim.SigningSession;
import org.postseal.dkim.VerificationLimits;
import org.postseal.dns.KeyRecordSource;
import org.postseal.keys.DkimKeyGenerator;
import org.postseal.keys.KeyRecordText;
import org.postseal.message.HeaderBlock;
import org.postseal.message.HeaderField;
import org.postseal.policy.VerificationAction;
import org.postseal.policy.VerificationActions;
import org.postseal.policy.VerificationCase;
import org.postseal.signing.OnError;
import org.postseal.signing.SignatureChoice;

/**
 * Verification in the milter over a real listener, driven as Postfix drives it: mail from an external client is
 * verified with keys from a {@link KeyRecordSource}, one Authentication-Results field goes to the top, forged ones
 * claiming our authserv-id are removed, the actions apply, and lookups never hold the event loop.
 */
class MilterVerificationTest {
    private static final String MTA = "mx.test";
    private static final String EXTERNAL = "192.0.2.7";
    private static SigningKey key;
    private static SigningKey ownKey;
    private static SigningKey edKey;
    private static SigningKey shortKey;
    private final List<String> lookups = new CopyOnWriteArrayList<>();
    private final Map<String, CompletableFuture<List<String>>> pending = new ConcurrentHashMap<>();
    private MilterServer server;

    @BeforeAll
    static void keys() throws Exception {
        key = DkimKeyGenerator.rsa(2048);
        ownKey = DkimKeyGenerator.rsa(1024);
        edKey = DkimKeyGenerator.ed25519();
        java.security.KeyPairGenerator rsa = java.security.KeyPairGenerator.getInstance("RSA");
        rsa.initialize(512);
        java.security.KeyPair pair = rsa.generateKeyPair();
        shortKey = new SigningKey(org.postseal.dkim.SignatureAlgorithm.RSA_SHA256, pair.getPrivate(),
                pair.getPublic());
    }

    @BeforeEach
    void start() throws Exception {
        start(VerificationActions.DEFAULTS, 1, MilterLimits.DEFAULTS);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    /**
     * Keys at example.com: sel and s0..s49 the RSA-2048 key, ed the Ed25519 key, short the RSA-512 key; "temp" fails
     * for now; "slow" waits for the test; the rest do not exist.
     */
    private KeyRecordSource source() {
        String record = KeyRecordText.of(key).value();
        KeyRecordSource answered = KeyRecordSource.of((selector, domain) -> {
            if (selector.equals("temp")) {
                throw KeyLookupException.temporary("SERVFAIL");
            }
            if (domain.equals("example.com") && (selector.equals("sel") || selector.matches("s\\d+"))) {
                return List.of(record);
            }
            if (domain.equals("example.com") && selector.equals("ed")) {
                return List.of(KeyRecordText.of(edKey).value());
            }
            if (domain.equals("example.com") && selector.equals("short")) {
                return List.of(KeyRecordText.of(shortKey).value());
            }
            throw KeyLookupException.notFound("NXDOMAIN " + selector + "._domainkey." + domain);
        });
        return (selector, domain) -> {
            lookups.add(selector + "._domainkey." + domain);
            if (selector.equals("broken")) {
                return CompletableFuture.completedFuture(null); // a source breaking its contract
            }
            return selector.equals("slow") ? pending.computeIfAbsent(domain, d -> new CompletableFuture<>())
                    : answered.lookup(selector, domain);
        };
    }

    private void start(VerificationActions actions, int threads, MilterLimits limits) throws Exception {
        if (server != null) {
            server.close();
        }
        SigningPort signing = new SigningPort() {
            @Override
            public Optional<SignatureChoice.Skip> mayClientSign(MessageContext context) {
                boolean internal = context.client().address().map(a -> a.isLoopbackAddress()).orElse(false);
                return internal ? Optional.empty() : Optional.of(SignatureChoice.skip("not internal"));
            }

            @Override
            public SignatureChoice select(MessageContext context) {
                return SignatureChoice.sign(List.of(SignatureSpec.builder("own.test", "own", ownKey).build()));
            }
        };
        VerificationSettings verification = new VerificationSettings(source(), Optional.empty(), "fallback.test",
                actions, new VerificationLimits(3, 8192));
        server = MilterServer.start(new InetSocketAddress("127.0.0.1", 0),
                new MilterSessions(signing, OnError.ACCEPT, limits, threads, Clock.systemUTC())
                        .withVerification(verification), Optional.empty(), Optional.empty());
    }

    private MilterTestClient client() throws Exception {
        MilterTestClient client = new MilterTestClient(server.localAddress());
        int[] answer = client.negotiate(6, MilterTestClient.POSTFIX_ACTIONS, MilterTestClient.POSTFIX_STEPS_V6);
        assertEquals(0x01 | 0x10 | 0x20, answer[1], "add headers, change headers, quarantine");
        return client;
    }

    private List<MilterTestClient.Reply> send(String clientAddress, byte[] message) throws Exception {
        try (MilterTestClient client = client()) {
            return client.sendMessage(MTA, clientAddress, "4QID1", message);
        }
    }

    private static byte[] message(String... headerLines) {
        return (String.join("\r\n", headerLines) + "\r\n\r\nHello, world.\r\n").getBytes(StandardCharsets.ISO_8859_1);
    }

    private static final String[] PLAIN = {"From: Joe <joe@example.com>", "To: suzie@example.net",
        "Subject: a test"};

    /** The message with DKIM-Signature fields by {@code selectors} (at example.com, the RSA-2048 key) on top. */
    private static byte[] signed(byte[] message, String... selectors) throws Exception {
        List<SignatureSpec> specs = new ArrayList<>();
        for (String selector : selectors) {
            specs.add(SignatureSpec.builder("example.com", selector, key).build());
        }
        return signed(message, specs);
    }

    private static byte[] signed(byte[] message, List<SignatureSpec> specs) throws Exception {
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

    /** The Authentication-Results value inserted, which must be the one insert, at index 0. */
    private static String insertedResults(List<MilterTestClient.Reply> replies) {
        List<String> inserted = replies.stream().filter(r -> r.code() == 'i').map(r -> {
            byte[] p = r.payload();
            assertEquals(0, p[0] | p[1] | p[2] | p[3], "inserted at the top");
            MilterPayload fields = new MilterPayload(java.util.Arrays.copyOfRange(p, 4, p.length));
            assertEquals("Authentication-Results", fields.text());
            return fields.text();
        }).toList();
        assertEquals(1, inserted.size(), "one Authentication-Results field");
        assertFalse(inserted.get(0).contains("\r"), "folds are LF TAB for Postfix");
        return inserted.get(0).replace("\n\t", " ");
    }

    private static char last(List<MilterTestClient.Reply> replies) {
        return replies.get(replies.size() - 1).code();
    }

    @Test
    void anExternalMessageSignedByPostsealsSignerPasses() throws Exception {
        List<MilterTestClient.Reply> replies = send(EXTERNAL, signed(message(PLAIN), "sel"));
        String results = insertedResults(replies);
        assertTrue(results.startsWith(" mx.test; dkim=pass (2048-bit key; unprotected) header.d=example.com"
                + " header.i=@example.com header.a=rsa-sha256 header.s=sel header.b="), results);
        assertEquals('c', last(replies));
        assertEquals(List.of("sel._domainkey.example.com"), lookups);
    }

    @Test
    void aTamperedMessageFails() throws Exception {
        byte[] tampered = new String(signed(message(PLAIN), "sel"), StandardCharsets.ISO_8859_1)
                .replace("Hello, world.", "Hello, wallet.").getBytes(StandardCharsets.ISO_8859_1);
        // the body hash is checked before the key: no key size; On-BadSignature accepts by default
        assertAcceptedWith(tampered, " dkim=fail reason=\"body hash did not verify\" header.d=example.com");
    }

    /** Sends {@code message} from outside: accepted, with {@code expected} in its Authentication-Results. */
    private void assertAcceptedWith(byte[] message, String expected) throws Exception {
        List<MilterTestClient.Reply> replies = send(EXTERNAL, message);
        assertTrue(insertedResults(replies).contains(expected), insertedResults(replies));
        assertEquals('c', last(replies));
    }

    @Test
    void anUnknownSelectorIsAPermanentError() throws Exception {
        assertAcceptedWith(signed(message(PLAIN), "nokey"), " dkim=permerror reason=\"no key for signature: NXDOMAIN"
                + " nokey._domainkey.example.com\" header.d=example.com");
    }

    @Test
    void aTemporaryLookupFailureIsTemperrorAndTheMessageIsAccepted() throws Exception {
        // DNS errors never refuse mail by default
        assertAcceptedWith(signed(message(PLAIN), "temp"), " dkim=temperror reason=\"key lookup failed"
                + " temporarily: SERVFAIL\"");
    }

    @Test
    void aMessageWithoutSignatureGetsNone() throws Exception {
        List<MilterTestClient.Reply> replies = send(EXTERNAL, message(PLAIN));
        assertEquals(" mx.test; dkim=none", insertedResults(replies));
        assertEquals('c', last(replies));
        assertTrue(lookups.isEmpty());
    }

    @Test
    void forgedResultsClaimingOurIdAreRemovedAndOthersLeft() throws Exception {
        byte[] message = message("Authentication-Results: MX.TEST; dkim=pass header.d=bank.example",
                "From: Joe <joe@example.com>", "Authentication-Results: other.example; dkim=pass",
                "Authentication-Results: (sneaky) mx.test 1;\r\n\tspf=pass", "Subject: forged");
        List<MilterTestClient.Reply> replies = send(EXTERNAL, message);
        List<MilterTestClient.Reply> changes = replies.stream().filter(r -> r.code() == 'm').toList();
        assertEquals(2, changes.size());
        assertEquals("\0\0\0\3Authentication-Results\0\0", changes.get(0).text());
        assertEquals("\0\0\0\1Authentication-Results\0\0", changes.get(1).text());
        assertTrue(replies.indexOf(changes.get(1)) < replies.stream().map(MilterTestClient.Reply::code).toList()
                .indexOf('i'), "removed before ours is added");
        assertEquals(" mx.test; dkim=none", insertedResults(replies));
    }

    @Test
    void fiftySignaturesCostAtMostThreeLookups() throws Exception {
        String[] selectors = new String[50];
        for (int i = 0; i < selectors.length; i++) {
            selectors[i] = "s" + i;
        }
        List<MilterTestClient.Reply> replies = send(EXTERNAL, signed(message(PLAIN), selectors));
        assertEquals(3, lookups.size(), lookups.toString());
        String results = insertedResults(replies);
        assertEquals(3, results.split("dkim=pass").length - 1, results);
    }

    @Test
    void anInternalClientIsSignedAndNotVerified() throws Exception {
        List<MilterTestClient.Reply> replies = send("127.0.0.1", signed(message(PLAIN), "sel"));
        assertEquals(List.of('i', 'c'), replies.stream().map(MilterTestClient.Reply::code).toList());
        assertTrue(replies.get(0).text().contains("DKIM-Signature"));
        assertTrue(lookups.isEmpty());
    }

    @Test
    void onBadSignatureRejectRefusesAFailingMessageWith550() throws Exception {
        start(VerificationActions.DEFAULTS.with(VerificationCase.BAD_SIGNATURE, VerificationAction.REJECT), 1,
                MilterLimits.DEFAULTS);
        byte[] tampered = new String(signed(message(PLAIN), "sel"), StandardCharsets.ISO_8859_1)
                .replace("a test", "a tost").getBytes(StandardCharsets.ISO_8859_1);
        List<MilterTestClient.Reply> replies = send(EXTERNAL, tampered);
        assertEquals(1, replies.size());
        assertEquals('y', replies.get(0).code());
        assertTrue(replies.get(0).text().startsWith("550 5.7.20 "), replies.get(0).text());
        assertEquals('c', last(send(EXTERNAL, signed(message(PLAIN), "sel"))), "a passing one still passes");
    }

    @Test
    void onNoSignatureQuarantinePutsTheMessageOnHold() throws Exception {
        start(VerificationActions.DEFAULTS.with(VerificationCase.NO_SIGNATURE, VerificationAction.QUARANTINE), 1,
                MilterLimits.DEFAULTS);
        List<MilterTestClient.Reply> replies = send(EXTERNAL, message(PLAIN));
        assertEquals(List.of('i', 'q', 'c'), replies.stream().map(MilterTestClient.Reply::code).toList());
    }

    @Test
    void ed25519VerifiesAndRfc8301RefusesShortKeysAndSha1() throws Exception {
        byte[] ed = signed(message(PLAIN), List.of(SignatureSpec.builder("example.com", "ed", edKey).build()));
        assertTrue(insertedResults(send(EXTERNAL, ed)).contains(" dkim=pass (256-bit key; unprotected)"
                + " header.d=example.com header.i=@example.com header.a=ed25519-sha256 header.s=ed"));
        byte[] tooShort = signed(message(PLAIN),
                List.of(SignatureSpec.builder("example.com", "short", shortKey).build()));
        String shortResults = insertedResults(send(EXTERNAL, tooShort));
        assertTrue(shortResults.contains(" dkim=permerror reason=\"key too short: 512 bits, minimum 1024\""
                + " (512-bit key; unprotected)"), shortResults);
        byte[] sha1 = new String(signed(message(PLAIN), "sel"), StandardCharsets.ISO_8859_1)
                .replaceFirst("a=rsa-sha256", "a=rsa-sha1").getBytes(StandardCharsets.ISO_8859_1);
        assertTrue(insertedResults(send(EXTERNAL, sha1)).contains(" dkim=permerror reason=\"algorithm not allowed by"
                + " RFC 8301: a=rsa-sha1\" header.d=example.com"), insertedResults(send(EXTERNAL, sha1)));
    }

    @Test
    void contentAfterTheSignedLengthIsReported() throws Exception {
        byte[] signed = signed(message(PLAIN),
                List.of(SignatureSpec.builder("example.com", "sel", key).bodyLengthTag(true).build()));
        byte[] appended = new String(signed, StandardCharsets.ISO_8859_1).concat("Click here.\r\n")
                .getBytes(StandardCharsets.ISO_8859_1);
        assertTrue(insertedResults(send(EXTERNAL, appended)).contains(" dkim=pass (2048-bit key; unprotected;"
                + " l= leaves 13 body bytes unsigned)"), insertedResults(send(EXTERNAL, appended)));
    }

    @Test
    void aHeaderBeyondTheLimitIsNotExaminedAndOnSecurityApplies() throws Exception {
        MilterLimits d = MilterLimits.DEFAULTS;
        start(VerificationActions.DEFAULTS.with(VerificationCase.SECURITY, VerificationAction.ACCEPT), 1,
                new MilterLimits(d.maxConnections(), d.bufferMemoryBytes(), d.maxPacketBytes(), 200,
                        d.commandTimeout(), d.idleTimeout()));
        byte[] big = message("Authentication-Results: mx.test; dkim=pass", "From: joe@example.com",
                "X-Padding: " + "x".repeat(300));
        List<MilterTestClient.Reply> replies = send(EXTERNAL, big);
        assertEquals(" mx.test; dkim=permerror reason=\"header larger than 200 bytes\"", insertedResults(replies));
        assertEquals('m', replies.get(0).code(), "the forged field is still removed");
        start(VerificationActions.DEFAULTS, 1, new MilterLimits(d.maxConnections(), d.bufferMemoryBytes(),
                d.maxPacketBytes(), 200, d.commandTimeout(), d.idleTimeout()));
        List<MilterTestClient.Reply> refused = send(EXTERNAL, big);
        assertEquals(1, refused.size());
        assertTrue(refused.get(0).text().startsWith("451 4.7.0 "), "On-Security tempfail by default");
    }

    @Test
    void anInternalErrorTempfailsByDefaultAndKeepsTheConnection() throws Exception {
        try (MilterTestClient client = client()) {
            List<MilterTestClient.Reply> replies = client.sendMessage(MTA, EXTERNAL, "4BRK",
                    signed(message(PLAIN), "broken"));
            assertEquals(1, replies.size());
            assertTrue(replies.get(0).text().startsWith("451 4.3.0 "), replies.get(0).text());
            assertTrue(insertedResults(client.sendMessage(MTA, EXTERNAL, "4OK", signed(message(PLAIN), "sel")))
                    .contains("dkim=pass"), "the next message on the connection is verified");
        }
    }

    @Test
    void aPendingLookupHoldsOnlyItsOwnConnectionNotTheEventLoop() throws Exception {
        start(VerificationActions.DEFAULTS, 1, MilterLimits.DEFAULTS);
        byte[] waiting = signed(message(PLAIN), "slow");
        try (MilterTestClient slow = client(); MilterTestClient other = client()) {
            CompletableFuture<List<MilterTestClient.Reply>> slowReplies = CompletableFuture.supplyAsync(() -> {
                try {
                    return slow.sendMessage(MTA, EXTERNAL, "4SLOW", waiting);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            while (!pending.containsKey("example.com")) {
                Thread.sleep(5);
            }
            // one event-loop thread: the other connection is served while the lookup is pending
            assertEquals('c', last(other.sendMessage(MTA, EXTERNAL, "4FAST", signed(message(PLAIN), "sel"))));
            assertFalse(slowReplies.isDone());
            pending.get("example.com").complete(List.of(KeyRecordText.of(key).value()));
            assertTrue(insertedResults(slowReplies.get()).contains("dkim=pass"));
        }
    }

    @Test
    void aLookupThatNeverCompletesIsTemperrorAfterTheCommandTimeout() throws Exception {
        start(VerificationActions.DEFAULTS, 1, MilterLimits.DEFAULTS.withTimeouts(Duration.ofMillis(300),
                MilterLimits.DEFAULTS.idleTimeout()));
        List<MilterTestClient.Reply> replies = send(EXTERNAL, signed(message(PLAIN), "slow"));
        assertTrue(insertedResults(replies).contains("dkim=temperror reason=\"key lookup failed temporarily: key lookup"
                + " timed out"), insertedResults(replies));
        assertEquals('c', last(replies));
    }
}
