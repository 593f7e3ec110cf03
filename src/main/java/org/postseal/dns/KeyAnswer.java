package org.postseal.dns;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * What DNS said about a key record's name, and for how long that may be believed: the TXT texts, or the reason there
 * are none (NXDOMAIN, no TXT record, an answer over the limits). Temporary failures are not answers: they complete
 * the query exceptionally and are never cached.
 */
final class KeyAnswer {
    private final List<String> texts;
    private final String notFound;
    private final Duration ttl;

    private KeyAnswer(List<String> texts, String notFound, Duration ttl) {
        this.texts = List.copyOf(texts);
        this.notFound = notFound;
        this.ttl = ttl.isNegative() ? Duration.ZERO : ttl;
    }

    /** The texts of the TXT records at the name, each with its strings joined, kept for {@code ttl}. */
    static KeyAnswer found(List<String> texts, Duration ttl) {
        if (texts.isEmpty()) {
            throw new IllegalArgumentException("texts: empty (expected: at least one; use notFound)");
        }
        return new KeyAnswer(texts, null, ttl);
    }

    /** No usable record, for the reason given, kept for {@code ttl}. */
    static KeyAnswer notFound(String reason, Duration ttl) {
        return new KeyAnswer(List.of(), reason, ttl);
    }

    List<String> texts() {
        return texts;
    }

    /** Why there is no record; empty when there is. */
    Optional<String> notFoundReason() {
        return Optional.ofNullable(notFound);
    }

    /** How long the answer may be kept. */
    Duration ttl() {
        return ttl;
    }

    @Override
    public String toString() {
        return (notFound == null ? texts.size() + " TXT" : "not found: " + notFound) + ", ttl " + ttl.toSeconds() + "s";
    }
}
