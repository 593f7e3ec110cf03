package org.postseal.keys;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * DKIM key records in DNS master-file ("zone file") syntax, RFC 1035 §5.1: the {@code selector.txt} file that
 * {@code opendkim-genkey} writes, and files gathering several of them.
 *
 * <p>{@link #format} writes opendkim-genkey's layout byte for byte, so that people and scripts used to its output
 * find the same text:
 *
 * <pre>{@code
 * sel._domainkey	IN	TXT	( "v=DKIM1; h=sha256; k=rsa; "
 * 	  "p=MIIBIjANBgkqh...(250 characters of key)..."
 * 	  "...the rest, 250 characters a string..." )  ; ----- DKIM key sel for example.com
 * }</pre>
 *
 * <p>{@link #parse} reads that and more of the master-file syntax: owners relative ({@code sel._domainkey}) or
 * absolute ({@code sel._domainkey.example.com.}), an optional TTL and class in either order, parentheses across
 * lines, several strings (quoted or not) concatenated into one value (RFC 6376 §3.6.2.2), {@code ;} comments,
 * backslash escapes ({@code \"}, {@code \\}, {@code \DDD}), {@code $ORIGIN} (which makes later relative owners
 * absolute) and {@code $TTL}. Records of other types are skipped. Every record must name its owner at the start of
 * its line; a record that starts with a blank (inheriting the previous owner) is refused.
 */
public final class ZoneFileTxt {
    /** The longest string one TXT record string can hold (RFC 1035 §3.3). */
    public static final int MAX_STRING_LENGTH = 255;
    /** opendkim-genkey's piece of key per string. */
    private static final int KEY_CHUNK = 250;

    private ZoneFileTxt() {
    }

    /**
     * One TXT record read from a zone file.
     *
     * @param owner the owner name as written, or made absolute by a {@code $ORIGIN} before it
     * @param value the record's strings concatenated
     * @param line the line (from 1) the record starts on
     */
    public record Entry(String owner, String value, int line) {
        public Entry {
            Objects.requireNonNull(owner, "owner");
            Objects.requireNonNull(value, "value");
            if (owner.isEmpty()) {
                throw new IllegalArgumentException("owner: empty");
            }
            if (line < 1) {
                throw new IllegalArgumentException("line: " + line + " (expected: at least 1)");
            }
        }

        /** Whether the owner ends with a dot, so does not depend on the zone it sits in. */
        public boolean isAbsolute() {
            return owner.endsWith(".");
        }

        /**
         * Whether this is the record a verifier would find for {@code s=selector} and {@code d=domain}. A relative
         * owner is taken relative to {@code domain}, so it must be {@code selector._domainkey}; an absolute one must
         * be {@code selector._domainkey.domain.}. Letter case is ignored, as in DNS.
         */
        public boolean answers(String selector, String domain) {
            Objects.requireNonNull(selector, "selector");
            Objects.requireNonNull(domain, "domain");
            String name = selector + "._domainkey";
            if (!isAbsolute()) {
                return asciiEqualsIgnoreCase(owner, name);
            }
            String zone = domain.endsWith(".") ? domain : domain + ".";
            return asciiEqualsIgnoreCase(owner, name + "." + zone);
        }
    }

    /** The record for a key in opendkim-genkey's layout; see {@link #format(String, String, String)}. */
    public static String format(String selector, String domain, KeyRecordText record) {
        return format(selector, domain, record.value());
    }

    /**
     * A record in opendkim-genkey's layout: owner {@code selector._domainkey} (relative, so the file can be included
     * in the zone of {@code domain}), the tags before {@code p=} in one string, then {@code p=} and 250 characters of
     * key, then strings of 250 characters, and a comment naming the selector and domain. A value without {@code p=}
     * is cut into strings of {@value #MAX_STRING_LENGTH}. Ends with a line break.
     *
     * @param domain only used in the comment; empty for no comment
     * @throws IllegalArgumentException if the selector is empty or holds blanks, or the value holds a character
     *     beyond U+00FF
     */
    public static String format(String selector, String domain, String recordValue) {
        Objects.requireNonNull(selector, "selector");
        Objects.requireNonNull(domain, "domain");
        Objects.requireNonNull(recordValue, "recordValue");
        if (selector.isEmpty() || selector.chars().anyMatch(c -> c <= ' ' || c == ';' || c == '"')) {
            throw new IllegalArgumentException("selector: \"" + selector + "\" (expected: a DNS label sequence)");
        }
        List<String> strings = strings(recordValue);
        StringBuilder out = new StringBuilder();
        out.append(selector).append("._domainkey\tIN\tTXT\t( ").append(quote(strings.get(0)));
        for (int i = 1; i < strings.size(); i++) {
            out.append("\n\t  ").append(quote(strings.get(i)));
        }
        out.append(" ) ");
        if (!domain.isEmpty()) {
            out.append(" ; ----- DKIM key ").append(selector).append(" for ").append(domain);
        }
        return out.append('\n').toString();
    }

    /**
     * The TXT records in a zone-file text, in order.
     *
     * @throws ZoneFileException if the text breaks the syntax: a record without an owner or type, unbalanced
     *     parentheses or quotes, a bad escape, a string longer than {@value #MAX_STRING_LENGTH} characters, an
     *     unsupported directive
     */
    public static List<Entry> parse(String text) throws ZoneFileException {
        Objects.requireNonNull(text, "text");
        Lexer lexer = new Lexer(text);
        List<Entry> entries = new ArrayList<>();
        String origin = null;
        for (List<Token> tokens = lexer.nextRecord(); tokens != null; tokens = lexer.nextRecord()) {
            Token first = tokens.get(0);
            if (!first.quoted() && first.text().startsWith("$")) {
                origin = directive(tokens, origin);
                continue;
            }
            if (first.quoted() || !first.atLineStart()) {
                throw new ZoneFileException(first.line(), "the record does not start with an owner name");
            }
            int index = 1;
            while (index < tokens.size() && !tokens.get(index).quoted()
                    && (isTtl(tokens.get(index).text()) || isClass(tokens.get(index).text()))) {
                index++;
            }
            if (index >= tokens.size() || tokens.get(index).quoted()) {
                throw new ZoneFileException(first.line(), "no record type after \"" + first.text() + "\"");
            }
            if (!tokens.get(index).text().equalsIgnoreCase("TXT")) {
                continue;
            }
            List<Token> strings = tokens.subList(index + 1, tokens.size());
            if (strings.isEmpty()) {
                throw new ZoneFileException(first.line(), "the TXT record of \"" + first.text() + "\" has no text");
            }
            StringBuilder value = new StringBuilder();
            for (Token string : strings) {
                if (string.text().length() > MAX_STRING_LENGTH) {
                    throw new ZoneFileException(string.line(), "a string of " + string.text().length()
                            + " characters is longer than " + MAX_STRING_LENGTH);
                }
                value.append(string.text());
            }
            entries.add(new Entry(absolute(first.text(), origin), value.toString(), first.line()));
        }
        return List.copyOf(entries);
    }

    /** Handles {@code $ORIGIN} and {@code $TTL}; returns the origin in force after it. */
    private static String directive(List<Token> tokens, String origin) throws ZoneFileException {
        Token first = tokens.get(0);
        String name = first.text().toUpperCase(Locale.ROOT);
        if (name.equals("$ORIGIN")) {
            if (tokens.size() != 2 || !tokens.get(1).text().endsWith(".")) {
                throw new ZoneFileException(first.line(), "$ORIGIN needs one absolute name (ending with a dot)");
            }
            return tokens.get(1).text();
        }
        if (name.equals("$TTL")) {
            if (tokens.size() != 2 || !isTtl(tokens.get(1).text())) {
                throw new ZoneFileException(first.line(), "$TTL needs one time value");
            }
            return origin;
        }
        throw new ZoneFileException(first.line(), first.text() + " is not supported");
    }

    private static String absolute(String owner, String origin) {
        if (origin == null || owner.endsWith(".")) {
            return owner;
        }
        return owner.equals("@") ? origin : owner + "." + origin;
    }

    private static boolean isTtl(String token) {
        return token.matches("[0-9]+([smhdwSMHDW]([0-9]+[smhdwSMHDW])*)?");
    }

    private static boolean isClass(String token) {
        return token.equalsIgnoreCase("IN") || token.equalsIgnoreCase("CH") || token.equalsIgnoreCase("HS")
                || token.equalsIgnoreCase("CS");
    }

    /** The value cut into strings as opendkim-genkey cuts it. */
    private static List<String> strings(String value) {
        List<String> out = new ArrayList<>();
        int keyStart = pTagStart(value);
        if (keyStart < 0) {
            addChunks(out, value, MAX_STRING_LENGTH);
        } else {
            addChunks(out, value.substring(0, keyStart), MAX_STRING_LENGTH);
            String key = value.substring(keyStart);
            int firstEnd = Math.min(key.length(), "p=".length() + KEY_CHUNK);
            out.add(key.substring(0, firstEnd));
            addChunks(out, key.substring(firstEnd), KEY_CHUNK);
        }
        if (out.isEmpty()) {
            out.add("");
        }
        return out;
    }

    private static void addChunks(List<String> out, String text, int size) {
        for (int start = 0; start < text.length(); start += size) {
            out.add(text.substring(start, Math.min(text.length(), start + size)));
        }
    }

    /** Where the {@code p=} tag starts in a tag list, or -1. */
    private static int pTagStart(String value) {
        int position = 0;
        while (true) {
            while (position < value.length() && isBlank(value.charAt(position))) {
                position++;
            }
            int afterName = position + 1;
            while (afterName < value.length() && isBlank(value.charAt(afterName))) {
                afterName++;
            }
            if (value.startsWith("p", position) && value.startsWith("=", afterName)) {
                return position;
            }
            int semicolon = value.indexOf(';', position);
            if (semicolon < 0) {
                return -1;
            }
            position = semicolon + 1;
        }
    }

    private static boolean isBlank(char c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n';
    }

    private static String quote(String string) {
        StringBuilder out = new StringBuilder(string.length() + 2).append('"');
        for (int i = 0; i < string.length(); i++) {
            char c = string.charAt(i);
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c >= 0x20 && c <= 0x7e) {
                out.append(c);
            } else if (c <= 0xff) {
                out.append('\\').append(String.format("%03d", (int) c));
            } else {
                throw new IllegalArgumentException("recordValue: character U+" + String.format("%04X", (int) c)
                        + " cannot go in a TXT record string (expected: at most U+00FF)");
            }
        }
        return out.append('"').toString();
    }

    private static boolean asciiEqualsIgnoreCase(String a, String b) {
        if (a.length() != b.length()) {
            return false;
        }
        for (int i = 0; i < a.length(); i++) {
            if (asciiLower(a.charAt(i)) != asciiLower(b.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    private static char asciiLower(char c) {
        return c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c;
    }

    /**
     * A word or string of a record.
     *
     * @param atLineStart whether it starts in the first column, where only an owner name (or directive) may start
     */
    private record Token(String text, boolean quoted, int line, boolean atLineStart) {
    }

    /** Splits the text into records (a line, or more inside parentheses) of tokens. */
    private static final class Lexer {
        private final String text;
        private int position;
        private int line = 1;

        Lexer(String text) {
            this.text = text;
        }

        /** The tokens of the next record, or null at the end of the text. */
        List<Token> nextRecord() throws ZoneFileException {
            List<Token> tokens = new ArrayList<>();
            int openedOn = 0;
            while (position < text.length()) {
                char c = text.charAt(position);
                boolean atLineStart = position == 0 || text.charAt(position - 1) == '\n';
                switch (c) {
                    case '\n':
                        position++;
                        line++;
                        if (openedOn == 0 && !tokens.isEmpty()) {
                            return tokens;
                        }
                        break;
                    case ' ':
                    case '\t':
                    case '\r':
                        position++;
                        break;
                    case ';':
                        while (position < text.length() && text.charAt(position) != '\n') {
                            position++;
                        }
                        break;
                    case '(':
                        if (openedOn != 0) {
                            throw new ZoneFileException(line, "'(' inside parentheses opened on line " + openedOn);
                        }
                        openedOn = line;
                        position++;
                        break;
                    case ')':
                        if (openedOn == 0) {
                            throw new ZoneFileException(line, "')' without '('");
                        }
                        openedOn = 0;
                        position++;
                        break;
                    case '"':
                        tokens.add(quoted(atLineStart));
                        break;
                    default:
                        tokens.add(word(atLineStart));
                        break;
                }
            }
            if (openedOn != 0) {
                throw new ZoneFileException(openedOn, "'(' is never closed");
            }
            return tokens.isEmpty() ? null : tokens;
        }

        private Token quoted(boolean atLineStart) throws ZoneFileException {
            int startLine = line;
            position++; // the opening quote
            StringBuilder out = new StringBuilder();
            while (true) {
                if (position >= text.length() || text.charAt(position) == '\n') {
                    throw new ZoneFileException(startLine, "a quoted string is not closed on its line");
                }
                char c = text.charAt(position);
                if (c == '"') {
                    position++;
                    return new Token(out.toString(), true, startLine, atLineStart);
                }
                if (c == '\\') {
                    escape(out);
                } else {
                    out.append(c);
                    position++;
                }
            }
        }

        private Token word(boolean atLineStart) throws ZoneFileException {
            StringBuilder out = new StringBuilder();
            while (position < text.length() && " \t\r\n;()\"".indexOf(text.charAt(position)) < 0) {
                if (text.charAt(position) == '\\') {
                    escape(out);
                } else {
                    out.append(text.charAt(position++));
                }
            }
            return new Token(out.toString(), false, line, atLineStart);
        }

        /** At a backslash: appends {@code \X} as X and {@code \DDD} as the character numbered DDD. */
        private void escape(StringBuilder out) throws ZoneFileException {
            position++;
            if (position >= text.length() || text.charAt(position) == '\n') {
                throw new ZoneFileException(line, "a backslash at the end of a line");
            }
            char c = text.charAt(position);
            if (c < '0' || c > '9') {
                out.append(c);
                position++;
                return;
            }
            if (position + 3 > text.length() || !text.substring(position, position + 3).matches("[0-9]{3}")) {
                throw new ZoneFileException(line, "a \\DDD escape needs three digits");
            }
            int value = Integer.parseInt(text.substring(position, position + 3));
            if (value > 0xff) {
                throw new ZoneFileException(line, "\\" + text.substring(position, position + 3)
                        + " is more than 255");
            }
            out.append((char) value);
            position += 3;
        }
    }
}
