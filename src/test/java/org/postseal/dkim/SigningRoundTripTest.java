package org.postseal.dkim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.postseal.message.HeaderField;

/** postseal signs, postseal verifies: every algorithm and canonicalization, and the shape of what is written. */
class SigningRoundTripTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-22T10:00:00Z"), ZoneOffset.UTC);
    private static SigningKey rsa;
    private static SigningKey ed25519;

    private static final String MESSAGE = "From: Joe <joe@example.com>\n"
            + "To: Suzie <suzie@example.net>\n"
            + "Subject: Is dinner ready?\n"
            + "Date: Sun, 22 Nov 2026 10:00:00 +0100\n"
            + "Message-ID: <1@example.com>\n"
            + "\n"
            + "Hi.\n\nWe lost the game.  Are you hungry yet?\n\nJoe.\n";

    @BeforeAll
    static void keys() throws Exception {
        rsa = TestMessages.rsaKey(2048);
        ed25519 = TestMessages.ed25519Key();
    }

    static Stream<Arguments> combinations() {
        return Stream.of("rsa", "ed25519").flatMap(k -> Stream.of("simple/simple", "simple/relaxed",
                "relaxed/simple", "relaxed/relaxed").map(c -> Arguments.of(k, c)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("combinations")
    void signsWhatItThenVerifies(String keyName, String canon) throws Exception {
        SigningKey key = keyName.equals("rsa") ? rsa : ed25519;
        SignatureSpec spec = SignatureSpec.builder("example.com", keyName.equals("rsa") ? "sel" : "ed", key)
                .canonicalization(CanonicalizationPair.parse(canon)).build();
        byte[] signed = TestMessages.sign(new DkimSigner(CLOCK), List.of(spec), TestMessages.crlf(MESSAGE));
        List<VerificationResult> results = TestMessages.verify(verifier(), signed, 3);
        assertEquals(1, results.size());
        assertTrue(results.get(0).passed(), results.get(0).describe());
    }

    @Test
    void writesOpenDkimsTagsWithFromOversignedAndFoldsWithinTheMargin() throws Exception {
        SignatureSpec spec = SignatureSpec.builder("example.com", "sel", rsa).build();
        byte[] signed = TestMessages.sign(new DkimSigner(CLOCK), List.of(spec), TestMessages.crlf(MESSAGE));
        HeaderField field = TestMessages.fields(signed).get(0);
        assertEquals("DKIM-Signature", field.name());
        DkimSignature signature = DkimSignature.parse(field.value());
        assertEquals(List.of("From", "To", "Subject", "Date", "From"), signature.signedHeaders());
        assertEquals(CLOCK.instant().getEpochSecond(), signature.timestamp().getAsLong());
        assertFalse(signature.tags().has("l"), "no l= by default");
        assertFalse(signature.tags().has("x"), "no x= by default");
        for (String line : field.toString().split("\r\n")) {
            assertTrue(line.replace("\t", "        ").length() <= 76, "line too long: " + line);
        }
    }

    @Test
    void rsaAndEd25519TogetherBothVerify() throws Exception {
        List<SignatureSpec> specs = List.of(
                SignatureSpec.builder("example.com", "ed", ed25519).build(),
                SignatureSpec.builder("example.com", "sel", rsa).build());
        byte[] signed = TestMessages.sign(new DkimSigner(CLOCK), specs, TestMessages.crlf(MESSAGE));
        List<VerificationResult> results = TestMessages.verify(verifier(), signed, 1000);
        assertEquals(2, results.size());
        assertEquals(SignatureAlgorithm.ED25519_SHA256, results.get(0).signature().orElseThrow().algorithm());
        assertTrue(results.stream().allMatch(VerificationResult::passed), results.toString());
    }

    @Test
    void expiryAndIdentityAndBodyLengthAreWrittenAndHonoured() throws Exception {
        SignatureSpec spec = SignatureSpec.builder("example.com", "sel", rsa)
                .identity("joe@mail.example.com").expiry(Duration.ofHours(1)).bodyLengthTag(true).build();
        byte[] signed = TestMessages.sign(new DkimSigner(CLOCK), List.of(spec), TestMessages.crlf(MESSAGE));
        DkimSignature signature = DkimSignature.parse(TestMessages.fields(signed).get(0).value());
        assertEquals("joe@mail.example.com", signature.identity());
        assertEquals(CLOCK.instant().getEpochSecond() + 3600, signature.expiration().getAsLong());
        assertTrue(signature.bodyLength().isPresent());
        assertTrue(TestMessages.verify(verifier(), signed, 5).get(0).passed());

        // l= lets text be appended and still verify
        byte[] appended = (TestMessages.text(signed) + "appended\r\n").getBytes();
        assertTrue(TestMessages.verify(verifier(), appended, 5).get(0).passed());

        // two hours later the signature has expired
        DkimVerifier later = new DkimVerifier(lookup(),
                Clock.offset(CLOCK, Duration.ofHours(2)));
        VerificationResult expired = TestMessages.verify(later, signed, 5).get(0);
        assertEquals(VerificationFailure.SIGNATURE_EXPIRED, expired.failure().orElseThrow());
        assertEquals(AuthResult.FAIL, expired.result());
    }

    @Test
    void emptyBodyAndBodyWithoutFinalCrlfSignAndVerify() throws Exception {
        for (String body : new String[] {"", "no final line end", "\r\n\r\n"}) {
            byte[] message = TestMessages.crlf("From: joe@example.com\nSubject: x\n\n" + body);
            for (String canon : new String[] {"simple/simple", "relaxed/relaxed"}) {
                SignatureSpec spec = SignatureSpec.builder("example.com", "ed", ed25519)
                        .canonicalization(CanonicalizationPair.parse(canon)).build();
                byte[] signed = TestMessages.sign(new DkimSigner(CLOCK), List.of(spec), message);
                assertTrue(TestMessages.verify(verifier(), signed, 2).get(0).passed(), canon + " [" + body + "]");
            }
        }
    }

    @Test
    void aMessageWithoutFromCannotBeSigned() {
        SigningSession session = new DkimSigner(CLOCK).newSession(SignatureSpec.builder("example.com", "s", rsa)
                .build());
        session.header(HeaderField.of("Subject", "hello"));
        session.body("x\r\n".getBytes());
        UnsignableMessageException e = assertThrows(UnsignableMessageException.class, session::finish);
        assertEquals("message has no From header field", e.getMessage());
    }

    @Test
    void aGarbledSignatureIsNeutralWithTheReason() {
        byte[] message = TestMessages.crlf("DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=sel; h=From;"
                + " bh=!!!; b=abc\nFrom: joe@example.com\n\nbody\n");
        VerificationResult result = TestMessages.verify(verifier(), message, 10).get(0);
        assertEquals(AuthResult.NEUTRAL, result.result());
        assertEquals(VerificationFailure.SIGNATURE_SYNTAX, result.failure().orElseThrow());
        assertEquals("example.com", result.domain());
    }

    private static DkimVerifier verifier() {
        return new DkimVerifier(lookup(), CLOCK);
    }

    private static MapKeyLookup lookup() {
        return new MapKeyLookup()
                .put("sel", "example.com", "v=DKIM1; k=rsa; p=" + PublicKeyCodec.encode(rsa.publicKey()))
                .put("ed", "example.com", "v=DKIM1; k=ed25519; p=" + PublicKeyCodec.encode(ed25519.publicKey()));
    }

    static String base64(byte[] b) {
        return Base64.getEncoder().encodeToString(b);
    }
}
