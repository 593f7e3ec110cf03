package org.postseal.milter;

import java.util.Locale;
import java.util.Optional;

/**
 * The authserv-id of an Authentication-Results field (RFC 8601 §2.2): the token or quoted-string after optional CFWS,
 * before the optional version and the first {@code ;}. Read leniently (the {@code ;} is not required), so that a
 * malformed field that claims an id is still recognised as claiming it; compared ignoring case, as host names are.
 */
final class AuthservId {
    /** RFC 2045 tspecials: the characters a token cannot hold. */
    private static final String TSPECIALS = "()<>@,;:\\\"/[]?=";

    private AuthservId() {
    }

    /** The authserv-id the field value claims, or empty if it names none. */
    static Optional<String> of(String fieldValue) {
        int at = skipCfws(fieldValue, 0);
        if (at < 0 || at >= fieldValue.length()) {
            return Optional.empty();
        }
        StringBuilder id = new StringBuilder();
        if (fieldValue.charAt(at) == '"') {
            for (at++; at < fieldValue.length() && fieldValue.charAt(at) != '"'; at++) {
                char c = fieldValue.charAt(at);
                if (c == '\\' && at + 1 < fieldValue.length()) {
                    c = fieldValue.charAt(++at);
                }
                if (c != '\r' && c != '\n') {
                    id.append(c);
                }
            }
            if (at >= fieldValue.length()) {
                return Optional.empty(); // unterminated quoted-string
            }
        } else {
            for (; at < fieldValue.length() && isTokenChar(fieldValue.charAt(at)); at++) {
                id.append(fieldValue.charAt(at));
            }
        }
        return id.length() == 0 ? Optional.empty() : Optional.of(id.toString());
    }

    /** Whether the field value claims {@code id} as its authserv-id. */
    static boolean claims(String fieldValue, String id) {
        return of(fieldValue).map(v -> v.toLowerCase(Locale.ROOT).equals(id.toLowerCase(Locale.ROOT)))
                .orElse(false);
    }

    /** Whether {@code text} can stand as an authserv-id token, unquoted. */
    static boolean isToken(String text) {
        return !text.isEmpty() && text.chars().allMatch(c -> isTokenChar((char) c));
    }

    static boolean isTokenChar(char c) {
        return c > ' ' && c < 0x7f && TSPECIALS.indexOf(c) < 0;
    }

    /** Skips white space, folds and (nested) comments; returns the index after them, or -1 in an open comment. */
    private static int skipCfws(String s, int from) {
        int at = from;
        int depth = 0;
        while (at < s.length()) {
            char c = s.charAt(at);
            if (depth > 0 && c == '\\') {
                at += 2;
                continue;
            }
            if (c == '(') {
                depth++;
            } else if (c == ')' && depth > 0) {
                depth--;
            } else if (depth == 0 && c != ' ' && c != '\t' && c != '\r' && c != '\n') {
                return at;
            }
            at++;
        }
        return depth == 0 ? at : -1;
    }
}
