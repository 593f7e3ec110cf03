package org.postseal.config;

import java.util.ArrayList;
import java.util.List;

/**
 * Collects the warnings found while loading a configuration (an option postseal does not support, an entry that can
 * never match...), one line each, so that the caller logs them all at start-up: nothing is ignored in silence. Used
 * by one loading thread; the loaded values keep an immutable copy ({@link #list()}).
 *
 * <p>It also decides what a table line that cannot be used does ({@link #error}): stop the loading there, as
 * start-up does (the default), or, for {@code postseal check} ({@link #collectingErrors()}), be noted and skipped so
 * that every bad line is reported in one run. The loading code is the same either way.
 */
public final class Warnings {
    private final List<String> lines = new ArrayList<>();
    private final List<String> errors;

    /** Warnings for start-up: the first error stops the loading. */
    public Warnings() {
        this.errors = null;
    }

    private Warnings(List<String> errors) {
        this.errors = errors;
    }

    /** Warnings that also collect errors, for a report of every problem: a bad line is noted and skipped. */
    public static Warnings collectingErrors() {
        return new Warnings(new ArrayList<>());
    }

    /** Adds one warning line. */
    public void add(String line) {
        lines.add(line);
    }

    /** Adds {@code where: what}. */
    public void at(String where, String what) {
        lines.add(where + ": " + what);
    }

    /**
     * A line or entry that cannot be used.
     *
     * @throws ConfigException {@code error} itself, unless these warnings collect errors; then it is noted, and the
     *     caller skips what it was reading
     */
    public void error(ConfigException error) {
        if (errors == null) {
            throw error;
        }
        errors.add(error.getMessage());
    }

    /** The errors noted so far, in the order found; always empty unless {@link #collectingErrors()}. */
    public List<String> errors() {
        return errors == null ? List.of() : List.copyOf(errors);
    }

    /** The warnings so far, in the order found. */
    public List<String> list() {
        return List.copyOf(lines);
    }

    public boolean isEmpty() {
        return lines.isEmpty();
    }

    @Override
    public String toString() {
        return String.join("\n", lines);
    }
}
