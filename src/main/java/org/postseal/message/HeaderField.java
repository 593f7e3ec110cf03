package org.postseal.message;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;

/**
 * One header field exactly as it travels: {@code Name: value}, continuation lines joined by CRLF, without the final
 * CRLF. The bytes are kept as given (8-bit bytes included) because simple canonicalization hashes them as they are.
 */
public final class HeaderField {
    private final String name;
    private final byte[] raw;

    private HeaderField(String name, byte[] raw) {
        this.name = name;
        this.raw = raw;
    }

    /**
     * Wraps the bytes of one header field.
     *
     * @throws IllegalArgumentException if there is no colon, the name is empty or holds bytes RFC 5322 does not allow
     *     in a field name, or the field ends with a line break
     */
    public static HeaderField of(byte[] raw) {
        int colon = -1;
        for (int i = 0; i < raw.length; i++) {
            if (raw[i] == ':') {
                colon = i;
                break;
            }
        }
        if (colon < 0) {
            throw new IllegalArgumentException("header field without a colon: " + preview(raw));
        }
        int nameEnd = colon;
        while (nameEnd > 0 && (raw[nameEnd - 1] == ' ' || raw[nameEnd - 1] == '\t')) {
            nameEnd--;
        }
        if (nameEnd == 0) {
            throw new IllegalArgumentException("header field with an empty name: " + preview(raw));
        }
        for (int i = 0; i < nameEnd; i++) {
            if (raw[i] < 33 || raw[i] > 126) {
                throw new IllegalArgumentException("header field name with a forbidden character: " + preview(raw));
            }
        }
        if (raw.length > 0 && (raw[raw.length - 1] == '\n' || raw[raw.length - 1] == '\r')) {
            throw new IllegalArgumentException("header field ends with a line break: " + preview(raw));
        }
        return new HeaderField(new String(raw, 0, nameEnd, StandardCharsets.US_ASCII), raw.clone());
    }

    /** A field made of a name and a value; the value is written after {@code ": "} as given. */
    public static HeaderField of(String name, String value) {
        return of((name + ": " + value).getBytes(StandardCharsets.UTF_8));
    }

    /** The field name as written in the message (case preserved). */
    public String name() {
        return name;
    }

    /** Whether this field's name is {@code other}, ignoring ASCII case. */
    public boolean hasName(String other) {
        return name.equalsIgnoreCase(other);
    }

    /** The field name in lower case, for lookups. */
    public String lowerName() {
        return name.toLowerCase(Locale.ROOT);
    }

    /** A copy of the whole field's bytes. */
    public byte[] raw() {
        return raw.clone();
    }

    /** The length of the whole field in bytes. */
    public int length() {
        return raw.length;
    }

    /** The bytes after the colon, unchanged (leading space and folding included). */
    public byte[] rawValue() {
        int colon = indexOfColon();
        return Arrays.copyOfRange(raw, colon + 1, raw.length);
    }

    /**
     * The value read as text: bytes after the colon, as ISO-8859-1 so that every byte survives, line breaks of
     * folding kept.
     */
    public String value() {
        int colon = indexOfColon();
        return new String(raw, colon + 1, raw.length - colon - 1, StandardCharsets.ISO_8859_1);
    }

    private int indexOfColon() {
        for (int i = name.length(); i < raw.length; i++) {
            if (raw[i] == ':') {
                return i;
            }
        }
        throw new AssertionError("checked at construction");
    }

    private static String preview(byte[] raw) {
        String text = new String(raw, 0, Math.min(raw.length, 40), StandardCharsets.ISO_8859_1);
        return '"' + text.replace("\r", "\\r").replace("\n", "\\n") + (raw.length > 40 ? "...\"" : "\"");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HeaderField other && Arrays.equals(raw, other.raw);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(raw);
    }

    @Override
    public String toString() {
        return new String(raw, StandardCharsets.ISO_8859_1);
    }
}
