package org.postseal.keys;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.RSAPrivateCrtKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.edec.EdECObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.pkcs.RSAPrivateKey;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.postseal.dkim.CryptoProviders;
import org.postseal.dkim.SignatureAlgorithm;
import org.postseal.dkim.SigningKey;
import org.postseal.dkim.PublicKeyCodec;
import org.postseal.dkim.PublicKeyFormatException;
import org.postseal.files.BoundedFile;

/**
 * Reads a DKIM private key file in the forms the usual tools write, and derives its public key:
 *
 * <ul>
 *   <li>PKCS#1 PEM, {@code -----BEGIN RSA PRIVATE KEY-----}: {@code openssl genrsa -traditional}, older
 *       {@code opendkim-genkey}, OpenSSL 1.x;</li>
 *   <li>PKCS#8 PEM, {@code -----BEGIN PRIVATE KEY-----}, RSA or Ed25519: OpenSSL 3 {@code openssl genrsa} (and so
 *       {@code opendkim-genkey} on Debian 12), {@code openssl genpkey -algorithm ed25519};</li>
 *   <li>one line of base64 of the 32-byte Ed25519 seed: dkimpy's {@code dknewkey --ktype ed25519}; also the 64-byte
 *       seed-and-public-key form libsodium keeps.</li>
 * </ul>
 *
 * Anything else is refused with a {@link KeyFileException} whose message names the problem in one line: an encrypted
 * key, an EC, DSA, Ed448 or RSA-PSS key, a certificate or public key, a truncated or damaged file, an empty file, or
 * an RSA key shorter than the minimum (RFC 8301 §3.2: 1024 bits unless told otherwise). A key that reads is also
 * made to sign a test message which its public key must verify, so a damaged key is found when it is loaded and not
 * at the first message.
 *
 * <p>The 32-byte base64 form cannot be told apart from a base64 Ed25519 <em>public</em> key; such a file reads as a
 * (different) private key, which the public-key check against DNS ({@code postseal testkey}) then exposes.
 */
public final class PrivateKeyReader {
    /** The shortest RSA key read by default: RFC 8301 §3.2 forbids signing with shorter ones. */
    public static final int DEFAULT_MINIMUM_RSA_BITS = 1024;

    private static final int ED25519_SEED_LENGTH = 32;
    private static final byte[] SELF_TEST_MESSAGE = "postseal private key self-test".getBytes(StandardCharsets.US_ASCII);
    private static final String SUPPORTED = "DKIM signs with RSA or Ed25519 keys only";

    private PrivateKeyReader() {
    }

    /**
     * Reads a key file with the default minimum RSA size of 1024 bits.
     *
     * @throws KeyFileException if the file cannot be read (missing, unreadable, a directory, a device or FIFO, over 64 KiB) or does not
     *     hold a usable key; the message starts with the path
     */
    public static SigningKey read(Path path) throws KeyFileException {
        return read(path, DEFAULT_MINIMUM_RSA_BITS);
    }

    /**
     * Reads a key file, refusing RSA keys shorter than {@code minimumRsaBits}.
     *
     * @throws IllegalArgumentException if {@code minimumRsaBits} is below 1024
     * @throws KeyFileException if the file cannot be read (missing, unreadable, a directory, a device or FIFO, over 64 KiB) or does not
     *     hold a usable key; the message starts with the path
     */
    public static SigningKey read(Path path, int minimumRsaBits) throws KeyFileException {
        checkMinimum(minimumRsaBits);
        String source = path.toString();
        byte[] contents;
        try {
            contents = BoundedFile.read(path, "key file", BoundedFile.KEY_LIMIT).bytes();
        } catch (BoundedFile.Refused e) {
            throw new KeyFileException(source, e.getMessage());
        }
        return read(source, contents, minimumRsaBits);
    }

    /**
     * Reads a key from bytes, with the default minimum RSA size of 1024 bits.
     *
     * @param sourceName names the bytes in messages, for example the file name
     * @throws KeyFileException if the bytes do not hold a usable key
     */
    public static SigningKey read(String sourceName, byte[] contents) throws KeyFileException {
        return read(sourceName, contents, DEFAULT_MINIMUM_RSA_BITS);
    }

