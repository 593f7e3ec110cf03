package org.postseal.dkim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * The example of RFC 8463 appendix A: a message signed with Ed25519 and RSA, both of which must verify with the
 * published keys, and must stop verifying when the message is touched.
 */
class Rfc8463VerificationTest {
    private static final String ED25519_RECORD = "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
    private static final String RSA_RECORD = "v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWRiGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQiY/J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3Ip3G+2kryOTIKT+l/K4w3QIDAQAB";
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2024-01-01T00:00:00Z"), ZoneOffset.UTC);

    private final byte[] message = TestMessages.crlf(TestMessages.resource("/rfc8463/appendix-a.eml"));

    private static DkimVerifier verifier() {
        return new DkimVerifier(new MapKeyLookup()
                .put("brisbane", "football.example.com", ED25519_RECORD)
                .put("test", "football.example.com", RSA_RECORD), CLOCK);
    }

    @ParameterizedTest(name = "body chunks of {0} bytes")
    @ValueSource(ints = {1, 7, 64, 65535})
    void bothSignaturesVerify(int chunk) {
        List<VerificationResult> results = TestMessages.verify(verifier(), message, chunk);
        assertEquals(2, results.size());
        assertEquals(SignatureAlgorithm.ED25519_SHA256, results.get(0).signature().orElseThrow().algorithm());
        assertEquals(SignatureAlgorithm.RSA_SHA256, results.get(1).signature().orElseThrow().algorithm());
        for (VerificationResult result : results) {
            assertEquals(AuthResult.PASS, result.result(), result.describe());
            assertEquals("football.example.com", result.domain());
        }
    }

    @Test
    void aChangedBodyFailsBothOnTheBodyHash() {
        byte[] tampered = replace(message, "We lost the game.", "We won the game.");
        for (VerificationResult result : TestMessages.verify(verifier(), tampered, 100)) {
            assertEquals(AuthResult.FAIL, result.result());
            assertEquals(VerificationFailure.BODY_HASH_MISMATCH, result.failure().orElseThrow());
        }
    }

    @Test
    void aChangedSignedHeaderFailsBothOnTheSignature() {
        byte[] tampered = replace(message, "Subject: Is dinner ready?", "Subject: Is lunch ready?");
        for (VerificationResult result : TestMessages.verify(verifier(), tampered, 100)) {
            assertEquals(AuthResult.FAIL, result.result());
            assertEquals(VerificationFailure.SIGNATURE_MISMATCH, result.failure().orElseThrow());
        }
    }

    @Test
    void anAddedFromFailsBecauseFromIsOversigned() {
        byte[] tampered = replace(message, "To: Suzie Q", "From: Evil <evil@example.org>\r\nTo: Suzie Q");
        for (VerificationResult result : TestMessages.verify(verifier(), tampered, 100)) {
            assertEquals(VerificationFailure.SIGNATURE_MISMATCH, result.failure().orElseThrow());
        }
    }

    @Test
    void aMissingKeyIsPermerrorAndADnsFailureIsTemperror() {
        DkimVerifier noKeys = new DkimVerifier(new MapKeyLookup(), CLOCK);
        for (VerificationResult result : TestMessages.verify(noKeys, message, 100)) {
            assertEquals(AuthResult.PERMERROR, result.result());
            assertEquals(VerificationFailure.KEY_NOT_FOUND, result.failure().orElseThrow());
        }
        DkimVerifier failing = new DkimVerifier(new MapKeyLookup().failTemporarily(), CLOCK);
        for (VerificationResult result : TestMessages.verify(failing, message, 100)) {
            assertEquals(AuthResult.TEMPERROR, result.result());
        }
    }

    @Test
    void aKeyOfTheWrongTypeIsPermerror() {
        DkimVerifier swapped = new DkimVerifier(new MapKeyLookup()
                .put("brisbane", "football.example.com", RSA_RECORD)
                .put("test", "football.example.com", ED25519_RECORD), CLOCK);
        for (VerificationResult result : TestMessages.verify(swapped, message, 100)) {
            assertEquals(VerificationFailure.KEY_TYPE_MISMATCH, result.failure().orElseThrow());
            assertEquals(AuthResult.PERMERROR, result.result());
        }
    }

    @Test
    void aRevokedKeyIsReported() {
        DkimVerifier revoked = new DkimVerifier(new MapKeyLookup()
                .put("brisbane", "football.example.com", "v=DKIM1; k=ed25519; p=")
                .put("test", "football.example.com", "v=DKIM1; p="), CLOCK);
        for (VerificationResult result : TestMessages.verify(revoked, message, 100)) {
            assertEquals(VerificationFailure.KEY_REVOKED, result.failure().orElseThrow());
        }
    }

    @Test
    void testModeKeysStillVerifyAndSaySo() {
        DkimVerifier testing = new DkimVerifier(new MapKeyLookup()
                .put("brisbane", "football.example.com", ED25519_RECORD + "; t=y")
                .put("test", "football.example.com", RSA_RECORD + "; t=y"), CLOCK);
        for (VerificationResult result : TestMessages.verify(testing, message, 100)) {
            assertTrue(result.passed());
            assertTrue(result.testing());
        }
    }

    static byte[] replace(byte[] message, String from, String to) {
        String text = new String(message, StandardCharsets.ISO_8859_1);
        assertTrue(text.contains(from), from);
        return text.replace(from, to).getBytes(StandardCharsets.ISO_8859_1);
    }
}
