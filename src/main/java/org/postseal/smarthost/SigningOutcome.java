package org.postseal.smarthost;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.postseal.events.NotSignedReason;
import org.postseal.logging.MessageLine;

/**
 * What signing made of one message: signed, left unsigned because no rule asks for a signature, or not signable
 * (a signature was wanted and could not be made; {@link OutgoingMessages} then follows the on-error setting).
 */
public sealed interface SigningOutcome {
    /** An outcome that can be relayed: signed or unsigned, with the bytes to send and the message's log line. */
    sealed interface Relayable extends SigningOutcome {
        /** The bytes to relay. */
        byte[] message();

        /** The message's line, without the door's own fields: signed and with which keys, or not and why. */
        MessageLine line(String queueId);

        /** Whether the line is a warning: a signature was wanted and the message goes on without it. */
        boolean warning();
    }

    /**
     * One signature made, for the log line.
     *
     * @param domain d=
     * @param selector s=
     * @param algorithm a=
     */
    record Signature(String domain, String selector, String algorithm) {
        public Signature {
            Objects.requireNonNull(domain, "domain");
            Objects.requireNonNull(selector, "selector");
            Objects.requireNonNull(algorithm, "algorithm");
        }
    }

    /**
     * Signed: the DKIM-Signature fields first, then the message.
     *
     * @param message the signed bytes
     * @param from the From domain
     * @param signatures each signature added
     * @param domains the distinct {@code d=} of those signatures
     */
    record Signed(byte[] message, Optional<String> from, List<Signature> signatures, List<String> domains)
            implements Relayable {
        public Signed {
            Objects.requireNonNull(message, "message");
            Objects.requireNonNull(from, "from");
            signatures = List.copyOf(signatures);
            domains = List.copyOf(domains);
        }

        @Override
        public MessageLine line(String queueId) {
            MessageLine line = MessageLine.signed(queueId).from(from);
            for (Signature s : signatures) {
                line = line.signature(s.domain(), s.selector(), s.algorithm());
            }
            return line;
        }

        @Override
        public boolean warning() {
            return false;
        }
    }

    /**
     * Not signed: nothing is signed for its From domain, or signing failed and the on-error setting lets it go.
     *
     * @param message the bytes as they came
     * @param from the From domain, if the message has one
     * @param reason why not, for the log
     * @param warning whether signing failed (rather than no rule asking for a signature)
     * @param kind which of the few reasons it is, for the count of messages not signed
     */
    record Unsigned(byte[] message, Optional<String> from, String reason, boolean warning, NotSignedReason kind)
            implements Relayable {
        public Unsigned {
            Objects.requireNonNull(message, "message");
            Objects.requireNonNull(from, "from");
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(kind, "kind");
        }

        @Override
        public MessageLine line(String queueId) {
            return MessageLine.notSigned(queueId).from(from).because(reason);
        }
    }

    /**
     * A signature was wanted and could not be made (the key is refused, say).
     *
     * @param from the From domain, if the message has one
     * @param reason why, in one line, without "cannot sign" (the door says it)
     * @param kind which of the few reasons it is, for the count of messages not signed
     * @param domains the {@code d=} the message was to be signed with, if keys had been chosen
     */
    record Failed(Optional<String> from, String reason, NotSignedReason kind, List<String> domains)
            implements SigningOutcome {
        public Failed {
            Objects.requireNonNull(from, "from");
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(kind, "kind");
            domains = List.copyOf(domains);
        }
    }
}
