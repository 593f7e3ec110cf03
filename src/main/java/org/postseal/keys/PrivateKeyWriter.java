package org.postseal.keys;

import java.io.IOException;
import java.util.Objects;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.postseal.dkim.SignatureAlgorithm;
import org.postseal.dkim.SigningKey;

/**
 * Writes a private key as PEM text in the form each DKIM implementation reads most widely:
 *
 * <ul>
 *   <li>RSA as PKCS#1, {@code -----BEGIN RSA PRIVATE KEY-----}: OpenDKIM, dkimpy, Mail::DKIM and every OpenSSL
 *       version read it;</li>
 *   <li>Ed25519 as PKCS#8, {@code -----BEGIN PRIVATE KEY-----}, exactly what {@code openssl genpkey -algorithm
 *       ed25519} writes (there is no older form).</li>
 * </ul>
 *
 * The text is byte for byte what OpenSSL writes for the same key (64-character lines, {@code \n} line ends), and
 * {@link PrivateKeyReader} reads it back.
 */
public final class PrivateKeyWriter {
    private PrivateKeyWriter() {
    }

    /**
     * The PEM text of a key's private half.
     *
     * @throws IllegalArgumentException if the private key cannot be exported (it has no PKCS#8 encoding)
     */
    public static String pem(SigningKey key) {
        Objects.requireNonNull(key, "key");
        byte[] pkcs8 = key.privateKey().getEncoded();
        if (pkcs8 == null || !"PKCS#8".equalsIgnoreCase(key.privateKey().getFormat())) {
            throw new IllegalArgumentException("key: the private key cannot be exported (no PKCS#8 encoding)");
        }
        try {
            PrivateKeyInfo info = PrivateKeyInfo.getInstance(pkcs8);
            if (key.algorithm() == SignatureAlgorithm.RSA_SHA256) {
                return Pem.write("RSA PRIVATE KEY", info.parsePrivateKey().toASN1Primitive().getEncoded("DER"));
            }
            // Version 1 with just the seed: drop any public key or attributes a provider may have added.
            PrivateKeyInfo plain = new PrivateKeyInfo(info.getPrivateKeyAlgorithm(), info.parsePrivateKey());
            return Pem.write("PRIVATE KEY", plain.getEncoded("DER"));
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("key: the provider's PKCS#8 encoding cannot be read", e);
        }
    }
}
