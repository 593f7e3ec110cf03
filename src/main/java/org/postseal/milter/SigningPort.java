package org.postseal.milter;

import java.util.Optional;
import org.postseal.signing.SignatureChoice;
import org.postseal.signing.SignatureSelector;

/**
 * What a milter session asks about signing, twice per message: once when the sender is known, to leave untrusted
 * clients alone early, and once when the header is complete. Served by the signing package's
 * {@link SignatureSelector} ({@link #of}); a test may answer in its place.
 */
public interface SigningPort {
    /** A reason not to sign this client's mail at all (not internal, not authenticated...), or empty. */
    Optional<SignatureChoice.Skip> mayClientSign(MessageContext context);

    /** The signatures to make for this message, or why none. */
    SignatureChoice select(MessageContext context);

    /** A port that signs nothing (Mode v), for {@code reason}. */
    static SigningPort none(String reason) {
        SignatureChoice.Skip skip = SignatureChoice.skip(org.postseal.events.NotSignedReason.VERIFY_ONLY, reason);
        return new SigningPort() {
            @Override
            public Optional<SignatureChoice.Skip> mayClientSign(MessageContext context) {
                return Optional.of(skip);
            }

            @Override
            public SignatureChoice select(MessageContext context) {
                return skip;
            }

            @Override
            public String toString() {
                return "no signing (" + reason + ")";
            }
        };
    }

    /** The port served by {@code selector}, the same rules as every other door. */
    static SigningPort of(SignatureSelector selector) {
        return new SigningPort() {
            @Override
            public Optional<SignatureChoice.Skip> mayClientSign(MessageContext context) {
                return selector.screen(context.policyClient());
            }

            @Override
            public SignatureChoice select(MessageContext context) {
                return selector.choose(context.policyClient(), context.from());
            }

            @Override
            public String toString() {
                return selector.toString();
            }
        };
    }
}
