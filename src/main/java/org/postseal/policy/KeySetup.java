package org.postseal.policy;

import java.util.Objects;

/**
 * The keys a {@link SigningPolicy} signs with, chosen once: OpenDKIM's KeyTable and SigningTable, or its
 * Domain/Selector/KeyFile trio. A policy has at most one (none means it signs nothing).
 */
public sealed interface KeySetup permits KeySetup.Tables, KeySetup.DomainKey {
    /**
     * KeyTable and SigningTable: the SigningTable maps the From address to KeyTable entries.
     *
     * @param keyTable the keys by name
     * @param signingTable which From addresses use which keys
     * @param multipleSignatures every matching SigningTable entry signs (OpenDKIM's MultipleSignatures)
     */
    record Tables(KeyTable keyTable, SigningTable signingTable, boolean multipleSignatures) implements KeySetup {
        public Tables {
            Objects.requireNonNull(keyTable, "keyTable");
            Objects.requireNonNull(signingTable, "signingTable");
        }
    }

    /**
     * OpenDKIM's Domain, Selector and KeyFile: one key that signs only mail whose From domain is in {@code domains}
     * (or, with {@code subDomains}, below one of them). Not to be confused with the dkimsign-style key that signs
     * every message whatever its From ({@code org.postseal.signing.FixedKey}).
     *
     * @param domains the signing domains; {@code *} means every domain
     * @param selector the selector
     * @param keyFile the private key file, as configured
     * @param subDomains whether subdomains of {@code domains} are signed too, with the parent as {@code d=}
     */
    record DomainKey(NameSet domains, String selector, String keyFile, boolean subDomains) implements KeySetup {
        public DomainKey {
            Objects.requireNonNull(domains, "domains");
            Objects.requireNonNull(selector, "selector");
            Objects.requireNonNull(keyFile, "keyFile");
        }
    }
}
