package org.postseal.dkim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The verification failures no other test reaches, one test each: a message postseal signed, then a key record, a
 * verifier or a body that makes exactly that check fail, with the RFC 8601 result the failure maps to.
 */
class VerificationFailureTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-22T10:00:00Z"), ZoneOffset.UTC);
    private static final String MESSAGE = "From: Joe <joe@example.com>\nTo: suzie@example.net\nSubject: s\n\n"
            + "Hi.\n\nJoe.\n";
    private static SigningKey rsa;
    private static SigningKey ed25519;

    @BeforeAll
    static void keys() throws Exception {
        rsa = TestMessages.rsaKey(2048);
        ed25519 = TestMessages.ed25519Key();
    }

    @Test
    void aKeyRecordAllowingOnlySha1IsPermerror() throws Exception {
        assertFailure(VerificationFailure.KEY_HASH_NOT_ALLOWED, AuthResult.PERMERROR,
                verifier(edRecord("h=sha1; ")), signed(ed(), MESSAGE));
    }

    @Test
    void aKeyRecordForAnotherServiceIsPermerror() throws Exception {
        assertFailure(VerificationFailure.KEY_SERVICE_NOT_EMAIL, AuthResult.PERMERROR,
                verifier(edRecord("s=other; ")), signed(ed(), MESSAGE));
    }

    @Test
    void aStrictKeyRefusesAnIdentityInASubdomain() throws Exception {
        SignatureSpec spec = ed().identity("joe@mail.example.com").build();
        assertFailure(VerificationFailure.KEY_STRICT_SUBDOMAIN, AuthResult.PERMERROR,
                verifier(edRecord("t=s; ")), signed(spec, MESSAGE));
    }

    @Test
    void anRsaKeyBelowTheVerifiersMinimumIsPermerror() throws Exception {
        MapKeyLookup lookup = new MapKeyLookup()
                .put("sel", "example.com", "v=DKIM1; k=rsa; p=" + PublicKeyCodec.encode(rsa.publicKey()));
        DkimVerifier demanding = new DkimVerifier(lookup, CLOCK, DkimVerifier.DEFAULT_ALLOWED_CLOCK_SKEW, 4096);
        assertFailure(VerificationFailure.KEY_TOO_SHORT, AuthResult.PERMERROR, demanding,
                signed(SignatureSpec.builder("example.com", "sel", rsa).build(), MESSAGE));
    }

    @Test
    void aTimestampBeyondTheAllowedSkewFails() throws Exception {
        DkimVerifier yesterday = new DkimVerifier(edLookup(""), Clock.offset(CLOCK, Duration.ofDays(-1)));
        assertFailure(VerificationFailure.SIGNATURE_IN_FUTURE, AuthResult.FAIL, yesterday, signed(ed(), MESSAGE));
    }

    @Test
    void aBodyShorterThanItsLengthTagFails() throws Exception {
        String signed = TestMessages.text(signed(ed().bodyLengthTag(true).build(), MESSAGE));
        byte[] truncated = signed.substring(0, signed.length() - "Joe.\r\n".length())
                .getBytes(StandardCharsets.ISO_8859_1);
        assertFailure(VerificationFailure.BODY_LENGTH_EXCEEDS_BODY, AuthResult.FAIL, verifier(edRecord("")),
                truncated);
    }

    private static void assertFailure(VerificationFailure failure, AuthResult result, DkimVerifier verifier,
            byte[] message) {
        VerificationResult verified = TestMessages.verify(verifier, message, 7).get(0);
        assertEquals(failure, verified.failure().orElseThrow(), verified.describe());
        assertEquals(result, verified.result());
    }

    private static SignatureSpec.Builder ed() {
        return SignatureSpec.builder("example.com", "ed", ed25519);
    }

    private static byte[] signed(SignatureSpec.Builder spec, String message) throws Exception {
        return signed(spec.build(), message);
    }

    private static byte[] signed(SignatureSpec spec, String message) throws Exception {
        return TestMessages.sign(new DkimSigner(CLOCK), List.of(spec), TestMessages.crlf(message));
    }

    /** The Ed25519 key's record with {@code extraTags} ("h=sha1; " ...) before p=. */
    private static String edRecord(String extraTags) {
        return "v=DKIM1; k=ed25519; " + extraTags + "p=" + PublicKeyCodec.encode(ed25519.publicKey());
    }

    private static MapKeyLookup edLookup(String extraTags) {
        return new MapKeyLookup().put("ed", "example.com", edRecord(extraTags));
    }

    private static DkimVerifier verifier(String edRecord) {
        return new DkimVerifier(new MapKeyLookup().put("ed", "example.com", edRecord), CLOCK);
    }
}
