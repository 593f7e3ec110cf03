package org.postseal.dkim;

import java.util.Objects;

/**
 * The header and body canonicalizations of one signature, written {@code header/body} in the {@code c=} tag; a
 * missing body half means "simple" (RFC 6376 §3.5).
 *
 * @param header how header fields are canonicalized
 * @param body how the body is canonicalized
 */
public record CanonicalizationPair(Canonicalization header, Canonicalization body) {
    public static final CanonicalizationPair SIMPLE_SIMPLE =
            new CanonicalizationPair(Canonicalization.SIMPLE, Canonicalization.SIMPLE);
    public static final CanonicalizationPair RELAXED_SIMPLE =
            new CanonicalizationPair(Canonicalization.RELAXED, Canonicalization.SIMPLE);
    public static final CanonicalizationPair RELAXED_RELAXED =
            new CanonicalizationPair(Canonicalization.RELAXED, Canonicalization.RELAXED);

    public CanonicalizationPair {
        Objects.requireNonNull(header, "header");
        Objects.requireNonNull(body, "body");
    }

    /**
     * Reads a {@code c=} value such as {@code relaxed/simple} or {@code relaxed}.
     *
     * @throws IllegalArgumentException naming the value if either half is unknown
     */
    public static CanonicalizationPair parse(String value) {
        String text = value.trim();
        int slash = text.indexOf('/');
        String headerPart = slash < 0 ? text : text.substring(0, slash);
        String bodyPart = slash < 0 ? "simple" : text.substring(slash + 1);
        Canonicalization header = Canonicalization.fromTag(headerPart).orElseThrow(
                () -> new IllegalArgumentException("canonicalization: " + value + " (expected: simple or relaxed)"));
        Canonicalization body = Canonicalization.fromTag(bodyPart).orElseThrow(
                () -> new IllegalArgumentException("canonicalization: " + value + " (expected: simple or relaxed)"));
        return new CanonicalizationPair(header, body);
    }

    @Override
    public String toString() {
        return header.tag() + "/" + body.tag();
    }
}
