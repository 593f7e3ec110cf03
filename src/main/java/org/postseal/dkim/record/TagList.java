package org.postseal.dkim.record;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A parsed tag=value list (RFC 6376 §3.2), the syntax of DKIM-Signature fields and key records. Parsing is strict
 * about the grammar (tag names, allowed characters, no duplicate tag) and tolerant of folding whitespace anywhere the
 * grammar allows it. Values are kept with surrounding whitespace removed and inner whitespace as written.
 */
public final class TagList {
    private final Map<String, String> tags;

    private TagList(Map<String, String> tags) {
        this.tags = Collections.unmodifiableMap(tags);
    }

    /**
     * Parses a tag list.
     *
     * @throws TagSyntaxException naming the first thing that breaks the grammar
     */
    public static TagList parse(String text) throws TagSyntaxException {
        Map<String, String> tags = new LinkedHashMap<>();
        int start = 0;
        while (start <= text.length()) {
            int semicolon = text.indexOf(';', start);
            int end = semicolon < 0 ? text.length() : semicolon;
            String spec = text.substring(start, end);
            if (isBlank(spec)) {
                if (semicolon < 0 && !tags.isEmpty()) {
                    break; // a trailing ";" is allowed
                }
                throw new TagSyntaxException(tags.isEmpty() && semicolon < 0 ? "empty tag list" : "empty tag-spec");
            }
            int equals = spec.indexOf('=');
            if (equals < 0) {
                throw new TagSyntaxException("tag-spec without '=': " + spec.strip());
            }
            String name = trim(spec.substring(0, equals));
            String value = trim(spec.substring(equals + 1));
            checkName(name);
            checkValue(name, value);
            if (tags.putIfAbsent(name, value) != null) {
                throw new TagSyntaxException("duplicate tag: " + name);
            }
            if (semicolon < 0) {
                break;
            }
            start = semicolon + 1;
        }
        return new TagList(tags);
    }

    /** The value of a tag, if present. */
    public Optional<String> get(String name) {
        return Optional.ofNullable(tags.get(name));
    }

    /** Whether the tag is present. */
    public boolean has(String name) {
        return tags.containsKey(name);
    }

    /** All tags in the order written. */
    public Map<String, String> asMap() {
        return tags;
    }

    /** Removes all folding whitespace from a value (for base64 values). */
    public static String stripWhitespace(String value) {
        StringBuilder out = new StringBuilder(value.length());
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (!isWhitespace(c)) {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static void checkName(String name) throws TagSyntaxException {
        if (name.isEmpty()) {
            throw new TagSyntaxException("empty tag name");
        }
        if (!isAlpha(name.charAt(0))) {
            throw new TagSyntaxException("bad tag name: " + name);
        }
        for (int i = 1; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!isAlpha(c) && !(c >= '0' && c <= '9') && c != '_') {
                throw new TagSyntaxException("bad tag name: " + name);
            }
        }
    }

    private static void checkValue(String name, String value) throws TagSyntaxException {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\r') {
                if (i + 2 >= value.length() || value.charAt(i + 1) != '\n' || !isWsp(value.charAt(i + 2))) {
                    throw new TagSyntaxException("bad line break in value of tag " + name);
                }
            } else if (c == '\n') {
                // bare LF folding (as Postfix hands folded values to a milter) is tolerated
                if (i + 1 >= value.length() || !isWsp(value.charAt(i + 1))) {
                    throw new TagSyntaxException("bad line break in value of tag " + name);
                }
            } else if (!isWsp(c) && (c < 0x21 || c > 0x7e)) {
                throw new TagSyntaxException(
                        String.format("character 0x%02x not allowed in value of tag %s", (int) c, name));
            }
        }
    }

    private static String trim(String s) {
        int begin = 0;
        int end = s.length();
        while (begin < end && isWhitespace(s.charAt(begin))) {
            begin++;
        }
        while (end > begin && isWhitespace(s.charAt(end - 1))) {
            end--;
        }
        return s.substring(begin, end);
    }

    private static boolean isBlank(String s) {
        return trim(s).isEmpty();
    }

    static boolean isWhitespace(char c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n';
    }

    private static boolean isWsp(char c) {
        return c == ' ' || c == '\t';
    }

    private static boolean isAlpha(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    @Override
    public String toString() {
        return tags.toString();
    }
}
