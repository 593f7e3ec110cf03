package org.postseal.events;

import java.util.Locale;

/** How one DKIM key record lookup was answered. */
public enum KeyLookup {
    /** From the cache (or by a query another lookup of the same name had started). */
    CACHED,
    /** A DNS query found TXT records. */
    FOUND,
    /** A DNS query said there is no usable record (NXDOMAIN, no TXT). */
    NOT_FOUND,
    /** A DNS query failed for now (timeout, SERVFAIL, network). */
    TEMPORARY_FAILURE;

    /** The label value: the name in lower case. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
