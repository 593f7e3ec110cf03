package org.postseal.dkim;

import java.util.Objects;

/**
 * Where a signature's key record is published: {@code selector._domainkey.domain}.
 *
 * @param selector the {@code s=} value
 * @param domain the {@code d=} value
 */
public record KeyName(String selector, String domain) {
    public KeyName {
        Objects.requireNonNull(selector, "selector");
        Objects.requireNonNull(domain, "domain");
    }

    /** The DNS name of the TXT record. */
    @Override
    public String toString() {
        return selector + "._domainkey." + domain;
    }
}
