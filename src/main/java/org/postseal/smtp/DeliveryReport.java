package org.postseal.smtp;

import java.util.List;

/**
 * The result of one delivery attempt of one message: one {@link RecipientResult} per envelope recipient, in envelope
 * order. The SMTP client never throws for what the server or the network did; it says it here.
 */
public record DeliveryReport(List<RecipientResult> results) {
    public DeliveryReport {
        results = List.copyOf(results);
        if (results.isEmpty()) {
            throw new IllegalArgumentException("results: empty");
        }
    }

    /** Every recipient gets the same status and reply (a refused connection, a rejected MAIL FROM, ...). */
    public static DeliveryReport all(Envelope envelope, RecipientResult.Status status, SmtpReply reply) {
        return new DeliveryReport(envelope.recipients().stream()
                .map(r -> new RecipientResult(r, status, reply)).toList());
    }

    public List<RecipientResult> with(RecipientResult.Status status) {
        return results.stream().filter(r -> r.status() == status).toList();
    }

    /** True when every recipient was delivered. */
    public boolean allDelivered() {
        return results.stream().allMatch(r -> r.status() == RecipientResult.Status.DELIVERED);
    }

    /** True when some recipient is to be tried again. */
    public boolean anyDeferred() {
        return results.stream().anyMatch(r -> r.status() == RecipientResult.Status.DEFERRED);
    }
}
