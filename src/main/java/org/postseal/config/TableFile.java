package org.postseal.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.postseal.policy.DomainName;
import org.postseal.policy.HostList;
import org.postseal.policy.KeyTable;
import org.postseal.policy.MacroList;
import org.postseal.policy.NameSet;
import org.postseal.policy.SigningTable;
import org.postseal.policy.WildcardPattern;

/**
 * Reads OpenDKIM's table files (and inline lists) into policy values, line by line as OpenDKIM does: everything from
 * a {@code #} to the end of the line is a comment, blank lines are skipped, the key runs to the first white space and
 * the value is the rest of the line. A line that cannot be used raises a {@link ConfigException} naming the file, the
 * line and what was expected; a line that is usable but will not do what it seems to adds a warning.
 */
public final class TableFile {
    private static final String KEY_TABLE_LINE = "expected \"name domain:selector:keypath\"";
    private static final String SIGNING_TABLE_LINE = "expected \"pattern keyname[:signer]\"";

    private TableFile() {
    }

    /**
     * One entry of a data set.
     *
     * @param where the file and line ({@code /etc/opendkim/KeyTable:3}), or the origin and entry number of a list
     * @param key the key (or pattern, or sole entry)
     * @param value the rest of the line (for a list entry, what follows {@code =}); empty if none
     */
    public record Line(String where, String key, Optional<String> value) {
    }

    /**
     * The entries of a data set: the lines of its file, or its inline entries ({@code key=value} for a value).
     *
     * @param warnings gets a warning if the file starts with a UTF-8 byte-order mark (skipped)
     * @throws ConfigException if the file cannot be read, is not a regular file or is over 16 MiB
     */
    public static List<Line> lines(DataSet set, Warnings warnings) {
        List<Line> out = new ArrayList<>();
        if (set.kind() == DataSet.Kind.LIST) {
            int number = 0;
            for (String entry : set.entries()) {
                number++;
                int eq = entry.indexOf('=');
                String where = set.origin() + " entry " + number;
                out.add(eq < 0 ? new Line(where, entry.strip(), Optional.empty())
                        : new Line(where, entry.substring(0, eq).strip(), nonEmpty(entry.substring(eq + 1))));
            }
            return out;
        }
        Path file = set.file().orElseThrow();
        String text = ConfigFiles.text(file, set.origin(), "table file", warnings);
        String[] physical = text.split("\n", -1);
        for (int i = 0; i < physical.length; i++) {
            String line = physical[i];
            int hash = line.indexOf('#');
            if (hash >= 0) {
                line = line.substring(0, hash);
            }
            line = line.strip();
            if (line.isEmpty()) {
                continue;
            }
            int space = 0;
            while (space < line.length() && !Character.isWhitespace(line.charAt(space))) {
                space++;
            }
            out.add(new Line(file + ":" + (i + 1), line.substring(0, space), nonEmpty(line.substring(space))));
        }
        return out;
    }

    /**
     * Reads a KeyTable: {@code name domain:selector:keypath} per line. The domain is a domain name or {@code %}; the
     * key path must be absolute or start with {@code ./} or {@code ../} (OpenDKIM takes anything else for the key
     * itself, which postseal does not support); relative paths are resolved against {@code baseDirectory}.
     *
     * @throws ConfigException for a line that does not have that form, or for a {@code refile:} KeyTable
     */
    public static KeyTable keyTable(DataSet set, Path baseDirectory, Warnings warnings) {
        if (set.kind() == DataSet.Kind.REFILE) {
            throw ConfigException.at(set.origin(), "a KeyTable cannot be a refile: data set (expected: file:)");
        }
        List<KeyTable.Entry> entries = new ArrayList<>();
        Map<String, String> seen = new HashMap<>();
        for (Line line : lines(set, warnings)) {
            KeyTable.Entry entry;
            try {
                entry = keyTableEntry(line, baseDirectory);
            } catch (ConfigException e) {
                warnings.error(e);
                continue;
            }
            String earlier = seen.putIfAbsent(line.key(), line.where());
            if (earlier != null) {
                warnings.at(line.where(), "key name '" + line.key() + "' repeats " + earlier
                        + "; the first entry counts");
            }
            entries.add(entry);
        }
        return KeyTable.of(entries);
    }

