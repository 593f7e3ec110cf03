package org.postseal.dkim;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** A key lookup answered from a map of {@code selector._domainkey.domain} to record text, for engine tests. */
final class MapKeyLookup implements KeyRecordLookup {
    private final Map<String, String> records = new HashMap<>();
    private boolean temporaryFailure;

    MapKeyLookup put(String selector, String domain, String record) {
        records.put(name(selector, domain), record);
        return this;
    }

    MapKeyLookup failTemporarily() {
        temporaryFailure = true;
        return this;
    }

    @Override
    public List<String> lookup(String selector, String domain) throws KeyLookupException {
        if (temporaryFailure) {
            throw KeyLookupException.temporary("SERVFAIL for " + name(selector, domain));
        }
        String record = records.get(name(selector, domain));
        if (record == null) {
            throw KeyLookupException.notFound("NXDOMAIN for " + name(selector, domain));
        }
        return List.of(record);
    }

    private static String name(String selector, String domain) {
        return (selector + "._domainkey." + domain).toLowerCase(Locale.ROOT);
    }
}
