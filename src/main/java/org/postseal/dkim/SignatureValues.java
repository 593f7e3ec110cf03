package org.postseal.dkim;

import java.io.ByteArrayOutputStream;
import org.postseal.message.HeaderField;

/**
 * Empties the {@code b=} value of a DKIM-Signature field, byte for byte, as RFC 6376 §3.7 requires before the field
 * is hashed: the value and all whitespace around it go, everything else (including folding elsewhere) stays.
 */
final class SignatureValues {
    private SignatureValues() {
    }

    static HeaderField withoutSignature(HeaderField field) {
        byte[] raw = field.raw();
        int colon = field.name().length();
        while (raw[colon] != ':') {
            colon++;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length);
        out.write(raw, 0, colon + 1);
        int specStart = colon + 1;
        while (specStart <= raw.length) {
            int semicolon = indexOf(raw, (byte) ';', specStart);
            int specEnd = semicolon < 0 ? raw.length : semicolon;
            int equals = indexOf(raw, (byte) '=', specStart);
            if (equals >= 0 && equals < specEnd && isTag(raw, specStart, equals, 'b')) {
                out.write(raw, specStart, equals + 1 - specStart);
            } else {
                out.write(raw, specStart, specEnd - specStart);
            }
            if (semicolon < 0) {
                break;
            }
            out.write(';');
            specStart = semicolon + 1;
        }
        return HeaderField.of(out.toByteArray());
    }

    private static boolean isTag(byte[] raw, int from, int to, char name) {
        int begin = from;
        int end = to;
        while (begin < end && isWhitespace(raw[begin])) {
            begin++;
        }
        while (end > begin && isWhitespace(raw[end - 1])) {
            end--;
        }
        return end - begin == 1 && raw[begin] == name;
    }

    private static boolean isWhitespace(byte b) {
        return b == ' ' || b == '\t' || b == '\r' || b == '\n';
    }

    private static int indexOf(byte[] raw, byte b, int from) {
        for (int i = from; i < raw.length; i++) {
            if (raw[i] == b) {
                return i;
            }
        }
        return -1;
    }
}
