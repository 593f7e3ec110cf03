package org.postseal.signing;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import org.postseal.dkim.SignatureSpec;
import org.postseal.dkim.SigningKey;

/**
 * A key that signs every message with one {@code d=} and {@code s=}, whatever its From says: dkimsign's
 * {@code SELECTOR DOMAIN KEYFILE}, the smarthost's {@code --domain/--selector/--key} and {@code postseal sign}. Not
 * OpenDKIM's Domain/Selector/KeyFile, which signs only mail From its domains
 * ({@link org.postseal.policy.KeySetup.DomainKey}).
 *
 * @param domain {@code d=}
 * @param selector {@code s=}
 * @param keyFile the private key file
 * @param identity {@code i=}, if any
 */
public record FixedKey(String domain, String selector, Path keyFile, Optional<String> identity) {
    public FixedKey {
        Objects.requireNonNull(domain, "domain");
        Objects.requireNonNull(selector, "selector");
        Objects.requireNonNull(keyFile, "keyFile");
        Objects.requireNonNull(identity, "identity");
    }

    /** Without {@code i=}. */
    public static FixedKey of(String domain, String selector, Path keyFile) {
        return new FixedKey(domain, selector, keyFile, Optional.empty());
    }

    /**
     * The specification of this key's signature by {@code template}.
     *
     * @param key the key read from {@link #keyFile()}
     * @throws IllegalArgumentException if a name, the identity or the template is not acceptable to the engine
     */
    public SignatureSpec spec(SigningKey key, SignatureTemplate template) {
        return template.spec(domain, selector, key, identity);
    }
}
