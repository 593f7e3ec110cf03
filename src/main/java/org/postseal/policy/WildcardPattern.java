package org.postseal.policy;

import java.util.Objects;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * One pattern of an OpenDKIM {@code refile:} data set, matched as OpenDKIM matches it: against the whole string,
 * ignoring case, with {@code *} standing for any run of characters and {@code .} and {@code +} taken literally.
 *
 * <p>OpenDKIM turns the pattern into a POSIX extended regular expression by exactly those three rules and passes
 * every other character through, so {@code ?}, {@code [...]}, {@code (a|b)} and friends act as regular-expression
 * operators there. They do here too (through {@link java.util.regex}); {@link #operators()} names them so that the
 * configuration reader can warn about them.
 */
public final class WildcardPattern {
    private static final String OPERATORS = "?[](){}|^$\\";

    private final String text;
    private final Pattern regex;

    private WildcardPattern(String text, Pattern regex) {
        this.text = text;
        this.regex = regex;
    }

    /**
     * Compiles a pattern.
     *
     * @throws IllegalArgumentException naming the pattern if it is empty or is not a valid regular expression once
     *     translated (OpenDKIM refuses to start on such a line too)
     */
    public static WildcardPattern of(String text) {
        Objects.requireNonNull(text, "text");
        if (text.isEmpty()) {
            throw new IllegalArgumentException("pattern: empty");
        }
        StringBuilder regex = new StringBuilder(text.length() + 8).append('^');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '*' -> regex.append(".*");
                case '.' -> regex.append("\\.");
                case '+' -> regex.append("\\+");
                default -> regex.append(c);
            }
        }
        regex.append('$');
        try {
            return new WildcardPattern(text, Pattern.compile(regex.toString(), Pattern.CASE_INSENSITIVE));
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("pattern: " + text + " (expected: a wildcard pattern; "
                    + e.getDescription() + ")", e);
        }
    }

    /** Whether the whole of {@code value} matches, ignoring case. */
    public boolean matches(String value) {
        return regex.matcher(value).matches();
    }

    /** The pattern as written. */
    public String text() {
        return text;
    }

    /** Whether the pattern has a {@code *}, the one documented wildcard. */
    public boolean hasWildcard() {
        return text.indexOf('*') >= 0;
    }

    /** The regular-expression characters other than {@code *} the pattern uses, in order, or "" if none. */
    public String operators() {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (OPERATORS.indexOf(c) >= 0 && out.indexOf(String.valueOf(c)) < 0) {
                out.append(c);
            }
        }
        return out.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WildcardPattern other && other.text.equals(text);
    }

    @Override
    public int hashCode() {
        return text.hashCode();
    }

    @Override
    public String toString() {
        return text;
    }
}
