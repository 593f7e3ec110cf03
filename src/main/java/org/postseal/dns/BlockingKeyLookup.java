package org.postseal.dns;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.postseal.dkim.KeyLookupException;
import org.postseal.dkim.KeyRecordLookup;

/**
 * The engine's synchronous {@link KeyRecordLookup} over a {@link KeyRecordSource}, for one-shot commands
 * ({@code postseal verify}, {@code postseal testkey}) that may wait: each lookup waits at most the timeout, and
 * anything but an answer or a {@link KeyLookupException} is a temporary failure. Not for an event loop.
 */
public final class BlockingKeyLookup implements KeyRecordLookup {
    private final KeyRecordSource source;
    private final Duration timeout;

    /**
     * Waits on {@code source} at most {@code timeout} per lookup.
     *
     * @throws IllegalArgumentException if the timeout is not positive
     */
    public BlockingKeyLookup(KeyRecordSource source, Duration timeout) {
        this.source = Objects.requireNonNull(source, "source");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout: " + timeout + " (expected: positive)");
        }
        this.timeout = timeout;
    }

    @Override
    public List<String> lookup(String selector, String domain) throws KeyLookupException {
        String name = selector + "._domainkey." + domain;
        CompletableFuture<List<String>> answer = source.lookup(selector, domain);
        try {
            return answer.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof KeyLookupException failure) {
                throw failure;
            }
            throw KeyLookupException.temporary("lookup of " + name + " failed: " + e.getCause());
        } catch (TimeoutException e) {
            answer.cancel(false);
            throw KeyLookupException.temporary("lookup of " + name + " timed out after " + timeout.toMillis()
                    + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw KeyLookupException.temporary("lookup of " + name + " interrupted");
        }
    }
}
