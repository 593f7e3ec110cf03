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
     * @throws TagSyntaxException if an '=' is not followed by two hex digits, or a character is neither folding
     *     whitespace nor a dkim-safe-char (printable ASCII but ';' and '=')
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
                int hi = hexDigit(value.charAt(i + 1));
                int lo = hexDigit(value.charAt(i + 2));
                if (hi < 0 || lo < 0) {
                    throw new TagSyntaxException("bad quoted-printable escape in " + value);
                }
                out.write(hi << 4 | lo);
                i += 2;
            } else if (c < 0x21 || c > 0x7e || c == ';') {
                // written as one byte it would be silently changed (U+FFFD became 0xFD)
                throw new TagSyntaxException(String.format("character U+%04X not allowed in quoted-printable %s",
                        (int) c, value));
            } else {
                out.write(c);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** An ASCII hex digit's value (either case), or -1; {@link Character#digit} would take any script's digits. */
    private static int hexDigit(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    }
}
