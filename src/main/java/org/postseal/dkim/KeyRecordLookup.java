package org.postseal.dkim;

import java.util.List;

/**
 * Where a verifier gets key records: the port that DNS, a file of records, or a test's map stands behind.
 */
@FunctionalInterface
public interface KeyRecordLookup {
    /**
     * Returns the TXT record texts published at {@code selector._domainkey.domain}, each with its strings already
     * concatenated.
     *
     * @throws KeyLookupException {@linkplain KeyLookupException#notFound permanently} if the name has no TXT record
     *     (NXDOMAIN or no data), {@linkplain KeyLookupException#temporary temporarily} if it cannot be known now
     */
    List<String> lookup(String selector, String domain) throws KeyLookupException;
}
