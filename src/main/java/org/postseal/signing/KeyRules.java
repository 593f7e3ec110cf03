package org.postseal.signing;

import java.util.Objects;
import java.util.Optional;
import org.postseal.dkim.SignatureAlgorithm;
import org.postseal.keys.PrivateKeyReader;

/**
 * The checks a private key must pass before it signs, the same for every door.
 *
 * @param minimumRsaBits the shortest RSA key accepted (a value below RFC 8301's 1024 counts as 1024)
 * @param requireSafeKeys refuse a key file others can read or anyone but its owner can write (OpenDKIM's
 *     RequireSafeKeys)
 * @param algorithm the algorithm the configuration asks for, if any
 * @param refuseOtherAlgorithm whether a key of another algorithm is refused ({@code postseal sign --algorithm}) or
 *     only warned about (OpenDKIM's SignatureAlgorithm, which a key's own type overrides)
 */
public record KeyRules(int minimumRsaBits, boolean requireSafeKeys, Optional<SignatureAlgorithm> algorithm,
        boolean refuseOtherAlgorithm) {
    public KeyRules {
        Objects.requireNonNull(algorithm, "algorithm");
    }

    /** The daemons' rules: as configured; a key of another algorithm than configured is used with a warning. */
    public static KeyRules configured(int minimumRsaBits, boolean requireSafeKeys,
            Optional<SignatureAlgorithm> algorithm) {
        return new KeyRules(minimumRsaBits, requireSafeKeys, algorithm, false);
    }

    /** {@code postseal sign}'s rules: the default size, no mode check, and {@code --algorithm} must match. */
    public static KeyRules commandLine(Optional<SignatureAlgorithm> algorithm) {
        return new KeyRules(PrivateKeyReader.DEFAULT_MINIMUM_RSA_BITS, false, algorithm, true);
    }
}
