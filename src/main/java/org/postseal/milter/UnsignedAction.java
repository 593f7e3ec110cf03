package org.postseal.milter;

/**
 * What happens to a message that should have been signed but cannot be (no From, malformed header, key refused):
 * OpenDKIM's {@code On-BadSignature}/{@code On-InternalError} choices reduced to the two that make sense for a
 * signer. Either way a log line says why.
 */
public enum UnsignedAction {
    /** Pass the message on unsigned (OpenDKIM's default, and Postfix's milter_default_action = accept). */
    ACCEPT,
    /** Ask the MTA to try again later (4xx), so that nothing leaves unsigned. */
    TEMPFAIL
}
