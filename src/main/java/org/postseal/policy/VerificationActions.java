package org.postseal.policy;

import java.util.Objects;

/**
 * What to do with a verified message in each case OpenDKIM names ({@code On-BadSignature}, {@code On-KeyNotFound},
 * {@code On-DNSError}, {@code On-NoSignature}, {@code On-InternalError}, {@code On-Security}). Immutable.
 *
 * <p>{@link #DEFAULTS} are OpenDKIM's, except {@code On-DNSError}: OpenDKIM temp-fails a message whose key lookup
 * failed for now, postseal accepts it with {@code dkim=temperror}, so that a DNS outage never holds up incoming mail.
 *
 * @param badSignature a signature that did not verify, or could not be used (fail, neutral, permerror)
 * @param keyNotFound no key record published for the signature (permerror)
 * @param dnsError the key could not be fetched now (temperror)
 * @param noSignature the message carries no DKIM-Signature
 * @param internalError verification itself failed unexpectedly
 * @param security the message could not be examined safely (a header beyond the milter's limit)
 */
public record VerificationActions(VerificationAction badSignature, VerificationAction keyNotFound,
        VerificationAction dnsError, VerificationAction noSignature, VerificationAction internalError,
        VerificationAction security) {
    /** OpenDKIM's defaults, with DNS errors accepted: nothing is refused for good. */
    public static final VerificationActions DEFAULTS = new VerificationActions(VerificationAction.ACCEPT,
            VerificationAction.ACCEPT, VerificationAction.ACCEPT, VerificationAction.ACCEPT,
            VerificationAction.TEMPFAIL, VerificationAction.TEMPFAIL);

    public VerificationActions {
        Objects.requireNonNull(badSignature, "badSignature");
        Objects.requireNonNull(keyNotFound, "keyNotFound");
        Objects.requireNonNull(dnsError, "dnsError");
        Objects.requireNonNull(noSignature, "noSignature");
        Objects.requireNonNull(internalError, "internalError");
        Objects.requireNonNull(security, "security");
    }

    /** Every case with the same action (OpenDKIM's {@code On-Default}). */
    public static VerificationActions all(VerificationAction action) {
        return new VerificationActions(action, action, action, action, action, action);
    }

    public VerificationActions withBadSignature(VerificationAction value) {
        return new VerificationActions(value, keyNotFound, dnsError, noSignature, internalError, security);
    }

    public VerificationActions withKeyNotFound(VerificationAction value) {
        return new VerificationActions(badSignature, value, dnsError, noSignature, internalError, security);
    }

    public VerificationActions withDnsError(VerificationAction value) {
        return new VerificationActions(badSignature, keyNotFound, value, noSignature, internalError, security);
    }

    public VerificationActions withNoSignature(VerificationAction value) {
        return new VerificationActions(badSignature, keyNotFound, dnsError, value, internalError, security);
    }

    public VerificationActions withInternalError(VerificationAction value) {
        return new VerificationActions(badSignature, keyNotFound, dnsError, noSignature, value, security);
    }

    public VerificationActions withSecurity(VerificationAction value) {
        return new VerificationActions(badSignature, keyNotFound, dnsError, noSignature, internalError, value);
    }
}
