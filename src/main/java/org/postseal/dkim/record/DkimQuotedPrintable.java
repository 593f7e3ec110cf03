package org.postseal.dkim.record;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** DKIM-Quoted-Printable (RFC 6376 §2.11), used by the {@code i=} and {@code z=} tags. */
public final class DkimQuotedPrintable {
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private DkimQuotedPrintable() {
    }

    /** Encodes text as UTF-8 bytes, escaping what may not appear literally (including ';', '=' and whitespace). */
    public static String encode(String text) {
        StringBuilder out = new StringBuilder();
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c >= 0x21 && c <= 0x7e && c != ';' && c != '=') {
                out.append((char) c);
            } else {
                out.append('=').append(HEX[c >> 4]).append(HEX[c & 0xf]);
            }
        }
        return out.toString();
    }

    /**
     * Decodes a value; folding whitespace is ignored.
     *
     * @throws TagSyntaxException if an '=' is not followed by two hex digits
     */
    public static String decode(String value) throws TagSyntaxException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(value.length());
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (TagList.isWhitespace(c)) {
                continue;
            }
            if (c == '=') {
                if (i + 2 >= value.length()) {
                    throw new TagSyntaxException("truncated quoted-printable escape in " + value);
                }
                int hi = Character.digit(value.charAt(i + 1), 16);
                int lo = Character.digit(value.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    throw new TagSyntaxException("bad quoted-printable escape in " + value);
                }
                out.write(hi << 4 | lo);
                i += 2;
            } else {
                out.write(c);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