    /**
     * Reads a key from bytes, refusing RSA keys shorter than {@code minimumRsaBits}.
     *
     * @param sourceName names the bytes in messages, for example the file name
     * @throws IllegalArgumentException if {@code minimumRsaBits} is below 1024
     * @throws KeyFileException if the bytes do not hold a usable key
     */
    public static SigningKey read(String sourceName, byte[] contents, int minimumRsaBits) throws KeyFileException {
        checkMinimum(minimumRsaBits);
        String text = new String(contents, StandardCharsets.ISO_8859_1);
        if (text.startsWith("\u00ef\u00bb\u00bf")) {
            text = text.substring(3); // a UTF-8 byte order mark, as some editors add
        }
        if (text.isBlank()) {
            throw new KeyFileException(sourceName, "is empty");
        }
        if (text.contains("-----BEGIN ") || text.contains("-----END ")) {
            return fromPem(sourceName, text, minimumRsaBits);
        }
        if (isBinary(text)) {
            throw new KeyFileException(sourceName,
                    "is binary, not a PEM private key (DER? convert it with: openssl pkey -inform DER)");
        }
        String compact = text.replaceAll("\\s+", "");
        if (text.contains("v=DKIM1") || text.matches("(?s)(.*;)?\\s*p=.*")) {
            throw new KeyFileException(sourceName, "holds a DKIM DNS record (a public key), not a private key");
        }
        if (!compact.matches("[A-Za-z0-9+/]+={0,2}")) {
            throw new KeyFileException(sourceName,
                    "is neither a PEM private key nor a base64 Ed25519 key (dkimpy form)");
        }
        return fromBase64Ed25519(sourceName, compact);
    }

    private static SigningKey fromPem(String source, String text, int minimumRsaBits) throws KeyFileException {
        List<Pem.Block> blocks = Pem.read(source, text);
        List<Pem.Block> privateKeys = new ArrayList<>();
        Pem.Block other = null;
        for (Pem.Block block : blocks) {
            if (block.type().endsWith("PRIVATE KEY")) {
                privateKeys.add(block);
            } else if (!block.type().equals("EC PARAMETERS") && other == null) {
                // EC PARAMETERS come before an EC PRIVATE KEY in `openssl ecparam -genkey` output: say "EC key".
                other = block;
            }
        }
        if (privateKeys.size() > 1) {
            throw new KeyFileException(source, "holds " + privateKeys.size() + " private keys; expected one");
        }
        if (privateKeys.isEmpty()) {
            throw new KeyFileException(source, other == null ? "holds no private key" : notAPrivateKey(other.type()));
        }
        Pem.Block key = privateKeys.get(0);
        switch (key.type()) {
            case "RSA PRIVATE KEY":
                if (key.headers().containsKey("DEK-Info")
                        || key.headers().getOrDefault("Proc-Type", "").contains("ENCRYPTED")) {
                    throw encrypted(source);
                }
                return rsa(source, rsaPrivateKey(source, key.contents(), "RSA PRIVATE KEY"), minimumRsaBits);
            case "PRIVATE KEY":
                return fromPkcs8(source, key.contents(), minimumRsaBits);
            case "ENCRYPTED PRIVATE KEY":
                throw encrypted(source);
            case "EC PRIVATE KEY":
                throw new KeyFileException(source, "holds an EC key; " + SUPPORTED);
            case "DSA PRIVATE KEY":
                throw new KeyFileException(source, "holds a DSA key; " + SUPPORTED);
            case "OPENSSH PRIVATE KEY":
                throw new KeyFileException(source,
                        "holds an OpenSSH private key; postseal reads PEM keys (PKCS#1 or PKCS#8)");
            default:
                throw new KeyFileException(source, "holds a PEM \"" + key.type() + "\" block, which postseal"
                        + " does not read (expected: RSA PRIVATE KEY or PRIVATE KEY)");
        }
    }

    private static String notAPrivateKey(String type) {
        String upper = type.toUpperCase(Locale.ROOT);
        if (upper.contains("PUBLIC KEY")) {
            return "holds a public key, not a private key";
        }
        if (upper.contains("CERTIFICATE REQUEST")) {
            return "holds a certificate request, not a private key";
        }
        if (upper.contains("CERTIFICATE")) {
            return "holds a certificate, not a private key";
        }
        return "holds a PEM \"" + type + "\" block, not a private key";
    }

