package org.postseal.events;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * A message signed.
 *
 * @param domains the distinct {@code d=} of its signatures, at least one
 * @param elapsed how long signing held the message: in the milter from the end of the message to the reply, in the
 *     smarthost the whole signing of the message in memory
 */
public record MessageSigned(List<String> domains, Duration elapsed) {
    /**
     * @throws IllegalArgumentException if there is no domain or the time is negative
     */
    public MessageSigned {
        domains = List.copyOf(domains);
        Objects.requireNonNull(elapsed, "elapsed");
        if (domains.isEmpty() || elapsed.isNegative()) {
            throw new IllegalArgumentException("domains: " + domains + ", elapsed: " + elapsed
                    + " (expected: at least one domain, a time >= 0)");
        }
    }
}
