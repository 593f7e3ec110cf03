package org.postseal.metrics;

import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Keeps a label that strangers choose (the {@code d=} of a signature verified) from growing without bound: the first
 * {@code max} distinct values seen are kept as themselves, every later one becomes {@value #OTHER}. Values are
 * lower-cased (domains compare without case); an empty one is {@value #NONE}, one longer than a DNS name
 * {@value #OTHER}. Thread-safe.
 */
final class BoundedLabels {
    static final String OTHER = "other";
    static final String NONE = "none";
    private static final int LONGEST_NAME = 253;

    private final int max;
    private final Set<String> admitted = ConcurrentHashMap.newKeySet();

    /**
     * @throws IllegalArgumentException if {@code max} is negative
     */
    BoundedLabels(int max) {
        if (max < 0) {
            throw new IllegalArgumentException("max: " + max + " (expected: >= 0)");
        }
        this.max = max;
    }

    /** The label value for {@code value}: itself (lower case) while there is room or once admitted, else "other". */
    String of(String value) {
        if (value.isEmpty()) {
            return NONE;
        }
        if (value.length() > LONGEST_NAME) {
            return OTHER;
        }
        String label = value.toLowerCase(Locale.ROOT);
        if (admitted.contains(label)) {
            return label;
        }
        synchronized (admitted) {
            if (admitted.size() < max || admitted.contains(label)) {
                admitted.add(label);
                return label;
            }
        }
        return OTHER;
    }

    /** How many distinct values are kept. */
    int size() {
        return admitted.size();
    }
}
