package org.postseal.smtp;

import java.util.List;
import java.util.Objects;

/**
 * The SMTP envelope of one message: the reverse path given in {@code MAIL FROM} (empty for the null sender
 * {@code <>}) and the forward paths given in {@code RCPT TO}, in order, without angle brackets.
 */
public record Envelope(String sender, List<String> recipients) {
    public Envelope {
        Objects.requireNonNull(sender, "sender");
        recipients = List.copyOf(recipients);
        if (recipients.isEmpty()) {
            throw new IllegalArgumentException("recipients: empty (expected: at least one)");
        }
        for (String recipient : recipients) {
            if (recipient.isBlank()) {
                throw new IllegalArgumentException("recipient: blank");
            }
        }
    }

    /** The same sender with other recipients (those still to be delivered, say). */
    public Envelope withRecipients(List<String> others) {
        return new Envelope(sender, others);
    }
}