    private static KeyFileException encrypted(String source) {
        return new KeyFileException(source, "is an encrypted private key; postseal needs it unencrypted"
                + " (decrypt it with: openssl pkey -in FILE -out NEWFILE)");
    }

    private static SigningKey fromPkcs8(String source, byte[] der, int minimumRsaBits) throws KeyFileException {
        PrivateKeyInfo info;
        ASN1ObjectIdentifier algorithm;
        try {
            info = PrivateKeyInfo.getInstance(ASN1Primitive.fromByteArray(der));
            algorithm = info.getPrivateKeyAlgorithm().getAlgorithm();
        } catch (IOException | RuntimeException e) { // BouncyCastle reports bad DER with assorted unchecked exceptions
            throw notDer(source, "PRIVATE KEY", e);
        }
        if (algorithm.equals(PKCSObjectIdentifiers.rsaEncryption)) {
            byte[] pkcs1;
            try {
                pkcs1 = info.parsePrivateKey().toASN1Primitive().getEncoded();
            } catch (IOException | RuntimeException e) {
                throw notDer(source, "PRIVATE KEY", e);
            }
            return rsa(source, rsaPrivateKey(source, pkcs1, "PRIVATE KEY"), minimumRsaBits);
        }
        if (algorithm.equals(EdECObjectIdentifiers.id_Ed25519)) {
            byte[] seed;
            byte[] publicKey;
            try {
                seed = ASN1OctetString.getInstance(info.parsePrivateKey()).getOctets();
                publicKey = info.hasPublicKey() ? info.getPublicKeyData().getOctets() : null;
            } catch (IOException | RuntimeException e) {
                throw notDer(source, "PRIVATE KEY", e);
            }
            if (seed.length != ED25519_SEED_LENGTH) {
                throw new KeyFileException(source, "holds an Ed25519 key of " + seed.length
                        + " bytes (expected: 32; damaged?)");
            }
            return ed25519(source, seed, publicKey);
        }
        throw new KeyFileException(source, "holds " + describe(algorithm) + "; " + SUPPORTED);
    }

    private static String describe(ASN1ObjectIdentifier algorithm) {
        if (algorithm.equals(X9ObjectIdentifiers.id_ecPublicKey)) {
            return "an EC key";
        }
        if (algorithm.equals(EdECObjectIdentifiers.id_Ed448)) {
            return "an Ed448 key";
        }
        if (algorithm.equals(EdECObjectIdentifiers.id_X25519) || algorithm.equals(EdECObjectIdentifiers.id_X448)) {
            return "an X25519 or X448 key-agreement key";
        }
        if (algorithm.equals(PKCSObjectIdentifiers.id_RSASSA_PSS)) {
            return "an RSA-PSS key (rsa-sha256 needs a plain rsaEncryption key)";
        }
        if (algorithm.equals(X9ObjectIdentifiers.id_dsa)) {
            return "a DSA key";
        }
        return "a key of algorithm " + algorithm.getId();
    }

    private static RSAPrivateKey rsaPrivateKey(String source, byte[] pkcs1, String type) throws KeyFileException {
        try {
            return RSAPrivateKey.getInstance(ASN1Primitive.fromByteArray(pkcs1));
        } catch (IOException | RuntimeException e) {
            throw notDer(source, type, e);
        }
    }

    private static KeyFileException notDer(String source, String type, Exception cause) {
        return new KeyFileException(source, "the \"" + type + "\" block is not a valid key (truncated or damaged?)",
                cause);
    }

