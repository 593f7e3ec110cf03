package org.postseal.dkim;

import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;

/**
 * The public-key step of each algorithm: RSA signs the header data with SHA-256 inside PKCS#1 v1.5; Ed25519 signs
 * the SHA-256 hash of the header data (RFC 8463 §3).
 */
final class SignatureCrypto {
    private SignatureCrypto() {
    }

    static byte[] sign(SignatureAlgorithm algorithm, PrivateKey key, byte[] data) throws GeneralSecurityException {
        Signature signature = newSignature(algorithm);
        signature.initSign(key);
        signature.update(input(algorithm, data));
        return signature.sign();
    }

    static boolean verify(SignatureAlgorithm algorithm, PublicKey key, byte[] data, byte[] signatureBytes)
            throws GeneralSecurityException {
        Signature signature = newSignature(algorithm);
        signature.initVerify(key);
        signature.update(input(algorithm, data));
        try {
            return signature.verify(signatureBytes);
        } catch (java.security.SignatureException e) {
            return false; // a malformed signature value is a signature that does not verify
        }
    }

    private static Signature newSignature(SignatureAlgorithm algorithm) {
        return switch (algorithm) {
            case RSA_SHA256 -> CryptoProviders.signature("SHA256withRSA");
            case ED25519_SHA256 -> CryptoProviders.signature("Ed25519");
        };
    }

    private static byte[] input(SignatureAlgorithm algorithm, byte[] data) {
        return switch (algorithm) {
            case RSA_SHA256 -> data;
            case ED25519_SHA256 -> CryptoProviders.sha256().digest(data);
        };
    }
}
