package org.postseal.policy;

import java.util.List;
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
 *
 * <p>The value matched comes from a client (a From address), so matching must not cost more than linear time in it:
 * a regular expression with two {@code .*} takes time quadratic in the value ({@code *@*.example.com} against an
 * address of 80,000 {@code @} signs took 30 s). A pattern whose only special character is {@code *} is therefore
 * matched without a regular expression: its literal segments between the stars are found left to right, each at its
 * leftmost place, which is correct for {@code *}-only patterns and costs at most the value's length times the
 * pattern's. A pattern using other operators still goes through {@link java.util.regex}, but only for values of up
 * to {@value #MAXIMUM_REGEX_VALUE} characters (RFC 5321's limit on a whole path); a longer value never matches it.
 */
public final class WildcardPattern {
    /** The longest value matched against a pattern with regular-expression operators. */
    public static final int MAXIMUM_REGEX_VALUE = 256;

    private static final String OPERATORS = "?[](){}|^$\\";

    private final String text;
    /** The regular expression, for a pattern with operators; null for a {@code *}-only pattern. */
    private final Pattern regex;
    /** The literal parts between the stars, ASCII lower case, for a {@code *}-only pattern; null otherwise. */
    private final List<String> segments;

    private WildcardPattern(String text, Pattern regex, List<String> segments) {
        this.text = text;
        this.regex = regex;
        this.segments = segments;
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
        if (operators(text).isEmpty()) {
            return new WildcardPattern(text, null, List.of(NameSet.fold(text).split("\\*", -1)));
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
            return new WildcardPattern(text, Pattern.compile(regex.toString(), Pattern.CASE_INSENSITIVE), null);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("pattern: " + text + " (expected: a wildcard pattern; "
                    + e.getDescription() + ")", e);
        }
    }

    /** Whether the whole of {@code value} matches, ignoring ASCII case. */
    public boolean matches(String value) {
        if (segments == null) {
            return value.length() <= MAXIMUM_REGEX_VALUE && regex.matcher(value).matches();
        }
        String folded = NameSet.fold(value);
        if (segments.size() == 1) {
            return folded.equals(segments.get(0));
        }
        String first = segments.get(0);
        String last = segments.get(segments.size() - 1);
        int end = folded.length() - last.length();
        if (end < first.length() || !folded.startsWith(first) || !folded.endsWith(last)) {
            return false;
        }
        int at = first.length();
        for (int i = 1; i < segments.size() - 1; i++) {
            String segment = segments.get(i);
            int found = folded.indexOf(segment, at);
            if (found < 0 || found + segment.length() > end) {
                return false;
            }
            at = found + segment.length();
        }
        return true;
    }

    /**
     * Whether every value {@code other} matches is matched by this pattern
     * too, so that {@code other}, placed after it in a table where the first match counts, never decides. Answered
     * only for patterns whose one special character is {@code *}; false when either uses other operators (not known).
     */
    public boolean covers(WildcardPattern other) {
        if (segments == null || other.segments == null) {
            return false;
        }
        String a = NameSet.fold(text);
        String b = NameSet.fold(other.text);
        // matched[i][j]: a's first i characters can stand for b's first j, where a '*' in a stands for any run of
        // b's characters (its stars included) and a literal in a matches only the same literal in b
        boolean[][] matched = new boolean[a.length() + 1][b.length() + 1];
        matched[0][0] = true;
        for (int i = 1; i <= a.length(); i++) {
            char c = a.charAt(i - 1);
            for (int j = 0; j <= b.length(); j++) {
                if (c == '*') {
                    matched[i][j] = matched[i - 1][j] || (j > 0 && matched[i][j - 1]);
                } else {
                    matched[i][j] = j > 0 && b.charAt(j - 1) == c && matched[i - 1][j - 1];
                }
            }
        }
        return matched[a.length()][b.length()];
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
        return operators(text);
    }

    private static String operators(String text) {
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
