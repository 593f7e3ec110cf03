package org.postseal.milter;

import java.util.Objects;
import java.util.Optional;
import org.postseal.signing.OnError;

/**
 * What the milter handles a message with: who is signed and with which keys, what happens to a message that should be
 * signed but cannot be, and how the mail it does not sign is verified. Immutable. A reload builds a new one and
 * replaces the old one whole ({@link MilterSessions#handling()}); each message takes the one current at its MAIL
 * command and keeps it to its end, so no message ever sees part of one configuration and part of another.
 *
 * @param signing who is signed, with which keys
 * @param onError what happens to a message that should be signed but cannot be
 * @param verification how mail this milter does not sign is verified (Mode v); empty not to verify
 */
public record MessageHandling(SigningPort signing, OnError onError, Optional<VerificationSettings> verification) {
    public MessageHandling {
        Objects.requireNonNull(signing, "signing");
        Objects.requireNonNull(onError, "onError");
        Objects.requireNonNull(verification, "verification");
    }

    /** Signing only (Mode s). */
    public static MessageHandling signingOnly(SigningPort signing, OnError onError) {
        return new MessageHandling(signing, onError, Optional.empty());
    }

    /** This handling, verifying the mail it does not sign as {@code value} says. */
    public MessageHandling withVerification(VerificationSettings value) {
        return new MessageHandling(signing, onError, Optional.of(value));
    }

    /** Whether mail this milter does not sign is verified (Mode v). */
    public boolean verifying() {
        return verification.isPresent();
    }
}
