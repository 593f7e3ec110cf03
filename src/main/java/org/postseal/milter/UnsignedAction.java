package org.postseal.milter;

/**
 * What happens to a message that should have been signed but cannot be (no From, malformed header, key refused):
 * OpenDKIM's {@code On-SignatureError}/{@code On-InternalError} choices reduced to the two that keep mail flowing
 * (OpenDKIM's reject, discard and quarantine become tempfail). Either way a log line says why.
 */
public enum UnsignedAction {
    /** Pass the message on unsigned: postseal's default, as Postfix's milter_default_action = accept would. */
    ACCEPT,
    /** Ask the MTA to try again later (4xx), so that nothing leaves unsigned. */
    TEMPFAIL
}
