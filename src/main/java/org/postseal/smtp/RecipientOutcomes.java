package org.postseal.smtp;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.postseal.smtp.RecipientResult.Status;

/**
 * What has become of each envelope recipient so far in one delivery attempt: refused at RCPT, accepted and awaiting
 * the end of DATA, or still open. {@link SmtpSession} records RCPT replies here and decides the rest once; this class
 * knows no state machine and no channel. Used on one event loop only, not thread-safe.
 */
final class RecipientOutcomes {
    private final List<String> recipients;
    private final Status[] statuses;
    private final SmtpReply[] replies;
    private int accepted;

    RecipientOutcomes(List<String> recipients) {
        this.recipients = List.copyOf(recipients);
        this.statuses = new Status[recipients.size()];
        this.replies = new SmtpReply[recipients.size()];
    }

    /** How many recipients the envelope has. */
    int size() {
        return recipients.size();
    }

    /** The reply to RCPT TO for recipient {@code index}: a 2xx accepts it, anything else decides it now. */
    void rcptReply(int index, SmtpReply reply) {
        if (reply.code() / 100 == 2) {
            accepted++;
        } else {
            decide(index, statusOf(reply), reply);
        }
    }

    /** True when no RCPT reply accepted a recipient. */
    boolean noneAccepted() {
        return accepted == 0;
    }

    /** The final reply after the content: every recipient still open is delivered (2xx) or takes its status. */
    void dataEnded(SmtpReply reply) {
        decideOpen(reply.code() / 100 == 2 ? Status.DELIVERED : statusOf(reply), reply);
    }

    /**
     * Gives every recipient still open {@code reply}'s status (temporary for a positive or local-temporary reply)
     * and returns the report of all of them.
     */
    DeliveryReport decideAll(SmtpReply reply) {
        decideOpen(statusOf(reply), reply);
        List<RecipientResult> results = new ArrayList<>();
        for (int i = 0; i < statuses.length; i++) {
            results.add(new RecipientResult(recipients.get(i), statuses[i], replies[i]));
        }
        return new DeliveryReport(results);
    }

    /** One line for the log: each recipient's status, with its own reply where it is not {@code deciding}. */
    static String summary(DeliveryReport report, SmtpReply deciding) {
        return report.results().stream().map(r -> "<" + r.recipient() + "> " + r.status()
                + (r.reply() == deciding ? "" : " (" + r.reply() + ")")).collect(Collectors.joining(", "));
    }

    private void decideOpen(Status status, SmtpReply reply) {
        for (int i = 0; i < statuses.length; i++) {
            if (statuses[i] == null) {
                decide(i, status, reply);
            }
        }
    }

    private void decide(int index, Status status, SmtpReply reply) {
        statuses[index] = status;
        replies[index] = reply;
    }

    private static Status statusOf(SmtpReply reply) {
        return reply.isPermanent() ? Status.REJECTED : Status.DEFERRED;
    }
}
