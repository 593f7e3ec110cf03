package org.postseal.logging;

/**
 * Makes text that came from outside (a client's header line, an address, a macro, a remote server's reply) safe to
 * put in a log line: one log line stays one line, and no terminal escape or invisible character reaches the log. Line
 * breaks and tabs become {@code \r}, {@code \n}, {@code \t}; other control characters (C0, DEL, C1) become
 * {@code \xNN}; invisible format characters (bidirectional overrides, zero-width characters) and the Unicode line and
 * paragraph separators become {@code \x{NNNN}}. The result is printable, so escaping twice changes nothing (text
 * escaped where it was quoted into an error message can be logged through this again).
 */
public final class LogText {
    private LogText() {
    }

    /** {@code text} escaped for a log line; "null" for null. */
    public static String escape(CharSequence text) {
        if (text == null) {
            return "null";
        }
        if (isClean(text)) {
            return text.toString();
        }
        StringBuilder out = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '\r' -> out.append("\\r");
                case '\n' -> out.append("\\n");
                case '\t' -> out.append("\\t");
                default -> {
                    if (Character.isISOControl(c)) {
                        out.append(String.format("\\x%02x", (int) c));
                    } else if (isInvisible(c)) {
                        out.append(String.format("\\x{%04x}", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.toString();
    }

    /** Bytes from outside, read as ISO-8859-1 (every byte one character), escaped. */
    public static String escape(byte[] bytes, int from, int to) {
        return escape(new String(bytes, from, to - from, java.nio.charset.StandardCharsets.ISO_8859_1));
    }

    private static boolean isClean(CharSequence text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c >= 0x7f && (Character.isISOControl(c) || isInvisible(c))) {
                return false;
            }
        }
        return true;
    }

    private static boolean isInvisible(char c) {
        int type = Character.getType(c);
        return type == Character.FORMAT || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR;
    }
}
