package org.postseal.signing;

import java.util.List;
import java.util.Objects;
import org.postseal.dkim.SignatureSpec;
import org.postseal.events.NotSignedReason;

/**
 * What {@link SignatureSelector} chose for one message: sign with these specifications, leave it unsigned because no
 * rule asks for a signature, or fail because a signature was wanted and cannot be made (the door then follows
 * {@link OnError}).
 */
public sealed interface SignatureChoice {
    /** The reason, for the log line; empty when signing. */
    String reason();

    /** Sign with {@code specs}. */
    static SignatureChoice sign(List<SignatureSpec> specs) {
        return new Sign(specs);
    }

    /** Leave the message unsigned: no rule asks for a signature ({@link NotSignedReason#NO_SIGNING_ENTRY}). */
    static Skip skip(String reason) {
        return skip(NotSignedReason.NO_SIGNING_ENTRY, reason);
    }

    /** Leave the message unsigned, for {@code kind}. */
    static Skip skip(NotSignedReason kind, String reason) {
        return new Skip(reason, false, kind);
    }

    /**
     * Make these signatures, in order.
     *
     * @param specs at least one
     */
    record Sign(List<SignatureSpec> specs) implements SignatureChoice {
        public Sign {
            specs = List.copyOf(specs);
            if (specs.isEmpty()) {
                throw new IllegalArgumentException("specs: empty (expected: at least one, or skip)");
            }
        }

        @Override
        public String reason() {
            return "";
        }
    }

    /**
     * Nothing to sign: the rules do not ask for a signature.
     *
     * @param notice whether this deserves a warning rather than an info line (an outside host sending as a domain
     *     signed here)
     * @param kind which of the few reasons it is, for the count of messages not signed
     */
    record Skip(String reason, boolean notice, NotSignedReason kind) implements SignatureChoice {
        public Skip {
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(kind, "kind");
        }
    }

    /** A signature was wanted but cannot be made (its key is unusable: {@link NotSignedReason#KEY_ERROR}). */
    record Fail(String reason) implements SignatureChoice {
        public Fail {
            Objects.requireNonNull(reason, "reason");
        }
    }
}
