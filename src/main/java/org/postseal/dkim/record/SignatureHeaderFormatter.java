package org.postseal.dkim.record;

import java.util.List;
import java.util.Map;

/**
 * Writes a DKIM-Signature header field laid out as OpenDKIM 2.11 lays it out, so that an administrator moving from
 * OpenDKIM sees the same header: tags in the order given, separated by {@code "; "}, each tag moved whole to a new
 * line (CRLF, tab) when it would pass column {@value #MARGIN} (its closing semicolon may stand one column
 * further); a tag too long even for a line of its own ({@code h=}
 * lists, {@code b=}) continues on lines that start with a tab and a space, {@code h=} breaking after a colon.
 * {@code b=} always starts a line. Folding only adds whitespace where RFC 6376 allows it, and the signer hashes
 * exactly the bytes written here (with {@code b=} empty).
 */
public final class SignatureHeaderFormatter {
    /** The last column a line may reach, a tab counting as eight. */
    public static final int MARGIN = 75;
    private static final String FOLD = "\r\n\t";
    private static final String CONTINUE = "\r\n\t ";
    private static final int TAB = 8;
    private static final String NAME = "DKIM-Signature:";

    private SignatureHeaderFormatter() {
    }

    /**
     * The whole field up to and including {@code b=}, with an empty b= value: what is hashed when signing.
     *
     * @param tags the tags to write before b=, in order (b= must not be among them)
     */
    public static String unsigned(List<Map.Entry<String, String>> tags) {
        StringBuilder out = new StringBuilder(NAME);
        int column = NAME.length();
        for (Map.Entry<String, String> tag : tags) {
            String piece = tag.getKey() + "=" + tag.getValue() + ";";
            // OpenDKIM lets the separating semicolon pass the margin by one column
            if (column + piece.length() <= MARGIN) {
                out.append(' ').append(piece);
                column += 1 + piece.length();
                continue;
            }
            out.append(FOLD);
            column = TAB;
            if (column + piece.length() - 1 <= MARGIN) {
                out.append(piece);
                column += piece.length();
            } else {
                column = appendSplit(out, column, tag.getKey(), tag.getValue());
            }
        }
        out.append(FOLD).append("b=");
        return out.toString();
    }

    /** The whole field: {@code unsigned} followed by the base64 signature, continued on lines of its own. */
    public static String signed(String unsigned, String base64Signature) {
        StringBuilder out = new StringBuilder(unsigned.length() + base64Signature.length() * 11 / 10);
        out.append(unsigned);
        appendBroken(out, TAB + 2, base64Signature);
        return out.toString();
    }

    /** A tag too long for one line: h= breaks after colons, anything else anywhere. */
    private static int appendSplit(StringBuilder out, int column, String key, String value) {
        out.append(key).append('=');
        column += key.length() + 1;
        if (key.equals("h")) {
            String[] names = value.split(":", -1);
            for (int i = 0; i < names.length; i++) {
                String item = names[i] + (i + 1 < names.length ? ":" : ";");
                if (column + item.length() > MARGIN) {
                    out.append(CONTINUE);
                    column = TAB + 1;
                }
                out.append(item);
                column += item.length();
            }
            return column;
        }
        return appendBroken(out, column, value + ";");
    }

    /** Appends {@code text} up to the margin, then on continuation lines (tab, space), breaking anywhere. */
    private static int appendBroken(StringBuilder out, int column, String text) {
        int index = 0;
        while (index < text.length()) {
            if (column >= MARGIN) {
                out.append(CONTINUE);
                column = TAB + 1;
            }
            int take = Math.min(MARGIN - column, text.length() - index);
            out.append(text, index, index + take);
            column += take;
            index += take;
        }
        return column;
    }
}
