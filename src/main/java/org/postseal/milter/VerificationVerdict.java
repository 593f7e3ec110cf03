package org.postseal.milter;

import java.util.List;
import org.nightcode.milter.codec.MilterPacket;
import org.postseal.dkim.AuthResult;
import org.postseal.dkim.VerificationFailure;
import org.postseal.dkim.VerificationResult;
import org.postseal.events.MessageVerified;
import org.postseal.policy.VerificationAction;
import org.postseal.policy.VerificationActions;
import org.postseal.policy.VerificationCase;

/**
 * Which of OpenDKIM's cases a verified message falls in, and so which configured action applies: the one place
 * where verification results become the milter's answer to the MTA. A message with one passing signature is
 * accepted whatever its other signatures say; otherwise a temporary failure outweighs the rest (the signature it hid
 * might have passed), then a bad signature, then missing keys. A bad signature whose key is in test mode
 * ({@code t=y}) does not count, as in OpenDKIM.
 */
enum VerificationVerdict {
    /** At least one signature verified, or every failing one has its key in test mode. */
    ACCEPTABLE(null, MessageVerified.Verdict.PASS, "5.7.0", "4.7.0", "DKIM signature verified"),
    /** No signature passed, one could not be checked for now. */
    DNS_ERROR(VerificationCase.DNS_ERROR, MessageVerified.Verdict.DNS_ERROR,
            "5.7.20", "4.4.3", "DKIM key lookup failed temporarily"),
    /** No signature passed, one failed or could not be used. */
    BAD_SIGNATURE(VerificationCase.BAD_SIGNATURE, MessageVerified.Verdict.BAD_SIGNATURE,
            "5.7.20", "4.7.20", "no valid DKIM signature"),
    /** No signature passed, and every key was missing. */
    KEY_NOT_FOUND(VerificationCase.KEY_NOT_FOUND, MessageVerified.Verdict.KEY_NOT_FOUND,
            "5.7.20", "4.7.20", "DKIM key not found"),
    /** The message carries no DKIM-Signature. */
    NO_SIGNATURE(VerificationCase.NO_SIGNATURE, MessageVerified.Verdict.NO_SIGNATURE,
            "5.7.20", "4.7.20", "no DKIM signature"),
    /** Verification failed unexpectedly. */
    INTERNAL_ERROR(VerificationCase.INTERNAL_ERROR, MessageVerified.Verdict.INTERNAL_ERROR,
            "5.3.0", "4.3.0", "DKIM verification failed"),
    /** The message could not be examined safely. */
    SECURITY(VerificationCase.SECURITY, MessageVerified.Verdict.NOT_EXAMINED, "5.7.0", "4.7.0",
            "message could not be examined for DKIM");

    /** The configurable case; null for a message that is simply accepted. */
    private final VerificationCase verificationCase;
    /** The same case, as the events port names it. */
    private final MessageVerified.Verdict event;
    private final String rejectStatus;
    private final String tempfailStatus;
    private final String text;

    VerificationVerdict(VerificationCase verificationCase, MessageVerified.Verdict event, String rejectStatus,
            String tempfailStatus, String text) {
        this.verificationCase = verificationCase;
        this.event = event;
        this.rejectStatus = rejectStatus;
        this.tempfailStatus = tempfailStatus;
        this.text = text;
    }

    /** The case a message's results fall in. */
    static VerificationVerdict of(List<VerificationResult> results) {
        if (results.isEmpty()) {
            return NO_SIGNATURE;
        }
        if (results.stream().anyMatch(VerificationResult::passed)) {
            return ACCEPTABLE;
        }
        if (results.stream().anyMatch(r -> r.result() == AuthResult.TEMPERROR)) {
            return DNS_ERROR;
        }
        if (results.stream().allMatch(r -> r.failure().orElseThrow() == VerificationFailure.KEY_NOT_FOUND)) {
            return KEY_NOT_FOUND;
        }
        return results.stream().allMatch(VerificationResult::testing) ? ACCEPTABLE : BAD_SIGNATURE;
    }

    /** This case as the events port names it. */
    MessageVerified.Verdict event() {
        return event;
    }

    /** The action configured for this case. */
    VerificationAction action(VerificationActions actions) {
        return verificationCase == null ? VerificationAction.ACCEPT : actions.action(verificationCase);
    }

    /**
     * The final reply for {@code action}, with {@code quarantine} (SMFIR_QUARANTINE, then CONTINUE) for quarantine.
     *
     * @param canQuarantine whether the MTA allowed SMFIF_QUARANTINE; without it a quarantine is a tempfail
     */
    List<MilterPacket> replies(VerificationAction chosen, boolean canQuarantine) {
        return switch (chosen) {
            case ACCEPT -> List.of(MilterReplies.continueReply());
            case REJECT -> List.of(MilterReplies.replyCode("550 " + rejectStatus + " " + text));
            case TEMPFAIL -> List.of(MilterReplies.replyCode("451 " + tempfailStatus + " " + text
                    + ", try again later"));
            case DISCARD -> List.of(MilterReplies.discard());
            case QUARANTINE -> canQuarantine
                    ? List.of(MilterReplies.quarantine(text), MilterReplies.continueReply())
                    : replies(VerificationAction.TEMPFAIL, false);
        };
    }
}
