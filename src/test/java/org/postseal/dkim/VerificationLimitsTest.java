package org.postseal.dkim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link VerificationLimits} at the bound and one past it, on the engine: the milter's defaults
 * ({@code maximum-signatures-to-verify} 3, {@code max-signature-field} 8 KiB) with a message postseal signed.
 */
class VerificationLimitsTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-22T10:00:00Z"), ZoneOffset.UTC);
    private static final VerificationLimits MILTER_DEFAULTS = new VerificationLimits(3, 8192);
    private static final String MESSAGE = "From: Joe <joe@example.com>\nTo: suzie@example.net\nSubject: s\n\nHi.\n";
    private static SigningKey key;
    private static MapKeyLookup keys;

    @BeforeAll
    static void keys() throws Exception {
        key = TestMessages.ed25519Key();
        keys = new MapKeyLookup();
        for (int i = 0; i < 4; i++) {
            keys.put("s" + i, "example.com", "v=DKIM1; k=ed25519; p=" + PublicKeyCodec.encode(key.publicKey()));
        }
    }

    private static byte[] signed(int signatures) throws Exception {
        List<SignatureSpec> specs = new ArrayList<>();
        for (int i = 0; i < signatures; i++) {
            specs.add(SignatureSpec.builder("example.com", "s" + i, key).build());
        }
        return TestMessages.sign(new DkimSigner(CLOCK), specs, TestMessages.crlf(MESSAGE));
    }

    private static List<VerificationResult> verify(byte[] message) {
        return TestMessages.verify(new DkimVerifier(keys, CLOCK, DkimVerifier.DEFAULT_ALLOWED_CLOCK_SKEW,
                DkimVerifier.MINIMUM_RSA_BITS, MILTER_DEFAULTS), message, 64);
    }

    @Test
    void threeSignaturesAreExaminedAndOfFourTheFourthIsNot() throws Exception {
        List<VerificationResult> three = verify(signed(3));
        assertEquals(3, three.size());
        assertTrue(three.stream().allMatch(r -> r.result() == AuthResult.PASS), three.toString());
        List<VerificationResult> four = verify(signed(4));
        assertEquals(3, four.size(), "the fourth is neither examined nor reported");
        assertEquals(List.of("s0", "s1", "s2"), four.stream().map(VerificationResult::selector).toList());
        VerificationSession session = new DkimVerifier(keys, CLOCK, DkimVerifier.DEFAULT_ALLOWED_CLOCK_SKEW,
                DkimVerifier.MINIMUM_RSA_BITS, MILTER_DEFAULTS).newSession();
        TestMessages.fields(signed(4)).forEach(session::header);
        session.endOfHeader();
        assertEquals(1, session.notExamined(), "and counted, for the log line");
    }

    @Test
    void aSignatureFieldOf8192BytesIsParsedAndOneByteMoreIsNeutral() throws Exception {
        byte[] message = signed(1);
        int length = TestMessages.fields(message).get(0).rawValue().length;
        List<VerificationResult> atBound = verify(padded(message, 8192 - length));
        assertEquals(8192, TestMessages.fields(padded(message, 8192 - length)).get(0).rawValue().length);
        assertEquals(AuthResult.PASS, atBound.get(0).result(), atBound.get(0).describe());
        List<VerificationResult> past = verify(padded(message, 8192 - length + 1));
        assertEquals(AuthResult.NEUTRAL, past.get(0).result(), past.get(0).describe());
        assertEquals(VerificationFailure.SIGNATURE_TOO_LARGE, past.get(0).failure().orElseThrow());
        assertTrue(past.get(0).describe().contains("8193 bytes (limit 8192)"), past.get(0).describe());
    }

    /** The message with {@code spaces} spaces after {@code b=} (folding white space the grammar allows there). */
    private static byte[] padded(byte[] message, int spaces) {
        String text = new String(message, StandardCharsets.ISO_8859_1);
        Matcher tag = Pattern.compile("[\\s;]b=").matcher(text);
        assertTrue(tag.find(), text);
        int b = tag.end();
        return (text.substring(0, b) + " ".repeat(spaces) + text.substring(b)).getBytes(StandardCharsets.ISO_8859_1);
    }
}
