package org.postseal.dkim;

import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.Objects;

/**
 * A private key ready to sign with, together with the algorithm it signs for and its public half (which goes into
 * the DNS record and lets a signer check its own work).
 *
 * @param algorithm the DKIM algorithm this key signs with
 * @param privateKey the JCA private key (RSA or Ed25519)
 * @param publicKey the matching public key
 */
public record SigningKey(SignatureAlgorithm algorithm, PrivateKey privateKey, PublicKey publicKey) {
    public SigningKey {
        Objects.requireNonNull(algorithm, "algorithm");
        Objects.requireNonNull(privateKey, "privateKey");
        Objects.requireNonNull(publicKey, "publicKey");
    }

    /** The key's size in bits: the RSA modulus's length, 256 for Ed25519. */
    public int bits() {
        return publicKey instanceof java.security.interfaces.RSAKey rsa ? rsa.getModulus().bitLength() : 256;
    }

    @Override
    public String toString() {
        return "SigningKey[" + algorithm + "]";
    }
}