    private static KeyTable.Entry keyTableEntry(Line line, Path baseDirectory) {
        String value = line.value().orElseThrow(() -> ConfigException.at(line.where(), KEY_TABLE_LINE));
        int first = value.indexOf(':');
        int second = first < 0 ? -1 : value.indexOf(':', first + 1);
        if (second < 0) {
            throw ConfigException.at(line.where(), KEY_TABLE_LINE);
        }
        String domain = value.substring(0, first).strip();
        String selector = value.substring(first + 1, second).strip();
        String keyPath = value.substring(second + 1).strip();
        if (domain.isEmpty() || selector.isEmpty() || keyPath.isEmpty()) {
            throw ConfigException.at(line.where(), KEY_TABLE_LINE);
        }
        if (!domain.equals(KeyTable.FROM_DOMAIN) && !DomainName.isValid(domain)) {
            throw ConfigException.at(line.where(), "domain '" + domain + "' is neither a domain name nor %");
        }
        if (!DomainName.isValid(selector)) {
            throw ConfigException.at(line.where(), "selector '" + selector + "' is not a DNS name");
        }
        String keyFile;
        if (keyPath.startsWith("/")) {
            keyFile = keyPath;
        } else if (keyPath.startsWith("./") || keyPath.startsWith("../")) {
            keyFile = baseDirectory.resolve(keyPath).normalize().toString();
        } else {
            throw ConfigException.at(line.where(), "key '" + abbreviate(keyPath) + "' is not a file path"
                    + " (expected: a path starting with /, ./ or ../; OpenDKIM would take this for the key"
                    + " itself, which postseal does not support)");
        }
        return new KeyTable.Entry(line.key(), domain, selector, keyFile, line.where());
    }

    /**
     * Reads a SigningTable: {@code key keyname[:signer]} per line, {@code refile:} for patterns. Every key name must
     * be in {@code keys} ({@code %} aside): OpenDKIM means to refuse to start otherwise, and would temp-fail the mail.
     * Keys that can never match add warnings: {@code @example.com} (never looked up), {@code *} in an exact table,
     * a pattern with neither {@code @} nor {@code *}.
     *
     * @throws ConfigException for a line without a key name, a pattern that does not compile, or a key name not in
     *     the KeyTable
     */
    public static SigningTable signingTable(DataSet set, KeyTable keys, Warnings warnings) {
        boolean patterns = set.kind() == DataSet.Kind.REFILE;
        List<SigningTable.Entry> entries = new ArrayList<>();
        Map<String, String> seen = new HashMap<>();
        for (Line line : lines(set, warnings)) {
            try {
                entries.add(signingTableEntry(line, patterns, keys, seen, warnings));
            } catch (ConfigException e) {
                warnings.error(e);
            }
        }
        return patterns ? SigningTable.ofPatterns(entries) : SigningTable.of(entries);
    }

    /** One SigningTable line: warned about first, so that a line with an error is warned about too. */
    private static SigningTable.Entry signingTableEntry(Line line, boolean patterns, KeyTable keys,
            Map<String, String> seen, Warnings warnings) {
        String value = line.value().orElseThrow(() -> ConfigException.at(line.where(), SIGNING_TABLE_LINE));
        int colon = value.indexOf(':');
        String keyName = (colon < 0 ? value : value.substring(0, colon)).strip();
        Optional<String> signer = colon < 0 ? Optional.empty() : nonEmpty(value.substring(colon + 1));
        if (keyName.isEmpty()) {
            throw ConfigException.at(line.where(), SIGNING_TABLE_LINE);
        }
        String key = line.key();
        if (patterns) {
            checkPattern(line, warnings);
        } else {
            checkExactKey(line, warnings);
        }
        if (!keyName.equals(KeyTable.FROM_DOMAIN) && !keys.contains(keyName)) {
            throw ConfigException.at(line.where(), "key name '" + keyName + "' is not in the KeyTable"
                    + (keys.size() > 0 ? " (it has " + names(keys) + ")" : " (it is empty)")
                    + closest(keyName, keys).map(n -> "; did you mean '" + n + "'?").orElse(""));
        }
        if (!patterns) {
            String earlier = seen.putIfAbsent(key.toLowerCase(Locale.ROOT), line.where());
            if (earlier != null) {
                warnings.at(line.where(), "'" + key + "' repeats " + earlier + "; the first entry counts");
            }
        }
        return new SigningTable.Entry(key, keyName, signer, line.where());
    }

