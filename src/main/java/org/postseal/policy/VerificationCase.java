package org.postseal.policy;

/**
 * The cases OpenDKIM configures an action for after verifying a message, each with its {@code On-} option name and
 * the action it takes by default: OpenDKIM's default, except {@link #DNS_ERROR}, which OpenDKIM temp-fails and
 * postseal accepts (with {@code dkim=temperror}), so that a DNS outage never holds up incoming mail.
 */
public enum VerificationCase {
    /** A signature did not verify or could not be used (fail, neutral, permerror): {@code On-BadSignature}. */
    BAD_SIGNATURE("On-BadSignature", VerificationAction.ACCEPT),
    /** No key record is published for the signature (permerror): {@code On-KeyNotFound}. */
    KEY_NOT_FOUND("On-KeyNotFound", VerificationAction.ACCEPT),
    /** The key could not be fetched now (temperror): {@code On-DNSError}. */
    DNS_ERROR("On-DNSError", VerificationAction.ACCEPT),
    /** The message carries no DKIM-Signature: {@code On-NoSignature}. */
    NO_SIGNATURE("On-NoSignature", VerificationAction.ACCEPT),
    /** Verification itself failed unexpectedly: {@code On-InternalError}. */
    INTERNAL_ERROR("On-InternalError", VerificationAction.TEMPFAIL),
    /** The message could not be examined safely (a header beyond the milter's limit): {@code On-Security}. */
    SECURITY("On-Security", VerificationAction.TEMPFAIL);

    private final String option;
    private final VerificationAction defaultAction;

    VerificationCase(String option, VerificationAction defaultAction) {
        this.option = option;
        this.defaultAction = defaultAction;
    }

    /** OpenDKIM's option name, for example {@code On-BadSignature}. */
    public String option() {
        return option;
    }

    /** What happens when nothing is configured. */
    public VerificationAction defaultAction() {
        return defaultAction;
    }
}
