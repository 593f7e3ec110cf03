package org.postseal.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * An existing {@code opendkim.conf}, read as OpenDKIM 2.11 reads it ({@code config.c}): everything from a {@code #}
 * or a carriage return to the end of the line is dropped, the option name runs to the first space or tab and is
 * matched ignoring case, the value is the rest of the line without surrounding blanks. Booleans look at the first
 * character only ({@code yes}, {@code true}, {@code 1} / {@code no}, {@code false}, {@code 0}), integers are read as
 * C's {@code strtol(s, 0)} reads them ({@code 007} is octal), {@code Include} reads another file in place (five
 * levels at most), and when an option is given twice the last one counts.
 *
 * <p>As OpenDKIM does, a missing value or a malformed boolean or integer is an error. Unlike OpenDKIM, an unknown
 * option is not: it adds a warning, and so does every option postseal ignores, naming the option and the reason.
 * The one exception is {@code TrustedHosts}, which tutorials use but OpenDKIM does not know (it refuses to start on
 * it): postseal reads it as InternalHosts, and says so.
 *
 * <p>Relative paths resolve against the working directory, or against {@code BaseDirectory} when it is set (OpenDKIM
 * changes to that directory); included files resolve against the working directory.
 */
public final class OpenDkimConf {
    private static final int MAX_INCLUDE_DEPTH = 5;

    private final Path file;
    private final Path baseDirectory;
    private final Map<String, Setting> settings;
    private final List<String> warnings;

    private OpenDkimConf(Path file, Path baseDirectory, Map<String, Setting> settings, List<String> warnings) {
        this.file = file;
        this.baseDirectory = baseDirectory;
        this.settings = settings;
        this.warnings = warnings;
    }

    /**
     * Reads a configuration file, resolving relative paths against the process's working directory.
     *
     * @throws ConfigException naming the file and line of the first error
     */
    public static OpenDkimConf read(Path file) {
        return read(file, Path.of("").toAbsolutePath());
    }

    /**
     * Reads a configuration file.
     *
     * @param workingDirectory what relative paths resolve against (OpenDKIM's working directory)
     * @throws ConfigException naming the file and line of the first error
     */
    public static OpenDkimConf read(Path file, Path workingDirectory) {
        Warnings warnings = new Warnings();
        Map<String, Setting> settings = new HashMap<>();
        load(file, workingDirectory, settings, warnings, 0, file.toString());
        Setting trusted = settings.remove("trustedhosts");
        if (trusted != null) {
            if (settings.containsKey("internalhosts")) {
                warnings.at(trusted.where(), "TrustedHosts is not an OpenDKIM option (OpenDKIM refuses to start on"
                        + " it); ignored, because InternalHosts is set");
            } else {
                warnings.at(trusted.where(), "TrustedHosts is not an OpenDKIM option (OpenDKIM refuses to start on"
                        + " it); postseal reads it as InternalHosts");
                settings.put("internalhosts", new Setting("InternalHosts", trusted.value, trusted.file,
                        trusted.line));
            }
        }
        Path base = workingDirectory;
        Setting baseDirectory = settings.get("basedirectory");
        if (baseDirectory != null) {
            base = workingDirectory.resolve(baseDirectory.value).normalize();
        }
        return new OpenDkimConf(file, base, Map.copyOf(settings), warnings.list());
    }

