package org.postseal.smarthost;

import java.util.List;
import java.util.Objects;
import org.postseal.events.NotSignedReason;

/**
 * What signing made of one message: signed, left unsigned because no rule asks for a signature, or not signable
 * (a signature was wanted and could not be made; {@link OutgoingMessages} then follows the on-error setting).
 */
public sealed interface SigningOutcome {
    /** An outcome that can be relayed: signed or unsigned, with the bytes to send and a note for the log. */
    sealed interface Relayable extends SigningOutcome {
        /** The bytes to relay. */
        byte[] message();

        /** What was done, for the log line: "signed d=... s=... a=..." or "not signed: why". */
        String note();
    }

    /**
     * Signed: the DKIM-Signature fields first, then the message.
     *
     * @param message the signed bytes
     * @param signatures {@code d=... s=... a=...} for each signature added
     * @param domains the distinct {@code d=} of those signatures
     */
    record Signed(byte[] message, List<String> signatures, List<String> domains) implements Relayable {
        public Signed {
            Objects.requireNonNull(message, "message");
            signatures = List.copyOf(signatures);
            domains = List.copyOf(domains);
        }

        @Override
        public String note() {
            return "signed " + String.join(", ", signatures);
        }
    }

    /**
     * Not signed: nothing is signed for its From domain, or signing failed and the on-error setting lets it go.
     *
     * @param message the bytes as they came
     * @param reason why not, for the log
     * @param kind which of the few reasons it is, for the count of messages not signed
     */
    record Unsigned(byte[] message, String reason, NotSignedReason kind) implements Relayable {
        public Unsigned {
            Objects.requireNonNull(message, "message");
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(kind, "kind");
        }

        @Override
        public String note() {
            return "not signed: " + reason;
        }
    }

    /**
     * A signature was wanted and could not be made (the key is refused, say).
     *
     * @param reason why, in one line
     * @param kind which of the few reasons it is, for the count of messages not signed
     * @param domains the {@code d=} the message was to be signed with, if keys had been chosen
     */
    record Failed(String reason, NotSignedReason kind, List<String> domains) implements SigningOutcome {
        public Failed {
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(kind, "kind");
            domains = List.copyOf(domains);
        }
    }
}
