package org.postseal.dkim;

import java.math.BigInteger;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.KeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.Locale;
import java.util.Objects;

/**
 * Turns a public key into the {@code p=} value of a DKIM key record and back.
 *
 * <ul>
 *   <li>{@code k=rsa} (RFC 6376 §3.6.1): base64 of the DER SubjectPublicKeyInfo, which is what every signer
 *       publishes. Reading also takes a bare PKCS#1 RSAPublicKey, which RFC 6376 §3.6.1 literally describes and a
 *       few publishers use.</li>
 *   <li>{@code k=ed25519} (RFC 8463 §4): base64 of the raw 32-byte public key, with no SubjectPublicKeyInfo around
 *       it.</li>
 * </ul>
 *
 * Whitespace inside the base64 is ignored, as RFC 6376 allows folding there. The DER is read by a small parser here,
 * so a record from DNS never reaches a provider's own parser; keys are built through {@link CryptoProviders}.
 */
public final class PublicKeyCodec {
    /** Length of a raw Ed25519 public key (RFC 8032 §5.1.5). */
    private static final int ED25519_KEY_LENGTH = 32;
    /** DER of an Ed25519 SubjectPublicKeyInfo up to the key itself (RFC 8410 §4). */
    private static final byte[] ED25519_SPKI_PREFIX = {
        0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};
    /** Contents of OID 1.2.840.113549.1.1.1, rsaEncryption. */
    private static final byte[] RSA_ENCRYPTION_OID = {
        0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01};
    /** Contents of OID 1.3.101.112, id-Ed25519. */
    private static final byte[] ED25519_OID = {0x2b, 0x65, 0x70};

    private static final int INTEGER = 0x02;
    private static final int BIT_STRING = 0x03;
    private static final int OBJECT_IDENTIFIER = 0x06;
    private static final int SEQUENCE = 0x30;

    private PublicKeyCodec() {
    }

    /**
     * The {@code p=} value for a key: base64 without line breaks.
     *
     * @throws IllegalArgumentException if the key is neither RSA nor Ed25519
     */
    public static String encode(PublicKey key) {
        byte[] spki = subjectPublicKeyInfo(key);
        if (algorithmOf(spki) == SignatureAlgorithm.ED25519_SHA256) {
            return Base64.getEncoder().encodeToString(
                    Arrays.copyOfRange(spki, spki.length - ED25519_KEY_LENGTH, spki.length));
        }
        return Base64.getEncoder().encodeToString(spki);
    }

    /**
     * The DKIM algorithm a public key signs for, judged from its SubjectPublicKeyInfo, so keys from any provider are
     * recognised.
     *
     * @throws IllegalArgumentException if the key is neither RSA ({@code rsaEncryption}) nor Ed25519
     */
    public static SignatureAlgorithm algorithm(PublicKey key) {
        return algorithmOf(subjectPublicKeyInfo(key));
    }

    /**
     * Reads a {@code p=} value.
     *
     * @param keyType the record's {@code k=} value ({@code rsa} or {@code ed25519}, any case)
     * @param base64 the {@code p=} value; whitespace anywhere in it is ignored
     * @throws PublicKeyFormatException if the value is empty (a revoked key), not base64, not a key of that type, or
     *     the key type is unknown
     */
    public static PublicKey decode(String keyType, String base64) throws PublicKeyFormatException {
        Objects.requireNonNull(keyType, "keyType");
        Objects.requireNonNull(base64, "base64");
        String compact = withoutWhitespace(base64);
        if (compact.isEmpty()) {
            throw new PublicKeyFormatException("empty p= (the key has been revoked)");
        }
        byte[] der;
        try {
            der = Base64.getDecoder().decode(compact);
        } catch (IllegalArgumentException e) {
            throw new PublicKeyFormatException("p= is not valid base64", e);
        }
        switch (keyType.trim().toLowerCase(Locale.ROOT)) {
            case "rsa":
                return rsa(der);
            case "ed25519":
                return ed25519(der);
            default:
                throw new PublicKeyFormatException("unknown key type k=" + keyType);
        }
    }

    private static PublicKey rsa(byte[] der) throws PublicKeyFormatException {
        Der outer = only(der);
        Der rsaPublicKey;
        if (outer.peekTag() == SEQUENCE) {
            // SubjectPublicKeyInfo: SEQUENCE { SEQUENCE { OID, parameters }, BIT STRING { RSAPublicKey } }
            Der algorithm = outer.readSequence();
            byte[] oid = algorithm.read(OBJECT_IDENTIFIER);
            if (!Arrays.equals(oid, RSA_ENCRYPTION_OID)) {
                throw new PublicKeyFormatException(Arrays.equals(oid, ED25519_OID)
                        ? "k=rsa but p= holds an Ed25519 key"
                        : "k=rsa but p= holds a key for another algorithm");
            }
            byte[] bits = outer.read(BIT_STRING);
            outer.expectEnd();
            if (bits.length < 2 || bits[0] != 0) {
                throw new PublicKeyFormatException("p= is not a valid SubjectPublicKeyInfo (bad BIT STRING)");
            }
            rsaPublicKey = only(Arrays.copyOfRange(bits, 1, bits.length));
        } else {
            // PKCS#1 RSAPublicKey: SEQUENCE { INTEGER modulus, INTEGER publicExponent }
            rsaPublicKey = outer;
        }
        BigInteger modulus = rsaPublicKey.readInteger();
        BigInteger exponent = rsaPublicKey.readInteger();
        rsaPublicKey.expectEnd();
        if (modulus.signum() <= 0 || exponent.signum() <= 0) {
            throw new PublicKeyFormatException("p= holds an RSA key with a negative or zero number");
        }
        return generate("RSA", new RSAPublicKeySpec(modulus, exponent));
    }

