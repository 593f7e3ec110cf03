package org.postseal.dkim;

import java.time.Clock;
import java.util.List;
import java.util.Objects;

/**
 * Signs messages. Stateless and thread-safe: each message gets its own {@link SigningSession}, which is fed the
 * header fields and then the body in chunks and returns the DKIM-Signature fields to put at the top of the message.
 * Time comes from the clock it is given, for {@code t=} and {@code x=}.
 */
public final class DkimSigner {
    private final Clock clock;

    public DkimSigner(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Starts one message, to be signed once per spec (for example with an RSA and an Ed25519 key).
     *
     * @throws IllegalArgumentException if there are no specs
     */
    public SigningSession newSession(List<SignatureSpec> specs) {
        if (specs.isEmpty()) {
            throw new IllegalArgumentException("specs: empty (expected: at least one signature to make)");
        }
        return new SigningSession(List.copyOf(specs), clock.instant());
    }

    /** Starts one message signed once. */
    public SigningSession newSession(SignatureSpec spec) {
        return newSession(List.of(spec));
    }
}
