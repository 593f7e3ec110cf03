package org.postseal.dkim;

import java.util.Locale;
import java.util.Optional;

/**
 * The DKIM signing algorithms postseal signs and verifies: the {@code a=} tag of a DKIM-Signature and, through
 * {@link #keyType()}, the {@code k=} tag of the key record that goes with it.
 */
public enum SignatureAlgorithm {
    /** RFC 6376 §3.3.1: RSASSA-PKCS1-v1_5 over SHA-256. */
    RSA_SHA256("rsa-sha256", "rsa"),
    /** RFC 8463 §3: PureEdDSA Ed25519 over the SHA-256 hash of the signed data. */
    ED25519_SHA256("ed25519-sha256", "ed25519");

    private final String tag;
    private final String keyType;

    SignatureAlgorithm(String tag, String keyType) {
        this.tag = tag;
        this.keyType = keyType;
    }

    /** The value of the {@code a=} tag, for example {@code rsa-sha256}. */
    public String tag() {
        return tag;
    }

    /** The value of the key record's {@code k=} tag that this algorithm needs, for example {@code rsa}. */
    public String keyType() {
        return keyType;
    }

    /** The algorithm an {@code a=} value names, ignoring case; empty if postseal does not know it. */
    public static Optional<SignatureAlgorithm> fromTag(String value) {
        String wanted = value.trim().toLowerCase(Locale.ROOT);
        for (SignatureAlgorithm algorithm : values()) {
            if (algorithm.tag.equals(wanted)) {
                return Optional.of(algorithm);
            }
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        return tag;
    }
}