    private static SigningKey rsa(String source, RSAPrivateKey key, int minimumRsaBits) throws KeyFileException {
        BigInteger modulus = key.getModulus();
        int bits = modulus.bitLength();
        if (bits < minimumRsaBits) {
            throw new KeyFileException(source, "RSA key of " + bits + " bits is too short (minimum "
                    + minimumRsaBits + ")");
        }
        KeyFactory factory = CryptoProviders.keyFactory("RSA");
        PrivateKey privateKey;
        PublicKey publicKey;
        try {
            privateKey = factory.generatePrivate(new RSAPrivateCrtKeySpec(modulus, key.getPublicExponent(),
                    key.getPrivateExponent(), key.getPrime1(), key.getPrime2(), key.getExponent1(),
                    key.getExponent2(), key.getCoefficient()));
            publicKey = factory.generatePublic(new RSAPublicKeySpec(modulus, key.getPublicExponent()));
        } catch (GeneralSecurityException | RuntimeException e) { // ACCP reports bad keys with unchecked exceptions
            throw new KeyFileException(source, "holds an RSA key that cannot be used (damaged?)", e);
        }
        return selfTested(source, new SigningKey(SignatureAlgorithm.RSA_SHA256, privateKey, publicKey));
    }

    private static SigningKey fromBase64Ed25519(String source, String base64) throws KeyFileException {
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw new KeyFileException(source, "is neither a PEM private key nor valid base64", e);
        }
        if (bytes.length == ED25519_SEED_LENGTH) {
            return ed25519(source, bytes, null);
        }
        if (bytes.length == 2 * ED25519_SEED_LENGTH) {
            return ed25519(source, Arrays.copyOf(bytes, ED25519_SEED_LENGTH),
                    Arrays.copyOfRange(bytes, ED25519_SEED_LENGTH, bytes.length));
        }
        throw new KeyFileException(source, "is base64 of " + bytes.length + " bytes, not an Ed25519 key"
                + " (expected: 32 bytes, as dkimpy's dknewkey writes, or 64)");
    }

    /** An Ed25519 key from its seed; {@code storedPublicKey}, if the file had one, must match the derived one. */
    private static SigningKey ed25519(String source, byte[] seed, byte[] storedPublicKey) throws KeyFileException {
        byte[] derived = new Ed25519PrivateKeyParameters(seed, 0).generatePublicKey().getEncoded();
        if (storedPublicKey != null && !Arrays.equals(derived, storedPublicKey)) {
            throw new KeyFileException(source, "holds an Ed25519 public key that does not belong to its private key"
                    + " (damaged?)");
        }
        PrivateKey privateKey;
        PublicKey publicKey;
        try {
            byte[] pkcs8 = new PrivateKeyInfo(new AlgorithmIdentifier(EdECObjectIdentifiers.id_Ed25519),
                    new DEROctetString(seed)).getEncoded();
            privateKey = CryptoProviders.keyFactory("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
            publicKey = PublicKeyCodec.decode("ed25519", Base64.getEncoder().encodeToString(derived));
        } catch (IOException | GeneralSecurityException | PublicKeyFormatException e) {
            throw new IllegalStateException("Ed25519 key from a 32-byte seed was refused", e);
        }
        return selfTested(source, new SigningKey(SignatureAlgorithm.ED25519_SHA256, privateKey, publicKey));
    }

    private static SigningKey selfTested(String source, SigningKey key) throws KeyFileException {
        String jcaName = key.algorithm() == SignatureAlgorithm.RSA_SHA256 ? "SHA256withRSA" : "Ed25519";
        boolean verified;
        try {
            Signature signer = CryptoProviders.signature(jcaName);
            signer.initSign(key.privateKey());
            signer.update(SELF_TEST_MESSAGE);
            byte[] signature = signer.sign();
            Signature verifier = CryptoProviders.signature(jcaName);
            verifier.initVerify(key.publicKey());
            verifier.update(SELF_TEST_MESSAGE);
            verified = verifier.verify(signature);
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new KeyFileException(source, "holds a key that cannot sign (damaged?)", e);
        }
        if (!verified) {
            throw new KeyFileException(source, "holds a private key that does not match its public key (damaged?)");
        }
        return key;
    }

    private static boolean isBinary(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x20 && c != '\n' && c != '\r' && c != '\t' || c > 0x7e) {
                return true;
            }
        }
        return false;
    }

    private static void checkMinimum(int minimumRsaBits) {
        if (minimumRsaBits < DEFAULT_MINIMUM_RSA_BITS) {
            throw new IllegalArgumentException("minimumRsaBits: " + minimumRsaBits + " (expected: at least "
                    + DEFAULT_MINIMUM_RSA_BITS + ", RFC 8301 §3.2)");
        }
    }
}
