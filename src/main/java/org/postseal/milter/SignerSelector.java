package org.postseal.milter;

import java.util.List;
import org.postseal.dkim.SignatureSpec;

/**
 * Decides whether and how one message is signed: OpenDKIM's rules (InternalHosts, SigningTable, KeyTable...) stand
 * behind this port. It is asked twice: once when the sender is known, to drop untrusted clients early, and once when
 * the header is complete.
 */
public interface SignerSelector {
    /** Whether this client may have mail signed at all: internal, or authenticated. Empty means yes. */
    Decision mayClientSign(MessageContext context);

    /** The signatures to make for this message, or why none. */
    Decision select(MessageContext context);

    /**
     * The answer: either the specs to sign with, or the reason not to sign.
     *
     * @param specs what to sign with; empty when not signing
     * @param reason why not, for the log line; empty when signing
     */
    record Decision(List<SignatureSpec> specs, String reason) {
        public Decision {
            specs = List.copyOf(specs);
        }

        public static Decision sign(List<SignatureSpec> specs) {
            if (specs.isEmpty()) {
                throw new IllegalArgumentException("specs: empty (expected: at least one, or use skip)");
            }
            return new Decision(specs, "");
        }

        public static Decision proceed() {
            return new Decision(List.of(), "");
        }

        public static Decision skip(String reason) {
            return new Decision(List.of(), reason);
        }

        public boolean skipped() {
            return !reason.isEmpty();
        }
    }
}
