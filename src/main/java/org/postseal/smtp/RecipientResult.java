package org.postseal.smtp;

import java.util.Objects;

/**
 * What became of one recipient in one delivery attempt, with the reply that decided it: the RCPT reply when the
 * server refused the recipient, otherwise the reply that ended the transaction (DATA's final reply, or the failure
 * that stopped the attempt).
 */
public record RecipientResult(String recipient, Status status, SmtpReply reply) {
    public RecipientResult {
        Objects.requireNonNull(recipient, "recipient");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(reply, "reply");
    }

    /** The three fates of a recipient. */
    public enum Status {
        /** The server took responsibility for the message for this recipient (2xx after DATA). */
        DELIVERED,
        /** Not delivered this time; try again later (4xx, or no usable server). */
        DEFERRED,
        /** Refused for good (5xx); never retried. */
        REJECTED
    }
}
