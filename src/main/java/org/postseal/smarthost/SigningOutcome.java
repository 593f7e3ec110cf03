package org.postseal.smarthost;

import java.util.List;
import java.util.Objects;

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
     */
    record Signed(byte[] message, List<String> signatures) implements Relayable {
        public Signed {
            Objects.requireNonNull(message, "message");
            signatures = List.copyOf(signatures);
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
     */
    record Unsigned(byte[] message, String reason) implements Relayable {
        public Unsigned {
            Objects.requireNonNull(message, "message");
            Objects.requireNonNull(reason, "reason");
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
     */
    record Failed(String reason) implements SigningOutcome {
        public Failed {
            Objects.requireNonNull(reason, "reason");
        }
    }
}
