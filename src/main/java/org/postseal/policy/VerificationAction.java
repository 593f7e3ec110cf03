package org.postseal.policy;

import java.util.Locale;
import java.util.Optional;

/**
 * What the milter does with a message after verifying it, OpenDKIM's handling words ({@code On-BadSignature} and the
 * other {@code On-} options). Every action but {@link #DISCARD} and {@link #REJECT} still delivers the message with
 * its Authentication-Results field.
 */
public enum VerificationAction {
    /** Deliver it (SMFIR_CONTINUE after the Authentication-Results field). */
    ACCEPT("accept"),
    /** Refuse it for good: 550 5.7.x with a reason (SMFIR_REPLYCODE). */
    REJECT("reject"),
    /** Ask the sender to try again later: 451 4.7.x (SMFIR_REPLYCODE). */
    TEMPFAIL("tempfail"),
    /** Accept it and throw it away (SMFIR_DISCARD). */
    DISCARD("discard"),
    /** Accept it into the MTA's hold queue (SMFIR_QUARANTINE). */
    QUARANTINE("quarantine");

    private final String word;

    VerificationAction(String word) {
        this.word = word;
    }

    /** The word in the configuration, for example {@code tempfail}. */
    public String word() {
        return word;
    }

    /**
     * Reads an action as OpenDKIM does: the whole word or its first letter ({@code a d q r t}), ignoring case.
     *
     * @return the action, or empty if {@code value} names none
     */
    public static Optional<VerificationAction> parse(String value) {
        String wanted = value.strip().toLowerCase(Locale.ROOT);
        for (VerificationAction action : values()) {
            if (action.word.equals(wanted) || wanted.length() == 1 && action.word.charAt(0) == wanted.charAt(0)) {
                return Optional.of(action);
            }
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        return word;
    }
}
