package org.postseal.policy;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The author address the signing decision is made for: the local part and the domain of the From header field, taken
 * as OpenDKIM's {@code dkim_mail_parse} takes them.
 *
 * <p>Comments and folding whitespace are skipped; display names, quoted strings and domain literals may hold any of
 * {@code <>@,;:}. An angle address wins ({@code "Doe, Jane" <jane@example.com>}, obsolete routes
 * {@code <@relay:jane@example.com>} included); otherwise the first bare address counts. When the field lists several
 * mailboxes, or groups, the first mailbox counts, as in OpenDKIM (RFC 5322 then wants a Sender field, which OpenDKIM
 * does not consult either). The local part is kept as written (quotes included); the domain is lower-cased.
 *
 * @param localPart the local part, as written
 * @param domain the domain, in ASCII lower case
 */
public record FromAddress(String localPart, String domain) {
    public FromAddress {
        Objects.requireNonNull(localPart, "localPart");
        Objects.requireNonNull(domain, "domain");
        if (localPart.isEmpty() || domain.isEmpty()) {
            throw new IllegalArgumentException("From address: " + localPart + "@" + domain
                    + " (expected: a local part and a domain)");
        }
        domain = NameSet.fold(domain);
    }

    /** The first mailbox of a From field's value, or empty if there is none (or the value is not well formed). */
    public static Optional<FromAddress> parse(String fieldValue) {
        List<Token> tokens = Tokenizer.tokens(fieldValue);
        if (tokens == null) {
            return Optional.empty();
        }
        int start = 0;
        boolean atSeen = false;
        for (int i = 0; i < tokens.size(); i++) {
            char type = tokens.get(i).type;
            if (type == '<') {
                return angle(tokens, i + 1);
            } else if (type == '@') {
                atSeen = true;
            } else if (type == ',' || type == ';' || type == ':') {
                if (atSeen) {
                    return bare(tokens.subList(start, i));
                }
                start = i + 1; // a group name, an empty list element, the end of a group
            }
        }
        return bare(tokens.subList(start, tokens.size()));
    }

    /**
     * {@code <[route:]local@domain>}: a comma or colon (route punctuation) starts the address over; a semicolon or a
     * second {@code <} makes it no address.
     */
    private static Optional<FromAddress> angle(List<Token> tokens, int from) {
        StringBuilder local = new StringBuilder();
        StringBuilder domain = null;
        for (int i = from; i < tokens.size(); i++) {
            Token token = tokens.get(i);
            if (token.type == '>') {
                break;
            } else if (token.type == '@') {
                domain = new StringBuilder();
            } else if (token.type == ',' || token.type == ':') {
                local.setLength(0);
                domain = null;
            } else if (token.type == ';' || token.type == '<') {
                return Optional.empty(); // no address holds one: which domain a reader shows is anyone's guess
            } else {
                (domain == null ? local : domain).append(token.text);
            }
        }
        return build(local, domain);
    }

    /** {@code local@domain} without angle brackets, display words before it joined by single spaces. */
    private static Optional<FromAddress> bare(List<Token> tokens) {
        StringBuilder local = new StringBuilder();
        StringBuilder domain = null;
        for (Token token : tokens) {
            if (token.type == '>' || token.type == '<') {
                return Optional.empty(); // a bracket that opens no address: which one a reader shows is a guess
            } else if (token.type == '@') {
                domain = new StringBuilder();
            } else if (domain != null) {
                domain.append(token.text);
            } else {
                if (local.length() > 0 && token.type == 'x' && token.spaceBefore) {
                    local.append(' ');
                }
                local.append(token.text);
            }
        }
        return build(local, domain);
    }

    private static Optional<FromAddress> build(StringBuilder local, StringBuilder domain) {
        if (local.length() == 0 || domain == null || domain.length() == 0) {
            return Optional.empty();
        }
        return Optional.of(new FromAddress(local.toString(), domain.toString()));
    }

    @Override
    public String toString() {
        return localPart + "@" + domain;
    }

    /** A token: an atom ({@code x}), a quoted string ({@code "}), a domain literal ({@code [}) or a special. */
    private static final class Token {
        final char type;
        final String text;
        final boolean spaceBefore;

        Token(char type, String text, boolean spaceBefore) {
            this.type = type;
            this.text = text;
            this.spaceBefore = spaceBefore;
        }
    }

    /** Splits a field value into tokens, skipping whitespace and (nested) comments; null if unbalanced. */
    private static final class Tokenizer {
        private static final String SPECIALS = "<>@,;:";

        static List<Token> tokens(String value) {
            List<Token> out = new ArrayList<>();
            int i = 0;
            int n = value.length();
            while (true) {
                boolean space = false;
                while (i < n) {
                    char c = value.charAt(i);
                    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
                        space = true;
                        i++;
                    } else if (c == '(') {
                        i = closing(value, i + 1, '(', ')');
                        if (i < 0) {
                            return null;
                        }
                    } else {
                        break;
                    }
                }
                if (i >= n) {
                    return out;
                }
                char c = value.charAt(i);
                if (c == '"' || c == '[') {
                    int end = closing(value, i + 1, '\0', c == '"' ? '"' : ']');
                    if (end < 0) {
                        return null;
                    }
                    out.add(new Token(c, value.substring(i, end), space));
                    i = end;
                } else if (SPECIALS.indexOf(c) >= 0) {
                    out.add(new Token(c, String.valueOf(c), space));
                    i++;
                } else {
                    int end = i;
                    while (end < n && SPECIALS.indexOf(value.charAt(end)) < 0 && "\"[( \t\r\n".indexOf(
                            value.charAt(end)) < 0) {
                        end++;
                    }
                    out.add(new Token('x', value.substring(i, end), space));
                    i = end;
                }
            }
        }

        /** The index just past the {@code close} that balances an already consumed opener; -1 if none. */
        private static int closing(String value, int from, char open, char close) {
            int depth = 1;
            for (int i = from; i < value.length(); i++) {
                char c = value.charAt(i);
                if (c == '\\') {
                    i++;
                } else if (c == close) {
                    if (--depth == 0) {
                        return i + 1;
                    }
                } else if (c == open) {
                    depth++;
                }
            }
            return -1;
        }
    }
}
