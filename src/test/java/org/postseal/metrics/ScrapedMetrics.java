package org.postseal.metrics;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What a scrape said, read from the Prometheus text format (version 0.0.4) as a scraper reads it: each sample line
 * is a name, optional {@code {label="value",...}} with {@code \\}, {@code \"} and {@code \n} escapes, and a value;
 * {@code #} lines are kept as the declared types. Refuses a line it cannot read, so that a malformed exposition
 * fails the test that scraped it.
 */
public final class ScrapedMetrics {
    /** One sample: its name, its labels (sorted), its value. */
    public record Sample(String name, Map<String, String> labels, double value) {
    }

    private final List<Sample> samples;
    private final Map<String, String> types;

    private ScrapedMetrics(List<Sample> samples, Map<String, String> types) {
        this.samples = List.copyOf(samples);
        this.types = Map.copyOf(types);
    }

    /**
     * @throws IllegalArgumentException for a line that is not a comment, a blank or a sample
     */
    public static ScrapedMetrics parse(String text) {
        List<Sample> samples = new ArrayList<>();
        Map<String, String> types = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            if (line.startsWith("# TYPE ")) {
                String[] parts = line.substring(7).split(" ");
                types.put(parts[0], parts[1]);
                continue;
            }
            if (line.startsWith("#")) {
                continue;
            }
            samples.add(sample(line));
        }
        return new ScrapedMetrics(samples, types);
    }

    private static Sample sample(String line) {
        int i = 0;
        while (i < line.length() && (Character.isLetterOrDigit(line.charAt(i)) || line.charAt(i) == '_'
                || line.charAt(i) == ':')) {
            i++;
        }
        String name = line.substring(0, i);
        if (name.isEmpty()) {
            throw new IllegalArgumentException("no metric name: " + line);
        }
        Map<String, String> labels = new TreeMap<>();
        if (i < line.length() && line.charAt(i) == '{') {
            i++;
            while (line.charAt(i) != '}') {
                int eq = line.indexOf('=', i);
                String label = line.substring(i, eq);
                if (line.charAt(eq + 1) != '"') {
                    throw new IllegalArgumentException("label value not quoted: " + line);
                }
                StringBuilder value = new StringBuilder();
                int j = eq + 2;
                while (line.charAt(j) != '"') {
                    char c = line.charAt(j);
                    if (c == '\\') {
                        char next = line.charAt(++j);
                        value.append(next == 'n' ? '\n' : next);
                    } else {
                        value.append(c);
                    }
                    j++;
                }
                labels.put(label, value.toString());
                i = j + 1;
                if (line.charAt(i) == ',') {
                    i++;
                }
            }
            i++;
        }
        String[] rest = line.substring(i).strip().split(" ");
        if (rest.length < 1 || rest.length > 2) {
            throw new IllegalArgumentException("expected a value (and a timestamp): " + line);
        }
        return new Sample(name, Collections.unmodifiableMap(labels), Double.parseDouble(rest[0]
                .replace("+Inf", "Infinity").replace("-Inf", "-Infinity")));
    }

    /** The value of the sample with exactly these labels (name=value pairs), if there is one. */
    public Optional<Double> value(String name, String... labels) {
        Map<String, String> wanted = new TreeMap<>();
        for (int i = 0; i < labels.length; i += 2) {
            wanted.put(labels[i], labels[i + 1]);
        }
        return samples.stream().filter(s -> s.name().equals(name) && s.labels().equals(wanted)).findFirst()
                .map(Sample::value);
    }

    /** The value of that sample, 0 when it is absent (a counter never incremented). */
    public double count(String name, String... labels) {
        return value(name, labels).orElse(0.0);
    }

    /** The sum of every sample of that name, whatever its labels. */
    public double sum(String name) {
        return samples.stream().filter(s -> s.name().equals(name)).mapToDouble(Sample::value).sum();
    }

    /** Every sample of that name. */
    public List<Sample> samples(String name) {
        return samples.stream().filter(s -> s.name().equals(name)).toList();
    }

    /** The type a {@code # TYPE} line declared for a metric family, if any. */
    public Optional<String> type(String family) {
        return Optional.ofNullable(types.get(family));
    }

    @Override
    public String toString() {
        return samples.toString();
    }
}
