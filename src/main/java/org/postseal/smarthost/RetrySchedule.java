package org.postseal.smarthost;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * When to try a deferred message again: the first retry after {@code first}, each next one after twice the previous
 * wait, never more than {@code max} apart; a message still not delivered {@code lifetime} after it came is given up
 * (Postfix's {@code minimal_backoff_time}, {@code maximal_backoff_time} and {@code maximal_queue_lifetime}, with the
 * same defaults: 5 minutes, 1 hour... here 1 minute, 1 hour and 5 days).
 */
public record RetrySchedule(Duration first, Duration max, Duration lifetime) {
    public static final RetrySchedule DEFAULT = new RetrySchedule(Duration.ofMinutes(1), Duration.ofHours(1),
            Duration.ofDays(5));

    public RetrySchedule {
        Objects.requireNonNull(first, "first");
        Objects.requireNonNull(max, "max");
        Objects.requireNonNull(lifetime, "lifetime");
        if (first.isNegative() || first.isZero()) {
            throw new IllegalArgumentException("first retry: " + first + " (expected: > 0)");
        }
        if (lifetime.isNegative() || lifetime.isZero()) {
            throw new IllegalArgumentException("lifetime: " + lifetime + " (expected: > 0)");
        }
        if (max.compareTo(first) < 0) {
            throw new IllegalArgumentException("max retry: " + max + " (expected: >= first retry " + first + ")");
        }
    }

    /** The time of the next attempt after {@code attempts} failed ones (1 for the first failure). */
    public Instant next(int attempts, Instant now) {
        Duration wait = first;
        for (int i = 1; i < attempts && wait.compareTo(max) < 0; i++) {
            wait = wait.multipliedBy(2);
        }
        return now.plus(wait.compareTo(max) > 0 ? max : wait);
    }

    /** Whether a message that came at {@code created} is too old to try again. */
    public boolean expired(Instant created, Instant now) {
        return !now.isBefore(created.plus(lifetime));
    }
}
