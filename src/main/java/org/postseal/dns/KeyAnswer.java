package org.postseal.dns;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.postseal.dkim.KeyLookupException;

/**
 * What DNS said about a key record's name, and how long that may be believed: the TXT texts; no usable record
 * (NXDOMAIN, no TXT record, an answer over the limits: permanent); or no answer (timeout, SERVFAIL, network error:
 * temporary, kept for no time at all, so that only lookups already waiting share it).
 */
final class KeyAnswer {
    private enum Kind { FOUND, NOT_FOUND, TEMPORARY }

    private final Kind kind;
    private final List<String> texts;
    private final String reason;
    private final Duration ttl;

    private KeyAnswer(Kind kind, List<String> texts, String reason, Duration ttl) {
        this.kind = kind;
        this.texts = List.copyOf(texts);
        this.reason = reason;
        this.ttl = ttl.isNegative() ? Duration.ZERO : ttl;
    }

    /**
     * The texts of the TXT records at the name, each with its strings joined, kept for {@code ttl}.
     *
     * @throws IllegalArgumentException if there is no text
     */
    static KeyAnswer found(List<String> texts, Duration ttl) {
        if (texts.isEmpty()) {
            throw new IllegalArgumentException("texts: empty (expected: at least one; use notFound)");
        }
        return new KeyAnswer(Kind.FOUND, texts, null, ttl);
    }

    /** No usable record, for the reason given, kept for {@code ttl}. */
    static KeyAnswer notFound(String reason, Duration ttl) {
        return new KeyAnswer(Kind.NOT_FOUND, List.of(), reason, ttl);
    }

    /** No answer for now, for the reason given; never kept. */
    static KeyAnswer temporary(String reason) {
        return new KeyAnswer(Kind.TEMPORARY, List.of(), reason, Duration.ZERO);
    }

    /** The texts, or the failure as a {@link KeyLookupException}, permanent or temporary. */
    CompletableFuture<List<String>> result() {
        return switch (kind) {
            case FOUND -> CompletableFuture.completedFuture(texts);
            case NOT_FOUND -> CompletableFuture.failedFuture(KeyLookupException.notFound(reason));
            case TEMPORARY -> CompletableFuture.failedFuture(KeyLookupException.temporary(reason));
        };
    }

    List<String> texts() {
        return texts;
    }

    /** Why there is no record; empty when there is one, or when the failure is temporary. */
    Optional<String> notFoundReason() {
        return kind == Kind.NOT_FOUND ? Optional.of(reason) : Optional.empty();
    }

    /** Why there is no answer now; empty unless the failure is temporary. */
    Optional<String> temporaryReason() {
        return kind == Kind.TEMPORARY ? Optional.of(reason) : Optional.empty();
    }

    /** How long the answer may be kept. */
    Duration ttl() {
        return ttl;
    }

    @Override
    public String toString() {
        return switch (kind) {
            case FOUND -> texts.size() + " TXT";
            case NOT_FOUND -> "not found: " + reason;
            case TEMPORARY -> "temporary: " + reason;
        } + ", ttl " + ttl.toSeconds() + "s";
    }
}
