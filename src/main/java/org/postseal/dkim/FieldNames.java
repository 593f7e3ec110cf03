package org.postseal.dkim;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A checked list of header field names, such as the fields a signature signs, with a membership test that ignores
 * case. Immutable: a configuration builds it once, and every message's signature uses it as it is, instead of
 * checking and indexing the names again per message.
 */
public final class FieldNames {
    private final List<String> names;
    private final Set<String> lowerCase;

    private FieldNames(List<String> names) {
        this.names = List.copyOf(names);
        Set<String> folded = new HashSet<>();
        for (String name : names) {
            folded.add(name.toLowerCase(Locale.ROOT));
        }
        this.lowerCase = Set.copyOf(folded);
    }

    /**
     * The names, in order.
     *
     * @throws IllegalArgumentException if a name is not a valid field name (RFC 5322 §3.6.8: printable ASCII
     *     without a colon)
     */
    public static FieldNames of(List<String> names) {
        List<String> checked = new ArrayList<>(names.size());
        for (String name : names) {
            checked.add(check(name));
        }
        return new FieldNames(checked);
    }

    /** These names with {@code name} first, unless one of them already is {@code name} in any case. */
    FieldNames withFirst(String name) {
        if (contains(name)) {
            return this;
        }
        List<String> more = new ArrayList<>(names.size() + 1);
        more.add(check(name));
        more.addAll(names);
        return new FieldNames(more);
    }

    /** Whether {@code name} is one of these, ignoring case. */
    public boolean contains(String name) {
        return lowerCase.contains(name.toLowerCase(Locale.ROOT));
    }

    /** The names as given, in order. */
    public List<String> list() {
        return names;
    }

    private static String check(String name) {
        for (int i = 0; i < name.length(); i++) {
            char ch = name.charAt(i);
            if (ch < 33 || ch > 126 || ch == ':') {
                throw new IllegalArgumentException("header field name: " + name);
            }
        }
        if (name.isEmpty()) {
            throw new IllegalArgumentException("header field name: " + name);
        }
        return name;
    }

    @Override
    public String toString() {
        return names.toString();
    }
}
