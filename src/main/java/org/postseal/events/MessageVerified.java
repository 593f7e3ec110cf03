package org.postseal.events;

import java.util.List;
import java.util.Objects;

/**
 * A message verified by the milter.
 *
 * @param verdict the case the message fell in, which picked the configured action
 * @param signatures the result of each signature examined, top down; empty when there was none or the message could
 *     not be examined
 */
public record MessageVerified(Verdict verdict, List<SignatureChecked> signatures) {
    public MessageVerified {
        Objects.requireNonNull(verdict, "verdict");
        signatures = List.copyOf(signatures);
    }

    /** OpenDKIM's cases for a verified message (its {@code On-*} settings), and a pass. */
    public enum Verdict {
        /** A signature verified (or every failing one has its key in test mode). */
        PASS,
        /** No DKIM-Signature. */
        NO_SIGNATURE,
        /** No signature passed; one failed or could not be used. */
        BAD_SIGNATURE,
        /** No signature passed, and every key was missing. */
        KEY_NOT_FOUND,
        /** No signature passed; a key could not be fetched for now. */
        DNS_ERROR,
        /** Verification failed unexpectedly. */
        INTERNAL_ERROR,
        /** The message could not be examined safely (header over the limit). */
        NOT_EXAMINED;

        /** The label value: the name in lower case. */
        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * One signature's result.
     *
     * @param domain its {@code d=}, empty if unreadable; chosen by the sender, so a listener must bound what it keeps
     * @param result the RFC 8601 word: {@code pass}, {@code fail}, {@code neutral}, {@code temperror},
     *     {@code permerror}
     */
    public record SignatureChecked(String domain, String result) {
        public SignatureChecked {
            Objects.requireNonNull(domain, "domain");
            Objects.requireNonNull(result, "result");
        }
    }
}