    /** The contents of the one SEQUENCE these bytes must be. */
    private static Der only(byte[] der) throws PublicKeyFormatException {
        Der whole = Der.whole(der);
        Der contents = whole.readSequence();
        whole.expectEnd();
        return contents;
    }

    private static PublicKey ed25519(byte[] raw) throws PublicKeyFormatException {
        if (raw.length == ED25519_SPKI_PREFIX.length + ED25519_KEY_LENGTH && startsWith(raw, ED25519_SPKI_PREFIX)) {
            throw new PublicKeyFormatException(
                    "k=ed25519 p= must be the bare 32-byte key (RFC 8463 §4), not a SubjectPublicKeyInfo");
        }
        if (raw.length != ED25519_KEY_LENGTH) {
            throw new PublicKeyFormatException(
                    "k=ed25519 p= must be 32 bytes (RFC 8463 §4), not " + raw.length);
        }
        byte[] spki = Arrays.copyOf(ED25519_SPKI_PREFIX, ED25519_SPKI_PREFIX.length + ED25519_KEY_LENGTH);
        System.arraycopy(raw, 0, spki, ED25519_SPKI_PREFIX.length, ED25519_KEY_LENGTH);
        return generate("Ed25519", new X509EncodedKeySpec(spki));
    }

    private static PublicKey generate(String algorithm, KeySpec spec)
            throws PublicKeyFormatException {
        KeyFactory factory = CryptoProviders.keyFactory(algorithm);
        try {
            return factory.generatePublic(spec);
        } catch (InvalidKeySpecException e) {
            throw new PublicKeyFormatException("p= is not a usable " + algorithm + " public key", e);
        }
    }

    private static byte[] subjectPublicKeyInfo(PublicKey key) {
        Objects.requireNonNull(key, "key");
        byte[] encoded = key.getEncoded();
        if (encoded == null || !"X.509".equalsIgnoreCase(key.getFormat())) {
            throw new IllegalArgumentException(
                    "key: " + key.getAlgorithm() + " without an X.509 encoding (expected: RSA or Ed25519)");
        }
        return encoded;
    }

    private static SignatureAlgorithm algorithmOf(byte[] spki) {
        byte[] oid;
        try {
            oid = Der.whole(spki).readSequence().readSequence().read(OBJECT_IDENTIFIER);
        } catch (PublicKeyFormatException e) {
            throw new IllegalArgumentException("key: not a SubjectPublicKeyInfo", e);
        }
        if (Arrays.equals(oid, RSA_ENCRYPTION_OID)) {
            return SignatureAlgorithm.RSA_SHA256;
        }
        if (Arrays.equals(oid, ED25519_OID) && spki.length == ED25519_SPKI_PREFIX.length + ED25519_KEY_LENGTH) {
            return SignatureAlgorithm.ED25519_SHA256;
        }
        throw new IllegalArgumentException("key: unsupported algorithm (expected: RSA or Ed25519)");
    }

    private static String withoutWhitespace(String value) {
        StringBuilder out = new StringBuilder(value.length());
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static boolean startsWith(byte[] bytes, byte[] prefix) {
        return bytes.length >= prefix.length
                && Arrays.equals(bytes, 0, prefix.length, prefix, 0, prefix.length);
    }

    /** Just enough DER to walk a public key: definite lengths, one element at a time, nothing left over. */
    private static final class Der {
        private final byte[] bytes;
        private final int end;
        private int position;

        private Der(byte[] bytes, int start, int end) {
            this.bytes = bytes;
            this.position = start;
            this.end = end;
        }

        static Der whole(byte[] bytes) {
            return new Der(bytes, 0, bytes.length);
        }

        int peekTag() throws PublicKeyFormatException {
            if (position >= end) {
                throw malformed("ends early");
            }
            return bytes[position] & 0xff;
        }

        /** Reads one element with this tag and returns a copy of its contents. */
        byte[] read(int tag) throws PublicKeyFormatException {
            Der contents = next(tag);
            return Arrays.copyOfRange(bytes, contents.position, contents.end);
        }

        /** Reads one INTEGER, which DER gives at least one content byte (BigInteger refuses none at all). */
        BigInteger readInteger() throws PublicKeyFormatException {
            byte[] contents = read(INTEGER);
            if (contents.length == 0) {
                throw malformed("has an INTEGER without content");
            }
            return new BigInteger(contents);
        }

        /** Reads one SEQUENCE; the returned reader walks its contents. */
        Der readSequence() throws PublicKeyFormatException {
            return next(SEQUENCE);
        }

        void expectEnd() throws PublicKeyFormatException {
            if (position != end) {
                throw malformed("has bytes left over");
            }
        }

        /** Reads the tag and length of the next element, steps over it, and returns a reader of its contents. */
        private Der next(int tag) throws PublicKeyFormatException {
            if (peekTag() != tag) {
                throw malformed("has an unexpected element");
            }
            int at = position + 1;
            if (at >= end) {
                throw malformed("ends early");
            }
            int first = bytes[at++] & 0xff;
            long length = first;
            if (first >= 0x80) {
                int count = first & 0x7f;
                if (count == 0 || count > 4) {
                    throw malformed("has an unsupported length");
                }
                length = 0;
                for (int i = 0; i < count; i++) {
                    if (at >= end) {
                        throw malformed("ends early");
                    }
                    length = (length << 8) | (bytes[at++] & 0xff);
                }
            }
            if (length > end - at) {
                throw malformed("ends early");
            }
            position = at + (int) length;
            return new Der(bytes, at, position);
        }

        private static PublicKeyFormatException malformed(String problem) {
            return new PublicKeyFormatException("p= is not a valid DER key structure (it " + problem + ")");
        }
    }
}
