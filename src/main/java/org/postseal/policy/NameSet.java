package org.postseal.policy;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A set of names as one OpenDKIM data set holds them, with OpenDKIM's membership test: either exact strings (a
 * {@code file:} or comma-separated data set), compared ignoring ASCII case unless told otherwise, or
 * {@link WildcardPattern}s (a {@code refile:} data set), tried in order. Used for the Domain list, the MTA list and,
 * through {@link HostList}, for host lists.
 */
public final class NameSet {
    private static final NameSet EMPTY = new NameSet(List.of(), Set.of(), List.of(), false);

    private final List<String> entries;
    private final Set<String> exact;
    private final List<WildcardPattern> patterns;
    private final boolean caseSensitive;

    private NameSet(List<String> entries, Set<String> exact, List<WildcardPattern> patterns, boolean caseSensitive) {
        this.entries = entries;
        this.exact = exact;
        this.patterns = patterns;
        this.caseSensitive = caseSensitive;
    }

    /** The set with nothing in it. */
    public static NameSet empty() {
        return EMPTY;
    }

    /** Exact names, matched ignoring ASCII case (OpenDKIM opens most data sets so). */
    public static NameSet of(Collection<String> names) {
        return exact(names, false);
    }

    /** Exact names, matched byte for byte (OpenDKIM's MTA list). */
    public static NameSet caseSensitive(Collection<String> names) {
        return exact(names, true);
    }

    /**
     * Patterns of a {@code refile:} data set.
     *
     * @throws IllegalArgumentException naming the first pattern that does not compile
     */
    public static NameSet patterns(Collection<String> patterns) {
        List<WildcardPattern> compiled = new ArrayList<>();
        for (String pattern : patterns) {
            compiled.add(WildcardPattern.of(pattern));
        }
        return new NameSet(List.copyOf(patterns), Set.of(), List.copyOf(compiled), false);
    }

    private static NameSet exact(Collection<String> names, boolean caseSensitive) {
        Set<String> keys = new HashSet<>();
        for (String name : names) {
            keys.add(caseSensitive ? name : fold(name));
        }
        return new NameSet(List.copyOf(names), Set.copyOf(keys), List.of(), caseSensitive);
    }

    /** Whether {@code name} is in the set. */
    public boolean contains(String name) {
        if (!patterns.isEmpty()) {
            for (WildcardPattern pattern : patterns) {
                if (pattern.matches(name)) {
                    return true;
                }
            }
            return false;
        }
        return exact.contains(caseSensitive ? name : fold(name));
    }

    /** Whether the entries are {@code refile:} patterns. */
    public boolean usesPatterns() {
        return !patterns.isEmpty();
    }

    public boolean isEmpty() {
        return entries.isEmpty();
    }

    /** The entries as written, in order. */
    public List<String> entries() {
        return entries;
    }

    /** ASCII lower case, as {@code strcasecmp} compares. */
    static String fold(String value) {
        boolean plain = true;
        for (int i = 0; i < value.length() && plain; i++) {
            char c = value.charAt(i);
            plain = !(c >= 'A' && c <= 'Z');
        }
        if (plain) {
            return value;
        }
        StringBuilder out = new StringBuilder(value.length());
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            out.append(c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c);
        }
        return out.toString();
    }

    @Override
    public String toString() {
        return (usesPatterns() ? "patterns" : "names") + entries;
    }
}
