package org.postseal.milter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes the reading of incoming Authentication-Results fields (RFC 8601 §2.2), by which the milter finds the forged
 * fields claiming its authserv-id and removes them ({@link ForgedResults}), and the field it writes itself. On any
 * value: the authserv-id read is the same after leading white space and comments, and in any letter case; a token
 * read unquoted is read the same with a version, a {@code ;} or a result after it; the field postseal writes (with
 * any reason text in it) is a valid folded value whose authserv-id reads back as its own, so that a later postseal
 * would remove it as claiming that id; and {@link ForgedResults} marks exactly the fields that claim it, for removal
 * last first.
 */
@Timeout(10)
class AuthservIdFuzzTest {
    private static final String OURS = "mta.postseal.test";

    @FuzzTest(maxDuration = "30s")
    void authservId(byte[] input) {
        String value = new String(input, StandardCharsets.ISO_8859_1);
        Optional<String> id = AuthservId.of(value);
        id.ifPresent(found -> {
            assertFalse(found.isEmpty());
            // ASCII letters only: an authserv-id is compared as a domain is (a found "ß" upper-cases to "SS")
            assertTrue(AuthservId.claims(value, asciiUpperCase(found)), found);
            assertEquals(id, AuthservId.of(" \t(a comment (nested) \\) ) \r\n " + value));
            if (AuthservId.isToken(found) && value.strip().startsWith(found)) {
                String rest = value.strip().substring(found.length());
                if (rest.isEmpty() || !AuthservId.isTokenChar(rest.charAt(0))) {
                    assertEquals(id, AuthservId.of(found + " 1; dkim=pass"));
                }
            }
        });

        // the field postseal writes, whatever text its reason carries, claims exactly its own id
        String written = AuthenticationResultsField.unverified(OURS, value);
        checkFolded(written);
        assertEquals(Optional.of(OURS), AuthservId.of(written));
        ForgedResults forged = new ForgedResults(OURS);
        forged.field("Authentication-Results", value);
        forged.field("authentication-results", written);
        forged.field("X-Authentication-Results", written);
        int claims = AuthservId.claims(value, OURS) ? 1 : 0;
        assertEquals(claims + 1, forged.count());
        assertEquals(claims + 1, forged.removals().size());
    }

    /** Line breaks only as folds (CRLF then TAB), nothing but printable ASCII otherwise. */
    private static void checkFolded(String field) {
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\r') {
                assertTrue(i + 2 < field.length() && field.charAt(i + 1) == '\n' && field.charAt(i + 2) == '\t',
                        field);
                i += 2;
            } else {
                assertTrue(c >= ' ' && c < 0x7f, () -> String.format("0x%02x in %s", (int) c, field));
            }
        }
    }

    private static String asciiUpperCase(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            out.append(c >= 'a' && c <= 'z' ? (char) (c - 32) : c);
        }
        return out.toString();
    }
}
