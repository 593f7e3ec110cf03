package org.postseal.packaging;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The settings of a systemd unit file, read as systemd reads the simple ones (systemd.syntax(7)): {@code [Section]}
 * headers, {@code Key=value} lines, {@code #} and {@code ;} comments, a key given twice keeps both values and an
 * empty assignment clears the ones before it. Line continuations, quoting and specifiers are not read: a unit that
 * uses them in {@link #execStart()} is refused, so that a test never runs a command line it misread.
 */
final class SystemdUnit {
    private final Path file;
    private final Map<String, List<String>> settings;

    private SystemdUnit(Path file, Map<String, List<String>> settings) {
        this.file = file;
        this.settings = settings;
    }

    static SystemdUnit read(Path file) throws IOException {
        Map<String, List<String>> settings = new LinkedHashMap<>();
        String section = "";
        for (String raw : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) {
                continue;
            }
            if (line.endsWith("\\")) {
                throw new IllegalArgumentException(file + ": line continuation not supported here: " + raw);
            }
            if (line.startsWith("[") && line.endsWith("]")) {
                section = line.substring(1, line.length() - 1);
                continue;
            }
            int equals = line.indexOf('=');
            if (equals < 1) {
                throw new IllegalArgumentException(file + ": not Key=value: " + raw);
            }
            String key = section + "." + line.substring(0, equals).strip();
            String value = line.substring(equals + 1).strip();
            List<String> values = settings.computeIfAbsent(key, k -> new ArrayList<>());
            if (value.isEmpty()) {
                values.clear();
            }
            values.add(value);
        }
        return new SystemdUnit(file, settings);
    }

    /** The last value of {@code key} in {@code section}, if set ({@code ""} for an empty assignment). */
    Optional<String> value(String section, String key) {
        List<String> values = settings.get(section + "." + key);
        return values == null ? Optional.empty() : Optional.of(values.get(values.size() - 1));
    }

    /** The value of a setting that must be there. */
    String required(String section, String key) {
        return value(section, key).orElseThrow(() -> new AssertionError(file + ": no " + key + "= in [" + section
                + "]"));
    }

    /** Whether a boolean setting is on (yes, true, on, 1). */
    boolean isOn(String section, String key) {
        return value(section, key).map(v -> List.of("yes", "true", "on", "1").contains(v)).orElse(false);
    }

    /**
     * {@code [Service] ExecStart=}, split into words: the program and its arguments.
     *
     * @throws IllegalArgumentException if the line uses what this reader does not: quotes, {@code $} variables,
     *     {@code %} specifiers, {@code -+!@:} prefixes
     */
    List<String> execStart() {
        String line = required("Service", "ExecStart");
        if (line.matches(".*[\"'$%\\\\].*") || "-+!@:".indexOf(line.charAt(0)) >= 0) {
            throw new IllegalArgumentException(file + ": ExecStart=" + line
                    + " (expected: plain words, no quotes, variables, specifiers or prefixes)");
        }
        return List.of(line.split("\\s+"));
    }

    Path file() {
        return file;
    }
}
