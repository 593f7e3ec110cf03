package org.postseal.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Where the entries of an OpenDKIM "data set" come from, as its specification string says ({@code opendkim(8)}, DATA
 * SETS): {@code file:path} or a plain absolute path (a flat file), {@code refile:path} (a file of wildcard patterns),
 * {@code csl:a,b,c} or any other text (a comma-separated list, so {@code InternalHosts 10.0.0.0/8, 127.0.0.1} works).
 * OpenDKIM reads a relative path without prefix as a comma-separated list; postseal does too, unless a file of that
 * name exists, in which case it reads the file and warns. Database types (ldap:, dsn:, db:, lua:...) are refused.
 */
public final class DataSet {
    /** The kinds of data set postseal reads. */
    public enum Kind {
        /** A flat file of {@code key [value]} lines. */
        FILE,
        /** A flat file of {@code pattern [value]} lines; patterns use {@code *}. */
        REFILE,
        /** Entries given inline: a comma-separated list, or a list in postseal's own configuration. */
        LIST
    }

    private static final Set<String> DATABASE_TYPES = Set.of("db", "dsn", "ldap", "ldaps", "ldapi", "lua",
            "memcache", "mdb", "erlang", "repute", "socket", "redis");

    private final Kind kind;
    private final Path file;
    private final List<String> entries;
    private final String origin;

    private DataSet(Kind kind, Path file, List<String> entries, String origin) {
        this.kind = kind;
        this.file = file;
        this.entries = entries;
        this.origin = origin;
    }

    /**
     * Reads a specification string.
     *
     * @param spec the value as configured, for example {@code refile:/etc/opendkim/SigningTable}
     * @param baseDirectory what relative file paths are resolved against (the working directory, as for OpenDKIM)
     * @param origin where the specification was found, for messages: {@code /etc/opendkim.conf:12 (KeyTable)}
     * @param warnings where to note a relative path read as a file
     * @throws ConfigException for an empty value, an empty path, or a database type postseal does not read
     */
    public static DataSet parse(String spec, Path baseDirectory, String origin, Warnings warnings) {
        Objects.requireNonNull(spec, "spec");
        String text = spec.strip();
        if (text.isEmpty()) {
            throw ConfigException.at(origin, "empty data set");
        }
        int colon = text.indexOf(':');
        int comma = text.indexOf(',');
        if (comma >= 0 && comma < colon) {
            colon = -1; // a list whose later entries hold colons
        }
        if (colon < 0) {
            if (text.startsWith("/")) {
                return new DataSet(Kind.FILE, Path.of(text), List.of(), origin);
            }
            if (comma < 0 && text.indexOf('=') < 0 && Files.isRegularFile(baseDirectory.resolve(text))) {
                warnings.at(origin, "'" + text + "' is read as a file; OpenDKIM reads a relative path without"
                        + " file: as a list of one entry (write file:" + text + " to be clear)");
                return new DataSet(Kind.FILE, baseDirectory.resolve(text).normalize(), List.of(), origin);
            }
            return list(text, origin);
        }
        String type = text.substring(0, colon).toLowerCase(Locale.ROOT);
        String rest = text.substring(colon + 1).strip();
        switch (type) {
            case "file", "refile" -> {
                if (rest.isEmpty()) {
                    throw ConfigException.at(origin, "'" + text + "': no file name after " + type + ":");
                }
                return new DataSet(type.equals("file") ? Kind.FILE : Kind.REFILE,
                        baseDirectory.resolve(rest).normalize(), List.of(), origin);
            }
            case "csl" -> {
                return list(rest, origin);
            }
            default -> {
                if (DATABASE_TYPES.contains(type)) {
                    throw ConfigException.at(origin, "'" + type + ":' data sets are not supported by postseal"
                            + " (expected: file:, refile:, csl: or a path)");
                }
                if (type.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
                    return list(text, origin); // an IPv6 address such as ::1 or 2001:db8::/32
                }
                throw ConfigException.at(origin, "'" + text + "': unknown data set type '" + type
                        + ":' (expected: file:, refile:, csl: or a path)");
            }
        }
    }

    /**
     * Reads a specification that must name a file: {@code file:path}, {@code refile:path} or a path, relative ones
     * resolved against {@code baseDirectory} (postseal's own configuration names its tables so).
     *
     * @throws ConfigException for an empty value or another prefix
     */
    public static DataSet parseFile(String spec, Path baseDirectory, String origin) {
        String text = spec.strip();
        String lower = text.toLowerCase(Locale.ROOT);
        if (lower.startsWith("file:") || lower.startsWith("refile:")) {
            return parse(text, baseDirectory, origin, new Warnings());
        }
        if (text.isEmpty() || lower.matches("[a-z]+:.*")) {
            throw ConfigException.at(origin, "'" + text + "' is not a file (expected: a path, file:path or"
                    + " refile:path)");
        }
        return new DataSet(Kind.FILE, baseDirectory.resolve(text).normalize(), List.of(), origin);
    }

    /** Entries given directly, for example a list in postseal's own configuration. */
    public static DataSet of(List<String> entries, String origin) {
        return new DataSet(Kind.LIST, null, List.copyOf(entries), origin);
    }

    /** A flat file ({@code refile} false) or a pattern file ({@code refile} true). */
    public static DataSet file(Path path, boolean refile, String origin) {
        return new DataSet(refile ? Kind.REFILE : Kind.FILE, Objects.requireNonNull(path, "path"), List.of(),
                origin);
    }

    private static DataSet list(String text, String origin) {
        List<String> entries = new ArrayList<>();
        for (String part : text.split(",")) {
            String entry = part.strip();
            if (!entry.isEmpty()) {
                entries.add(entry);
            }
        }
        return new DataSet(Kind.LIST, null, List.copyOf(entries), origin);
    }

    public Kind kind() {
        return kind;
    }

    /** The file, for {@link Kind#FILE} and {@link Kind#REFILE}. */
    public Optional<Path> file() {
        return Optional.ofNullable(file);
    }

    /** The inline entries, for {@link Kind#LIST}. */
    public List<String> entries() {
        return entries;
    }

    /** Where the data set was configured. */
    public String origin() {
        return origin;
    }

    /** The file name for a file, otherwise the origin: what a message about one of its lines starts with. */
    public String name() {
        return file != null ? file.toString() : origin;
    }

    @Override
    public String toString() {
        return switch (kind) {
            case FILE -> "file:" + file;
            case REFILE -> "refile:" + file;
            case LIST -> "csl:" + String.join(",", entries);
        };
    }
}
