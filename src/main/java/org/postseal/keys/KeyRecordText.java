package org.postseal.keys;

import java.security.PublicKey;
import java.util.Objects;
import org.postseal.dkim.SignatureAlgorithm;
import org.postseal.dkim.SigningKey;
import org.postseal.dkim.PublicKeyCodec;

/**
 * The text of the DNS TXT record that publishes a public key (RFC 6376 §3.6.1), with the tags in the order the
 * usual tools write them:
 *
 * <ul>
 *   <li>RSA, as Debian's {@code opendkim-genkey} writes it: {@code v=DKIM1; h=sha256; k=rsa; p=MIIB...};</li>
 *   <li>Ed25519, as RFC 8463 §4 and dkimpy's {@code dknewkey} write it: {@code v=DKIM1; k=ed25519; p=...}.</li>
 * </ul>
 *
 * The flags of {@code t=} go after {@code k=}, as opendkim-genkey puts them: {@code t=y;} (testing), {@code t=s;}
 * (no subdomains in {@code i=}) or {@code t=y:s;}. Instances are immutable; the {@code with} methods return copies.
 */
public final class KeyRecordText {
    private final SignatureAlgorithm algorithm;
    private final String publicKeyData;
    private final boolean testing;
    private final boolean strict;

    private KeyRecordText(SignatureAlgorithm algorithm, String publicKeyData, boolean testing, boolean strict) {
        this.algorithm = algorithm;
        this.publicKeyData = publicKeyData;
        this.testing = testing;
        this.strict = strict;
    }

    /**
     * The record for a public key, without flags.
     *
     * @throws IllegalArgumentException if the key is neither RSA nor Ed25519
     */
    public static KeyRecordText of(PublicKey key) {
        return new KeyRecordText(PublicKeyCodec.algorithm(key), PublicKeyCodec.encode(key), false, false);
    }

    /** The record for a signing key's public half, without flags. */
    public static KeyRecordText of(SigningKey key) {
        return of(key.publicKey());
    }

    /** A copy with {@code t=y} set or cleared: verifiers should not treat failures harshly (RFC 6376 §3.6.1). */
    public KeyRecordText withTesting(boolean testing) {
        return new KeyRecordText(algorithm, publicKeyData, testing, strict);
    }

    /** A copy with {@code t=s} set or cleared: the {@code i=} domain must be exactly {@code d=}. */
    public KeyRecordText withStrict(boolean strict) {
        return new KeyRecordText(algorithm, publicKeyData, testing, strict);
    }

    /** The algorithm the key signs with. */
    public SignatureAlgorithm algorithm() {
        return algorithm;
    }

    /** The {@code k=} value: {@code rsa} or {@code ed25519}. */
    public String keyType() {
        return algorithm.keyType();
    }

    /** The {@code p=} value, base64 without whitespace. */
    public String publicKeyData() {
        return publicKeyData;
    }

    /** Whether {@code t=y} is set. */
    public boolean testing() {
        return testing;
    }

    /** Whether {@code t=s} is set. */
    public boolean strict() {
        return strict;
    }

    /** The whole record value, one line, for example {@code v=DKIM1; h=sha256; k=rsa; p=MIIB...}. */
    public String value() {
        StringBuilder out = new StringBuilder("v=DKIM1; ");
        if (algorithm == SignatureAlgorithm.RSA_SHA256) {
            out.append("h=sha256; ");
        }
        out.append("k=").append(algorithm.keyType()).append("; ");
        if (testing || strict) {
            out.append("t=").append(testing && strict ? "y:s" : testing ? "y" : "s").append("; ");
        }
        return out.append("p=").append(publicKeyData).toString();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof KeyRecordText that
                && algorithm == that.algorithm
                && publicKeyData.equals(that.publicKeyData)
                && testing == that.testing
                && strict == that.strict;
    }

    @Override
    public int hashCode() {
        return Objects.hash(algorithm, publicKeyData, testing, strict);
    }

    /** The same as {@link #value()}. */
    @Override
    public String toString() {
        return value();
    }
}
