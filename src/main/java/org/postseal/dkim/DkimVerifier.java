package org.postseal.dkim;

import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * Verifies the DKIM signatures of messages. Stateless and thread-safe: each message gets its own
 * {@link VerificationSession}. Key records come from the {@link KeyRecordLookup} it is given and time from its clock,
 * so that nothing here touches the network or the wall clock by itself.
 */
public final class DkimVerifier {
    /** How far in the future a {@code t=} may lie before the signature is refused. */
    public static final Duration DEFAULT_ALLOWED_CLOCK_SKEW = Duration.ofMinutes(5);
    /** The shortest RSA key that verifies (RFC 8301 §3.2). */
    public static final int MINIMUM_RSA_BITS = 1024;

    private final KeyRecordLookup lookup;
    private final Clock clock;
    private final Duration allowedClockSkew;
    private final int minimumRsaBits;
    private final VerificationLimits limits;

    public DkimVerifier(KeyRecordLookup lookup, Clock clock) {
        this(lookup, clock, DEFAULT_ALLOWED_CLOCK_SKEW, MINIMUM_RSA_BITS);
    }

    /**
     * @param minimumRsaBits RSA keys shorter than this give permerror (RFC 8301 says at least 1024)
     * @throws IllegalArgumentException if the skew is negative
     */
    public DkimVerifier(KeyRecordLookup lookup, Clock clock, Duration allowedClockSkew, int minimumRsaBits) {
        this(lookup, clock, allowedClockSkew, minimumRsaBits, VerificationLimits.NONE);
    }

    /**
     * @param minimumRsaBits RSA keys shorter than this give permerror (RFC 8301 says at least 1024)
     * @param limits how many signatures are examined, and how large one may be
     * @throws IllegalArgumentException if the skew is negative
     */
    public DkimVerifier(KeyRecordLookup lookup, Clock clock, Duration allowedClockSkew, int minimumRsaBits,
            VerificationLimits limits) {
        this.limits = Objects.requireNonNull(limits, "limits");
        this.lookup = Objects.requireNonNull(lookup, "lookup");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (allowedClockSkew.isNegative()) {
            throw new IllegalArgumentException("allowedClockSkew: " + allowedClockSkew + " (expected: >= 0)");
        }
        this.allowedClockSkew = allowedClockSkew;
        this.minimumRsaBits = minimumRsaBits;
    }

    /** Starts one message. */
    public VerificationSession newSession() {
        return new VerificationSession(lookup, clock.instant(), allowedClockSkew, minimumRsaBits, limits);
    }
}
