package org.postseal.smarthost;

import java.time.Duration;
import java.util.Objects;

/**
 * What one client of the smarthost's socket may take: the size of its message, the silence and the total time it
 * may take to send it, and what all clients share: the memory and the number of submissions served at once. The
 * limits bound what a local user who may write to the socket can hold: memory only as bytes actually sent, never
 * more than one message's worth per connection, never for longer than {@code messageDeadline}, and never more than
 * {@code maxSubmissions} connections.
 *
 * @param maxMessageBytes the largest message accepted
 * @param readTimeout the longest silence from a client before its submission is dropped
 * @param messageDeadline the longest time from connection to the last byte of the message
 * @param maxSubmissions connections served at once; one more is answered "busy" and closed
 */
public record SubmissionLimits(long maxMessageBytes, Duration readTimeout, Duration messageDeadline,
        int maxSubmissions) {
    /** The default bound on submissions at once, as {@code reference.conf} sets it. */
    public static final int DEFAULT_MAX_SUBMISSIONS = 256;

    /** The smallest memory budget: message bytes held in memory at once, over all clients. */
    static final long MEMORY_BUDGET = 256L << 20;
    /**
     * How many messages of the largest size always fit in the budget together: one connection can hold at most a
     * quarter of it, so a single client never locks the others out.
     */
    static final int LARGEST_MESSAGES_IN_BUDGET = 4;

    public SubmissionLimits {
        if (maxMessageBytes < 1 || maxMessageBytes > Integer.MAX_VALUE - 64) {
            throw new IllegalArgumentException("maxMessageBytes: " + maxMessageBytes + " (expected: 1 to 2G)");
        }
        requirePositive(Objects.requireNonNull(readTimeout, "readTimeout"), "readTimeout");
        requirePositive(Objects.requireNonNull(messageDeadline, "messageDeadline"), "messageDeadline");
        if (maxSubmissions < 1) {
            throw new IllegalArgumentException("maxSubmissions: " + maxSubmissions + " (expected: >= 1)");
        }
    }

    /** Limits with the default bound on submissions at once ({@value #DEFAULT_MAX_SUBMISSIONS}). */
    public SubmissionLimits(long maxMessageBytes, Duration readTimeout, Duration messageDeadline) {
        this(maxMessageBytes, readTimeout, messageDeadline, DEFAULT_MAX_SUBMISSIONS);
    }

    private static void requirePositive(Duration d, String name) {
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + ": " + d + " (expected: more than 0)");
        }
    }

    /** The bytes of messages held in memory at once, over all clients: 256 MiB, or four of the largest messages. */
    public long memoryBudget() {
        return Math.max(MEMORY_BUDGET, LARGEST_MESSAGES_IN_BUDGET * maxMessageBytes);
    }
}