    /**
     * The KeyTable name a mistyped one most likely meant, when the table has several and one is close (at most half
     * its characters differ); empty otherwise (a table of one name already says it).
     */
    private static Optional<String> closest(String name, KeyTable keys) {
        if (keys.size() < 2) {
            return Optional.empty();
        }
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (KeyTable.Entry entry : keys.entries()) {
            int distance = editDistance(name, entry.name());
            if (distance < bestDistance) {
                best = entry.name();
                bestDistance = distance;
            }
        }
        return bestDistance <= Math.max(2, name.length() / 2) ? Optional.of(best) : Optional.empty();
    }

    /** Levenshtein distance: insertions, deletions and substitutions of one character. */
    private static int editDistance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }

    private static void checkPattern(Line line, Warnings warnings) {
        String key = line.key();
        WildcardPattern pattern;
        try {
            pattern = WildcardPattern.of(key);
        } catch (IllegalArgumentException e) {
            throw ConfigException.at(line.where(), e.getMessage());
        }
        if (!pattern.operators().isEmpty()) {
            warnings.at(line.where(), "'" + key + "' uses " + pattern.operators() + ", which OpenDKIM (and"
                    + " postseal) read as regular-expression operators, not as plain characters");
        }
        SigningTable.neverMatches(key, true).ifPresent(p -> warnings.at(line.where(), p));
    }

    private static void checkExactKey(Line line, Warnings warnings) {
        SigningTable.neverMatches(line.key(), false).ifPresent(p -> warnings.at(line.where(), p));
    }

    /**
     * Reads a host list (InternalHosts, PeerList, ExternalIgnoreList): one entry per line. Entries that can never
     * match, or that OpenDKIM matches differently, add warnings.
     *
     * @throws ConfigException for a {@code refile:} pattern that does not compile
     */
    public static HostList hostList(DataSet set, Warnings warnings) {
        List<String> entries = new ArrayList<>();
        for (Line line : lines(set, warnings)) {
            if (line.value().isPresent() && set.kind() != DataSet.Kind.LIST) {
                warnings.at(line.where(), "'" + line.value().get() + "' after the host is ignored");
            }
            if (set.kind() == DataSet.Kind.REFILE) {
                try {
                    checkHostPattern(line, warnings);
                } catch (ConfigException e) {
                    warnings.error(e);
                    continue;
                }
            } else {
                HostList.problem(line.key()).ifPresent(p -> warnings.at(line.where(), p));
            }
            entries.add(line.value().isPresent() && set.kind() == DataSet.Kind.LIST
                    ? line.key() + "=" + line.value().get() : line.key());
        }
        HostList list = set.kind() == DataSet.Kind.REFILE ? HostList.ofPatterns(entries) : HostList.of(entries);
        return list.withSource(set.kind() == DataSet.Kind.LIST ? set.origin() : set + ", set at " + set.origin());
    }

    private static void checkHostPattern(Line line, Warnings warnings) {
        WildcardPattern pattern;
        try {
            pattern = WildcardPattern.of(line.key());
        } catch (IllegalArgumentException e) {
            throw ConfigException.at(line.where(), e.getMessage());
        }
        if (pattern.matches("!" + line.key().replace("*", "x"))) {
            warnings.at(line.where(), "'" + line.key() + "' also matches OpenDKIM's '!host' exclusion probe,"
                    + " which is tried first, so it keeps hosts out instead of letting them in (postseal does the"
                    + " same); list the hosts without a leading *");
        } else if (!pattern.operators().isEmpty()) {
            warnings.at(line.where(), "'" + line.key() + "' uses " + pattern.operators() + ", which OpenDKIM (and"
                    + " postseal) read as regular-expression operators");
        } else if (!pattern.hasWildcard()) {
            HostList.problem(line.key()).ifPresent(p -> warnings.at(line.where(), p));
        }
    }

    /**
     * Reads a list of names (Domain, MTA): the keys, exact (ignoring ASCII case unless {@code caseSensitive}) or, for
     * {@code refile:}, patterns.
     *
     * @throws ConfigException for a pattern that does not compile
     */
    public static NameSet nameSet(DataSet set, boolean caseSensitive, Warnings warnings) {
        List<String> names = new ArrayList<>();
        for (Line line : lines(set, warnings)) {
            names.add(line.key());
        }
        if (set.kind() == DataSet.Kind.REFILE) {
            try {
                return NameSet.patterns(names);
            } catch (IllegalArgumentException e) {
                throw ConfigException.at(set.name(), e.getMessage());
            }
        }
        return caseSensitive ? NameSet.caseSensitive(names) : NameSet.of(names);
    }

    /**
     * Reads a MacroList: {@code name[=value1|value2]} entries in a list, {@code name [value1|value2]} lines in a
     * file.
     *
     * @throws ConfigException for a {@code refile:} data set (OpenDKIM refuses it too)
     */
    public static MacroList macroList(DataSet set, Warnings warnings) {
        if (set.kind() == DataSet.Kind.REFILE) {
            throw ConfigException.at(set.origin(), "MacroList cannot be a refile: data set (expected: a list or"
                    + " file:)");
        }
        List<MacroList.Rule> rules = new ArrayList<>();
        for (Line line : lines(set, warnings)) {
            List<String> values = new ArrayList<>();
            line.value().ifPresent(v -> {
                for (String part : v.split("\\|")) {
                    if (!part.strip().isEmpty()) {
                        values.add(part.strip());
                    }
                }
            });
            rules.add(new MacroList.Rule(line.key(), values));
        }
        return MacroList.of(rules);
    }

    /**
     * Reads a list of header field names (SignHeaders, OversignHeaders). When one entry is {@code *}, the list is a
     * change to {@code defaults}: {@code -Name} removes a default, {@code +Name} adds one (OpenDKIM's
     * {@code dkimf_db_mkarray_base}); otherwise the entries are the list.
     *
     * @throws ConfigException for something that is not a header field name
     */
    public static List<String> headerNames(DataSet set, List<String> defaults, Warnings warnings) {
        List<Line> lines = lines(set, warnings);
        boolean delta = lines.stream().anyMatch(l -> l.key().equals("*"));
        Map<String, String> names = new LinkedHashMap<>();
        if (delta) {
            for (String name : defaults) {
                names.put(name.toLowerCase(Locale.ROOT), name);
            }
        }
        for (Line line : lines) {
            String entry = line.key();
            if (delta && entry.equals("*")) {
                continue;
            }
            if (delta && (entry.startsWith("-") || entry.startsWith("+"))) {
                String name = checkFieldName(line, entry.substring(1));
                if (entry.startsWith("-")) {
                    names.remove(name.toLowerCase(Locale.ROOT));
                } else {
                    names.putIfAbsent(name.toLowerCase(Locale.ROOT), name);
                }
            } else if (!delta) {
                String name = checkFieldName(line, entry);
                names.putIfAbsent(name.toLowerCase(Locale.ROOT), name);
            }
        }
        return List.copyOf(names.values());
    }

    private static String checkFieldName(Line line, String name) {
        if (name.isEmpty() || !name.chars().allMatch(c -> c >= 33 && c <= 126 && c != ':')) {
            throw ConfigException.at(line.where(), "'" + name + "' is not a header field name");
        }
        return name;
    }

    private static Optional<String> nonEmpty(String text) {
        String value = text.strip();
        return value.isEmpty() ? Optional.empty() : Optional.of(value);
    }

    private static String abbreviate(String text) {
        return text.length() <= 40 ? text : text.substring(0, 37) + "...";
    }

    private static String names(KeyTable keys) {
        List<String> names = new ArrayList<>();
        for (KeyTable.Entry entry : keys.entries()) {
            if (names.size() == 5) {
                names.add("...");
                break;
            }
            names.add(entry.name());
        }
        return String.join(", ", names);
    }
}
