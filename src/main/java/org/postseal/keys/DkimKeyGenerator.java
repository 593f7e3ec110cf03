package org.postseal.keys;

import java.security.InvalidAlgorithmParameterException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.RSAKeyGenParameterSpec;
import java.util.Objects;
import org.postseal.dkim.CryptoProviders;
import org.postseal.dkim.SignatureAlgorithm;
import org.postseal.dkim.SigningKey;

/**
 * Makes new DKIM keys, through {@link CryptoProviders} (so with ACCP where it loads). Write the private half with
 * {@link PrivateKeyWriter} and publish the public half with {@link KeyRecordText}.
 */
public final class DkimKeyGenerator {
    /** RSA size when none is asked for: what opendkim-genkey (Debian) and dkimpy's dknewkey make. */
    public static final int DEFAULT_RSA_BITS = 2048;
    /** RFC 8301 §3.2: signers MUST use RSA keys of at least 1024 bits. */
    public static final int MINIMUM_RSA_BITS = 1024;
    /** Larger keys take minutes to make and no verifier is required to accept them (RFC 8301 §3.2 says 4096). */
    public static final int MAXIMUM_RSA_BITS = 8192;

    private DkimKeyGenerator() {
    }

    /** A new key for the algorithm: RSA of {@value #DEFAULT_RSA_BITS} bits, or Ed25519. */
    public static SigningKey generate(SignatureAlgorithm algorithm) {
        Objects.requireNonNull(algorithm, "algorithm");
        return algorithm == SignatureAlgorithm.RSA_SHA256 ? rsa(DEFAULT_RSA_BITS) : ed25519();
    }

    /**
     * A new RSA key with public exponent 65537.
     *
     * @throws IllegalArgumentException if {@code bits} is below {@value #MINIMUM_RSA_BITS} or above
     *     {@value #MAXIMUM_RSA_BITS}
     */
    public static SigningKey rsa(int bits) {
        if (bits < MINIMUM_RSA_BITS || bits > MAXIMUM_RSA_BITS) {
            throw new IllegalArgumentException("bits: " + bits + " (expected: " + MINIMUM_RSA_BITS + " to "
                    + MAXIMUM_RSA_BITS + ")");
        }
        KeyPairGenerator generator = CryptoProviders.keyPairGenerator("RSA");
        try {
            generator.initialize(new RSAKeyGenParameterSpec(bits, RSAKeyGenParameterSpec.F4));
        } catch (InvalidAlgorithmParameterException e) {
            throw new IllegalStateException("the RSA key generator refused " + bits + " bits", e);
        }
        KeyPair pair = generator.generateKeyPair();
        return new SigningKey(SignatureAlgorithm.RSA_SHA256, pair.getPrivate(), pair.getPublic());
    }

    /** A new Ed25519 key (RFC 8463). */
    public static SigningKey ed25519() {
        KeyPair pair = CryptoProviders.keyPairGenerator("Ed25519").generateKeyPair();
        return new SigningKey(SignatureAlgorithm.ED25519_SHA256, pair.getPrivate(), pair.getPublic());
    }
}
