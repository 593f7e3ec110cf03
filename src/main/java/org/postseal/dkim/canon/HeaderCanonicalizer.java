package org.postseal.dkim.canon;

import java.io.ByteArrayOutputStream;

/**
 * Header field canonicalization, RFC 6376 §3.4.1 and §3.4.2. Input is one whole header field as it travels
 * ({@code Name: value}, continuation lines joined by CRLF, no final CRLF); output is its canonical form followed by
 * CRLF.
 */
public final class HeaderCanonicalizer {
    private HeaderCanonicalizer() {
    }

    /** "simple": the field unchanged, plus CRLF. */
    public static byte[] simple(byte[] field) {
        byte[] out = new byte[field.length + 2];
        System.arraycopy(field, 0, out, 0, field.length);
        out[field.length] = '\r';
        out[field.length + 1] = '\n';
        return out;
    }

    /**
     * "relaxed": the name lower-cased, the value unfolded, runs of whitespace made one space, whitespace around the
     * colon and at the end of the value removed, plus CRLF.
     *
     * @throws IllegalArgumentException if the field has no colon
     */
    public static byte[] relaxed(byte[] field) {
        int colon = indexOfColon(field);
        ByteArrayOutputStream out = new ByteArrayOutputStream(field.length + 2);
        int nameEnd = colon;
        while (nameEnd > 0 && isWhitespace(field[nameEnd - 1])) {
            nameEnd--;
        }
        for (int i = 0; i < nameEnd; i++) {
            byte b = field[i];
            out.write(b >= 'A' && b <= 'Z' ? b + ('a' - 'A') : b);
        }
        out.write(':');
        boolean pendingSpace = false;
        boolean started = false;
        for (int i = colon + 1; i < field.length; i++) {
            byte b = field[i];
            if (b == '\r' || b == '\n') {
                continue;
            }
            if (isWhitespace(b)) {
                pendingSpace = started;
                continue;
            }
            if (pendingSpace) {
                out.write(' ');
                pendingSpace = false;
            }
            out.write(b);
            started = true;
        }
        out.write('\r');
        out.write('\n');
        return out.toByteArray();
    }

    private static int indexOfColon(byte[] field) {
        for (int i = 0; i < field.length; i++) {
            if (field[i] == ':') {
                return i;
            }
        }
        throw new IllegalArgumentException("header field has no colon");
    }

    private static boolean isWhitespace(byte b) {
        return b == ' ' || b == '\t';
    }
}
