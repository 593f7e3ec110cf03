package org.postseal.config;

import java.util.ArrayList;
import java.util.List;

/**
 * Collects the warnings found while loading a configuration (an option postseal does not support, an entry that can
 * never match...), one line each, so that the caller logs them all at start-up: nothing is ignored in silence. Used
 * by one loading thread; the loaded values keep an immutable copy ({@link #list()}).
 */
public final class Warnings {
    private final List<String> lines = new ArrayList<>();

    /** Adds one warning line. */
    public void add(String line) {
        lines.add(line);
    }

    /** Adds {@code where: what}. */
    public void at(String where, String what) {
        lines.add(where + ": " + what);
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
