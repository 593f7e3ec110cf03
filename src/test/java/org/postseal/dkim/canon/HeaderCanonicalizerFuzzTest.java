package org.postseal.dkim.canon;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import org.junit.jupiter.api.Timeout;
import org.postseal.fuzz.FuzzSupport;

/**
 * Fuzzes header field canonicalization (RFC 6376 §3.4.1, §3.4.2) on any field: "simple" is the field and CRLF;
 * "relaxed" is refused only for a field without a colon, ends with one CRLF and holds no other line break, no run of
 * whitespace and no whitespace around the colon or at the end; it is idempotent; its name is the field's name in
 * lower case; and for a field whose only line breaks are folds (CRLF followed by SP or HTAB) in its value, it equals
 * a plain reading of §3.4.2.
 */
@Timeout(10)
class HeaderCanonicalizerFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void field(byte[] field) {
        byte[] simple = HeaderCanonicalizer.simple(field);
        assertArrayEquals(field, Arrays.copyOf(simple, field.length));
        assertEquals(field.length + 2, simple.length);

        int colon = indexOf(field, (byte) ':');
        byte[] relaxed;
        try {
            relaxed = HeaderCanonicalizer.relaxed(field);
        } catch (IllegalArgumentException e) {
            FuzzSupport.explained(e);
            assertEquals(-1, colon, "refused a field with a colon");
            return;
        }
        assertTrue(colon >= 0, "accepted a field without a colon");
        assertTrue(relaxed.length >= 3 && relaxed[relaxed.length - 2] == '\r' && relaxed[relaxed.length - 1] == '\n');
        byte[] line = Arrays.copyOf(relaxed, relaxed.length - 2);
        int outColon = indexOf(line, (byte) ':');
        for (int i = outColon + 1; i < line.length; i++) {
            assertFalse(line[i] == '\r' || line[i] == '\n' || line[i] == '\t', "line break or tab in the value");
            assertFalse(line[i] == ' ' && (i == outColon + 1 || i == line.length - 1 || line[i + 1] == ' '),
                    "whitespace at the ends of the value or doubled");
        }
        assertFalse(outColon > 0 && (line[outColon - 1] == ' ' || line[outColon - 1] == '\t'),
                "whitespace before the colon");
        for (int i = 0; i < outColon; i++) {
            assertFalse(line[i] >= 'A' && line[i] <= 'Z', "upper case in the name");
        }
        assertArrayEquals(relaxed, HeaderCanonicalizer.relaxed(line), "canonicalized twice");
        if (onlyFolds(field, colon)) {
            assertArrayEquals(reference(field, colon), relaxed, "against RFC 6376 §3.4.2");
        }
    }

    /** §3.4.2 step by step: lower-case name, unfold, compress WSP, trim WSP at the end and around the colon. */
    private static byte[] reference(byte[] field, int colon) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int nameEnd = colon;
        while (nameEnd > 0 && (field[nameEnd - 1] == ' ' || field[nameEnd - 1] == '\t')) {
            nameEnd--;
        }
        for (int i = 0; i < nameEnd; i++) {
            byte b = field[i];
            out.write(b >= 'A' && b <= 'Z' ? b + 32 : b);
        }
        out.write(':');
        ByteArrayOutputStream unfolded = new ByteArrayOutputStream();
        for (int i = colon + 1; i < field.length; i++) {
            if (field[i] == '\r' && i + 1 < field.length && field[i + 1] == '\n') {
                i++;
                continue;
            }
            unfolded.write(field[i]);
        }
        String value = new String(unfolded.toByteArray(), java.nio.charset.StandardCharsets.ISO_8859_1)
                .replaceAll("[ \t]+", " ").replaceAll("^ | \\z", ""); // \z, not $: $ also matches before a last NEL
        out.writeBytes(value.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        out.write('\r');
        out.write('\n');
        return out.toByteArray();
    }

    /** Whether every CR and LF after the colon is part of a fold: CRLF followed by SP or HTAB. */
    private static boolean onlyFolds(byte[] field, int colon) {
        for (int i = 0; i < colon; i++) {
            if (field[i] == '\r' || field[i] == '\n') {
                return false; // a name is one token (RFC 5322 §2.2); the reference reads only the value's folds
            }
        }
        for (int i = colon + 1; i < field.length; i++) {
            if (field[i] == '\r') {
                if (i + 2 >= field.length || field[i + 1] != '\n' || (field[i + 2] != ' ' && field[i + 2] != '\t')) {
                    return false;
                }
                i++;
            } else if (field[i] == '\n') {
                return false;
            }
        }
        return true;
    }

    private static int indexOf(byte[] bytes, byte b) {
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == b) {
                return i;
            }
        }
        return -1;
    }
}
