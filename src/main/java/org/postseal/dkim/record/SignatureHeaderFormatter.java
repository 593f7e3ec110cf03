package org.postseal.dkim.record;

import java.util.List;
import java.util.Map;

/**
 * Writes a DKIM-Signature header field the way OpenDKIM lays it out: tags in the order given, separated by
 * {@code "; "}, folded with CRLF and a tab before the line would pass {@link #MARGIN} columns; long {@code h=} lists
 * fold at colons and base64 values anywhere. Folding only ever adds whitespace where RFC 6376 allows it, so it never
 * changes what a relaxed verifier sees, and the signer signs exactly the bytes written here.
 */
public final class SignatureHeaderFormatter {
    /** The column a folded line stays within. */
    public static final int MARGIN = 78;
    private static final String FOLD = "\r\n\t";
    private static final int TAB_WIDTH = 8;
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
            if (column + 1 + piece.length() > MARGIN) {
                out.append(FOLD);
                column = TAB_WIDTH;
            } else {
                out.append(' ');
                column++;
            }
            column = append(out, column, tag.getKey(), tag.getValue());
            out.append(';');
            column++;
        }
        out.append(FOLD).append("b=");
        return out.toString();
    }

    /** The whole field: {@code unsigned} followed by the base64 signature, folded. */
    public static String signed(String unsigned, String base64Signature) {
        StringBuilder out = new StringBuilder(unsigned);
        int column = TAB_WIDTH + 2;
        appendFolded(out, column, base64Signature);
        return out.toString();
    }

    private static int append(StringBuilder out, int column, String key, String value) {
        out.append(key).append('=');
        column += key.length() + 1;
        if (column + value.length() + 1 <= MARGIN) {
            out.append(value);
            return column + value.length();
        }
        if (key.equals("h") || key.equals("z")) {
            String separator = key.equals("h") ? ":" : "|";
            String[] parts = value.split(java.util.regex.Pattern.quote(separator), -1);
            for (int i = 0; i < parts.length; i++) {
                String part = (i == 0 ? "" : separator) + parts[i];
                if (i > 0 && column + part.length() + 1 > MARGIN) {
                    out.append(FOLD);
                    column = TAB_WIDTH;
                }
                out.append(part);
                column += part.length();
            }
            return column;
        }
        return appendFolded(out, column, value);
    }

    private static int appendFolded(StringBuilder out, int column, String value) {
        int index = 0;
        while (index < value.length()) {
            int room = MARGIN - column - 1;
            if (room <= 0) {
                out.append(FOLD);
                column = TAB_WIDTH;
                room = MARGIN - column - 1;
            }
            int take = Math.min(room, value.length() - index);
            out.append(value, index, index + take);
            column += take;
            index += take;
        }
        return column;
    }
}
