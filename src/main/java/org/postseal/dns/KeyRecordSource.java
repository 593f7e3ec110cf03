package org.postseal.dns;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.postseal.dkim.KeyLookupException;
import org.postseal.dkim.KeyRecordLookup;

/**
 * Where the milter gets DKIM key records without blocking its event loop: the lookup starts when the signatures are
 * known (at the end of the header) and is complete, or failed, by the end of the message.
 *
 * <p>A lookup completes with the TXT texts published at {@code selector._domainkey.domain}, each with its strings
 * joined, or exceptionally with a {@link KeyLookupException} that says whether the failure is permanent (NXDOMAIN, no
 * TXT record: RFC 6376 §6.1.2 {@code permerror}) or temporary (timeout, SERVFAIL, network error: {@code temperror}).
 */
@FunctionalInterface
public interface KeyRecordSource {
    /** Starts looking up {@code selector._domainkey.domain}; never blocks. */
    CompletableFuture<List<String>> lookup(String selector, String domain);

    /**
     * A source that {@code maker} makes at the first lookup, once, so that what it holds is loaded only if a message
     * needs it.
     */
    static KeyRecordSource whenFirstUsed(Supplier<? extends KeyRecordSource> maker) {
        return new DeferredKeyRecordSource(maker);
    }

    /** A source answered at once by a synchronous lookup (records from files, a test's map). */
    static KeyRecordSource of(KeyRecordLookup lookup) {
        return (selector, domain) -> {
            try {
                return CompletableFuture.completedFuture(lookup.lookup(selector, domain));
            } catch (KeyLookupException e) {
                return CompletableFuture.failedFuture(e);
            }
        };
    }
}
