package org.postseal.policy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * OpenDKIM's SigningTable: which KeyTable entries sign mail from which From addresses. Each line is a key and a
 * value {@code keyname[:signer]}; a key name of {@code %} alone stands for the From domain, and every {@code %} in
 * the signer ({@code i=}) is replaced by it.
 *
 * <p>A table from a {@code refile:} data set ({@link #ofPatterns}) holds {@link WildcardPattern}s matched against the
 * whole address {@code user@domain}, line by line in file order. Any other table ({@link #of}) is looked up with exact
 * keys, ignoring ASCII case, in this order (OpenDKIM's {@code dkimf_apply_signtable}; SubDomains plays no part):
 * {@code user@host}, {@code host}, then for each parent domain {@code user@.parent} and {@code .parent}, then
 * {@code user@*} and finally {@code *}. So for {@code joe@mail.example.com}: {@code joe@mail.example.com},
 * {@code mail.example.com}, {@code joe@.example.com}, {@code .example.com}, {@code joe@.com}, {@code .com},
 * {@code joe@*}, {@code *}. A key such as {@code @example.com} or {@code *@example.com} is never looked up there.
 *
 * <p>Only the first match counts, unless MultipleSignatures is on: then every match counts, in that order (for an
 * exact table, at most one line per key, the first). An exact table ignores an address with non-ASCII characters, as
 * OpenDKIM does.
 */
public final class SigningTable {
    private final List<Entry> entries;
    private final Map<String, Entry> byKey;
    private final List<WildcardPattern> patterns;

    private SigningTable(List<Entry> entries, Map<String, Entry> byKey, List<WildcardPattern> patterns) {
        this.entries = entries;
        this.byKey = byKey;
        this.patterns = patterns;
    }

    /** A table looked up with exact keys (a {@code file:} or comma-separated data set). */
    public static SigningTable of(List<Entry> entries) {
        Map<String, Entry> byKey = new HashMap<>();
        for (Entry entry : entries) {
            byKey.putIfAbsent(NameSet.fold(entry.key()), entry);
        }
        return new SigningTable(List.copyOf(entries), Map.copyOf(byKey), null);
    }

    /**
     * A table of wildcard patterns (a {@code refile:} data set).
     *
     * @throws IllegalArgumentException naming the first pattern that does not compile
     */
    public static SigningTable ofPatterns(List<Entry> entries) {
        List<WildcardPattern> patterns = new ArrayList<>();
        for (Entry entry : entries) {
            patterns.add(WildcardPattern.of(entry.key()));
        }
        return new SigningTable(List.copyOf(entries), Map.of(), List.copyOf(patterns));
    }

    /**
     * The entries that apply to mail from {@code localPart@domain}, with {@code %} replaced.
     *
     * @param localPart the From address's local part, as written
     * @param domain the From address's domain, lower case
     * @param multiple whether every match counts (MultipleSignatures) or only the first
     */
    public List<Match> lookup(String localPart, String domain, boolean multiple) {
        List<Match> matches = new ArrayList<>();
        if (patterns != null) {
            String address = localPart + "@" + domain;
            for (int i = 0; i < entries.size(); i++) {
                if (patterns.get(i).matches(address)) {
                    matches.add(match(entries.get(i), domain));
                    if (!multiple) {
                        break;
                    }
                }
            }
            return List.copyOf(matches);
        }
        for (String key : lookupOrder(localPart, domain)) {
            Entry entry = isAscii(key) ? byKey.get(NameSet.fold(key)) : null;
            if (entry != null) {
                matches.add(match(entry, domain));
                if (!multiple) {
                    break;
                }
            }
        }
        return List.copyOf(matches);
    }

    /** The keys an exact table is searched for, in order, for mail from {@code localPart@domain}. */
    public static List<String> lookupOrder(String localPart, String domain) {
        List<String> keys = new ArrayList<>();
        keys.add(localPart + "@" + domain);
        keys.add(domain);
        for (int dot = domain.indexOf('.'); dot >= 0; dot = domain.indexOf('.', dot + 1)) {
            String parent = domain.substring(dot);
            keys.add(localPart + "@" + parent);
            keys.add(parent);
        }
        keys.add(localPart + "@*");
        keys.add("*");
        return List.copyOf(keys);
    }

    /**
     * Why a line with this key can never match, in words for a warning; empty when it can. In an exact table
     * ({@code patterns} false): a key starting with {@code @} (OpenDKIM never looks such a key up), or a {@code *}
     * anywhere but in {@code *} or {@code user@*}. In a {@code refile:} table: a pattern starting with {@code @}, or
     * one with neither {@code @} nor {@code *}, since patterns are matched against the whole address.
     *
     * @param key the line's key (an address, a domain or a pattern)
     * @param patterns whether the table is a {@code refile:} one
     */
    public static Optional<String> neverMatches(String key, boolean patterns) {
        if (patterns) {
            if (key.startsWith("@")) {
                return Optional.of("'" + key + "' is matched against the whole address user@domain, so it never"
                        + " matches; write *" + key);
            }
            if (key.indexOf('@') < 0 && key.indexOf('*') < 0) {
                return Optional.of("'" + key + "' is matched against the whole address user@domain, so it never"
                        + " matches; write *@" + key);
            }
            return Optional.empty();
        }
        if (key.startsWith("@")) {
            return Optional.of("'" + key + "' is never looked up (OpenDKIM looks up user@host, host, user@.parent,"
                    + " .parent, user@* and *), so it never matches; write " + key.substring(1)
                    + ", or use refile: with *" + key);
        }
        boolean userAtAny = key.endsWith("@*") && key.indexOf('*') == key.length() - 1;
        if (key.indexOf('*') >= 0 && !key.equals("*") && !userAtAny) {
            return Optional.of("'" + key + "': * is a wildcard only in a refile: SigningTable; here it never"
                    + " matches");
        }
        return Optional.empty();
    }

    private static Match match(Entry entry, String domain) {
        String keyName = entry.keyName().equals(KeyTable.FROM_DOMAIN) ? domain : entry.keyName();
        return new Match(entry, keyName, entry.signer().map(s -> s.replace(KeyTable.FROM_DOMAIN, domain)));
    }

    private static boolean isAscii(String value) {
        return value.chars().allMatch(c -> c < 128);
    }

    /** Whether the keys are {@code refile:} patterns. */
    public boolean usesPatterns() {
        return patterns != null;
    }

    public List<Entry> entries() {
        return entries;
    }

    public boolean isEmpty() {
        return entries.isEmpty();
    }

    @Override
    public String toString() {
        return (usesPatterns() ? "SigningTable(refile)" : "SigningTable") + entries;
    }

    /**
     * One line: {@code key keyname[:signer]}.
     *
     * @param key the address, domain or pattern the line applies to
     * @param keyName the KeyTable entry to sign with, or {@code %} for the one named like the From domain
     * @param signer the {@code i=} identity, {@code %} standing for the From domain; empty for none
     * @param where the file and line it was read from ({@code /etc/opendkim/SigningTable:2}), for explanations;
     *     empty for an entry made in code
     */
    public record Entry(String key, String keyName, Optional<String> signer, String where) {
        public Entry {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(keyName, "keyName");
            Objects.requireNonNull(signer, "signer");
            Objects.requireNonNull(where, "where");
            if (key.isEmpty() || keyName.isEmpty()) {
                throw new IllegalArgumentException("SigningTable entry: '" + key + " " + keyName
                        + "' (expected: a key and a key name)");
            }
        }

        /** An entry made in code, read from no file. */
        public Entry(String key, String keyName, Optional<String> signer) {
            this(key, keyName, signer, "");
        }

        @Override
        public String toString() {
            return key + " " + keyName + signer.map(s -> ":" + s).orElse("");
        }
    }

    /**
     * A line that applies, with {@code %} replaced.
     *
     * @param entry the line
     * @param keyName the KeyTable entry to use
     * @param signer the identity to use, if any
     */
    public record Match(Entry entry, String keyName, Optional<String> signer) {
        public Match {
            Objects.requireNonNull(entry, "entry");
            Objects.requireNonNull(keyName, "keyName");
            Objects.requireNonNull(signer, "signer");
        }
    }
}