    private static void load(Path file, Path workingDirectory, Map<String, Setting> settings, Warnings warnings,
            int depth, String from) {
        String text = ConfigFiles.text(workingDirectory.resolve(file), from, "configuration file", warnings);
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            int number = i + 1;
            String where = file + ":" + number;
            String line = lines[i];
            int cut = indexOfAny(line, "#\r");
            if (cut >= 0) {
                line = line.substring(0, cut);
            }
            line = line.replaceFirst("^[ \t]+", "");
            if (line.isEmpty()) {
                continue;
            }
            int blank = indexOfAny(line, " \t");
            String name = blank < 0 ? line : line.substring(0, blank);
            String value = blank < 0 ? "" : line.substring(blank).replaceAll("^[ \t]+|[ \t]+$", "");
            Optional<OpenDkimOption> option = OpenDkimOption.named(name);
            if (option.isEmpty()) {
                if (name.equalsIgnoreCase("TrustedHosts")) {
                    requireValue(where, name, value);
                    settings.put("trustedhosts", new Setting("TrustedHosts", value, file, number));
                } else {
                    warnings.at(where, "unknown option '" + name + "' ignored (OpenDKIM refuses to start on it)");
                }
                continue;
            }
            OpenDkimOption known = option.get();
            requireValue(where, known.name(), value);
            if (known.type() == OpenDkimOption.Type.BOOLEAN) {
                parseBoolean(where, known.name(), value);
            } else if (known.type() == OpenDkimOption.Type.INTEGER) {
                parseInteger(where, known.name(), value);
            } else if (known.type() == OpenDkimOption.Type.INCLUDE) {
                if (depth >= MAX_INCLUDE_DEPTH) {
                    throw ConfigException.at(where, "Include nested more than " + MAX_INCLUDE_DEPTH + " deep");
                }
                load(Path.of(value), workingDirectory, settings, warnings, depth + 1, where);
                continue;
            }
            known.warning().ifPresent(warning -> warnings.at(where, warning));
            String key = known.name().toLowerCase(Locale.ROOT);
            Setting earlier = settings.put(key, new Setting(known.name(), value, file, number));
            if (earlier != null) {
                warnings.at(where, known.name() + " repeats " + earlier.where() + "; the last one counts");
            }
        }
    }

    private static void requireValue(String where, String name, String value) {
        if (value.isEmpty()) {
            throw ConfigException.at(where, name + " has no value");
        }
    }

    private static int indexOfAny(String text, String chars) {
        for (int i = 0; i < text.length(); i++) {
            if (chars.indexOf(text.charAt(i)) >= 0) {
                return i;
            }
        }
        return -1;
    }

    /** OpenDKIM's boolean: the first character decides. */
    static boolean parseBoolean(String where, String name, String value) {
        char first = value.isEmpty() ? ' ' : value.charAt(0);
        if ("TtYy1".indexOf(first) >= 0) {
            return true;
        }
        if ("FfNn0".indexOf(first) >= 0) {
            return false;
        }
        throw ConfigException.at(where, name + " '" + value + "' is not a boolean (expected: yes or no)");
    }

    /** An integer as OpenDKIM reads it, with {@link Strtol}. */
    static int parseInteger(String where, String name, String value) {
        return Strtol.parse(value).orElseThrow(() -> ConfigException.at(where, name + " '" + value
                + "' is not an integer"));
    }

    /** The file read. */
    public Path file() {
        return file;
    }

    /** What relative paths resolve against: BaseDirectory if set, otherwise the working directory. */
    public Path baseDirectory() {
        return baseDirectory;
    }

    /** Whether the option is set (TrustedHosts counts as InternalHosts). */
    public boolean has(String option) {
        return settings.containsKey(key(option));
    }

    /** The value of an option as written, ignoring case in the name. */
    public Optional<String> string(String option) {
        Setting setting = settings.get(key(option));
        return setting == null ? Optional.empty() : Optional.of(setting.value);
    }

    /** The value of a boolean option. */
    public Optional<Boolean> bool(String option) {
        Setting setting = settings.get(key(option));
        return setting == null ? Optional.empty()
                : Optional.of(parseBoolean(setting.where(), setting.name, setting.value));
    }

    /** The value of an integer option. */
    public OptionalInt integer(String option) {
        Setting setting = settings.get(key(option));
        return setting == null ? OptionalInt.empty()
                : OptionalInt.of(parseInteger(setting.where(), setting.name, setting.value));
    }

    /** A path option, resolved against {@link #baseDirectory()}. */
    public Optional<Path> path(String option) {
        return string(option).map(v -> baseDirectory.resolve(v).normalize());
    }

    /**
     * A data-set option (KeyTable, SigningTable, InternalHosts...), see {@link DataSet}.
     *
     * @param warnings where to note a relative path read as a file
     * @throws ConfigException for a data set type postseal does not read
     */
    public Optional<DataSet> dataSet(String option, Warnings warnings) {
        Setting setting = settings.get(key(option));
        return setting == null ? Optional.empty()
                : Optional.of(DataSet.parse(setting.value, baseDirectory, origin(option), warnings));
    }

    /** Where an option was set, for messages: {@code /etc/opendkim.conf:12 (KeyTable)}; the file alone if unset. */
    public String origin(String option) {
        Setting setting = settings.get(key(option));
        return setting == null ? file.toString() : setting.where() + " (" + setting.name + ")";
    }

    /** {@code Mode}: {@code s} signs, {@code v} verifies; OpenDKIM's default is {@code sv}. */
    public String mode() {
        return string("Mode").orElse("sv");
    }

    /**
     * {@code Socket}.
     *
     * @throws ConfigException if it is malformed
     */
    public Optional<SocketSpec> socket() {
        return string("Socket").map(value -> {
            try {
                return SocketSpec.parse(value);
            } catch (IllegalArgumentException e) {
                throw ConfigException.at(origin("Socket"), e.getMessage());
            }
        });
    }

    /** {@code SubDomains} (default no). */
    public boolean subDomains() {
        return bool("SubDomains").orElse(false);
    }

    /** {@code MultipleSignatures} (default no). */
    public boolean multipleSignatures() {
        return bool("MultipleSignatures").orElse(false);
    }

    /** {@code RequireSafeKeys} (default yes). */
    public boolean requireSafeKeys() {
        return bool("RequireSafeKeys").orElse(true);
    }

    /** {@code SoftwareHeader}, or its old name {@code X-Header} (default no). */
    public boolean softwareHeader() {
        return bool("SoftwareHeader").orElse(false) || bool("X-Header").orElse(false);
    }

    /** {@code Syslog} (default no). */
    public boolean syslog() {
        return bool("Syslog").orElse(false);
    }

    /** {@code MinimumKeyBits} (OpenDKIM's default 1024). */
    public int minimumKeyBits() {
        return integer("MinimumKeyBits").orElse(1024);
    }

    /** {@code UMask}, as a number. */
    public OptionalInt umask() {
        return integer("UMask");
    }

    /** {@code Nameservers}: the comma-separated addresses. */
    public List<String> nameservers() {
        return string("Nameservers").map(v -> List.of(v.split("\\s*,\\s*"))).orElse(List.of());
    }

    /** {@code UserID}: {@code user[:group]}. */
    public Optional<String> userId() {
        return string("UserID");
    }

    /** {@code PidFile}, resolved. */
    public Optional<Path> pidFile() {
        return path("PidFile");
    }

    /** {@code AuthservID} as written ({@code HOSTNAME} means the host's name). */
    public Optional<String> authservId() {
        return string("AuthservID");
    }

    /** The warnings found while reading: unknown and ignored options, repeated options, TrustedHosts. */
    public List<String> warnings() {
        return warnings;
    }

    private static String key(String option) {
        return option.toLowerCase(Locale.ROOT);
    }

    @Override
    public String toString() {
        return "OpenDkimConf[" + file + ", " + settings.size() + " options]";
    }

    /** One option as found: its documented name, its value, the file and line. */
    private static final class Setting {
        final String name;
        final String value;
        final Path file;
        final int line;

        Setting(String name, String value, Path file, int line) {
            this.name = name;
            this.value = value;
            this.file = file;
            this.line = line;
        }

        String where() {
            return file + ":" + line;
        }
    }
}
