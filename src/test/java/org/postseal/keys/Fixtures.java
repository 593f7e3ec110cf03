package org.postseal.keys;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import org.postseal.dkim.SignatureAlgorithm;
import org.postseal.dkim.SigningKey;

/** The files under {@code src/test/resources/keys/}, made by the real tools (see the README there). */
final class Fixtures {
    private Fixtures() {
    }

    static byte[] bytes(String name) {
        try (InputStream in = Fixtures.class.getResourceAsStream("/keys/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no fixture keys/" + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String text(String name) {
        return new String(bytes(name), StandardCharsets.US_ASCII);
    }

    /** The DER inside a one-block PEM file, such as the output of {@code openssl pkey -pubout}. */
    static byte[] pemContents(String name) {
        StringBuilder base64 = new StringBuilder();
        for (String line : text(name).split("\n")) {
            if (!line.startsWith("-----")) {
                base64.append(line.strip());
            }
        }
        return Base64.getDecoder().decode(base64.toString());
    }

    /** The public key in a {@code openssl pkey -pubout} file, through the JDK alone. */
    static PublicKey jdkPublicKey(String name, SignatureAlgorithm algorithm) throws GeneralSecurityException {
        String jcaName = algorithm == SignatureAlgorithm.RSA_SHA256 ? "RSA" : "Ed25519";
        return java.security.KeyFactory.getInstance(jcaName).generatePublic(new X509EncodedKeySpec(pemContents(name)));
    }

    static String jcaSignatureName(SignatureAlgorithm algorithm) {
        return algorithm == SignatureAlgorithm.RSA_SHA256 ? "SHA256withRSA" : "Ed25519";
    }

    /** Signs with the key through the JDK's default providers. */
    static byte[] jdkSign(SigningKey key, byte[] message) throws GeneralSecurityException {
        Signature signer = Signature.getInstance(jcaSignatureName(key.algorithm()));
        signer.initSign(key.privateKey());
        signer.update(message);
        return signer.sign();
    }

    /** Verifies through the JDK's default providers. */
    static boolean jdkVerify(SignatureAlgorithm algorithm, PublicKey key, byte[] message, byte[] signature)
            throws GeneralSecurityException {
        Signature verifier = Signature.getInstance(jcaSignatureName(algorithm));
        verifier.initVerify(key);
        verifier.update(message);
        return verifier.verify(signature);
    }
}
