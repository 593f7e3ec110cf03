package org.postseal.dkim.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Timeout;
import org.postseal.fuzz.FuzzSupport;

/**
 * Fuzzes DKIM-Quoted-Printable (RFC 6376 §2.11, the {@code i=} and {@code z=} values): any text encodes to
 * dkim-safe characters and hex escapes only and decodes back to itself; a value either decodes, and then survives
 * encoding and decoding again unchanged, or is refused with a {@link TagSyntaxException} naming the problem; and
 * whatever is not dkim-quoted-printable (a character outside the grammar, a bad escape) is refused, never silently
 * changed.
 */
@Timeout(10)
class DkimQuotedPrintableFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void decode(byte[] input) {
        String text = new String(input, StandardCharsets.UTF_8);
        String encoded = DkimQuotedPrintable.encode(text);
        assertTrue(encoded.chars().allMatch(c -> c >= 0x21 && c <= 0x7e && c != ';'), encoded);
        assertEquals(text, decodes(encoded), "encoded: " + encoded);

        String decoded;
        try {
            decoded = DkimQuotedPrintable.decode(text);
        } catch (TagSyntaxException e) {
            FuzzSupport.explained(e);
            return;
        }
        assertTrue(isQuotedPrintable(text), () -> "decoded what is not dkim-quoted-printable: " + text);
        assertEquals(decoded, decodes(DkimQuotedPrintable.encode(decoded)));
    }

    private static String decodes(String value) {
        try {
            return DkimQuotedPrintable.decode(value);
        } catch (TagSyntaxException e) {
            throw new AssertionError("refused its own encoding: " + e.getMessage(), e);
        }
    }

    /** {@code *(FWS / hex-octet / dkim-safe-char)}, hex digits in either case; FWS as TagList allows it. */
    private static boolean isQuotedPrintable(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
                continue;
            }
            if (c == '=') {
                if (i + 2 >= value.length() || !isHex(value.charAt(i + 1)) || !isHex(value.charAt(i + 2))) {
                    return false;
                }
                i += 2;
            } else if (c < 0x21 || c > 0x7e || c == ';') {
                return false;
            }
        }
        return true;
    }

    private static boolean isHex(char c) {
        return c >= '0' && c <= '9' || c >= 'A' && c <= 'F' || c >= 'a' && c <= 'f';
    }
}
