package org.postseal.smarthost;

import java.util.List;
import java.util.Objects;
import org.postseal.smtp.DeliveryReport;
import org.postseal.smtp.RecipientResult;
import org.postseal.transport.ExitStatus;

/**
 * The smarthost's one-line answer to a submission: an SMTP-like code (2xx accepted: relayed or safely queued; 4xx
 * not accepted, try again; 5xx refused), the exit status {@code postseal sendmail} should end with (sysexits), and a
 * text for the client's stderr or log. On the wire: {@code CODE EXIT TEXT\n}.
 */
public record SubmissionAnswer(int code, int exitStatus, String text) {
    public SubmissionAnswer {
        if (code < 200 || code > 599) {
            throw new IllegalArgumentException("code: " + code + " (expected: 200-599)");
        }
        Objects.requireNonNull(text, "text");
        text = text.replace('\r', ' ').replace('\n', ' ');
    }

    public static SubmissionAnswer relayed(String id, String reply) {
        return new SubmissionAnswer(250, ExitStatus.OK, id + " relayed: " + reply);
    }

    public static SubmissionAnswer queued(String id, String reason) {
        return new SubmissionAnswer(250, ExitStatus.OK, id + " queued: " + reason);
    }

    public static SubmissionAnswer rejected(String id, String reason) {
        return new SubmissionAnswer(554, ExitStatus.UNAVAILABLE, id + " rejected: " + reason);
    }

    public static SubmissionAnswer badMessage(String reason) {
        return new SubmissionAnswer(554, ExitStatus.DATA_ERROR, "message refused: " + reason);
    }

    public static SubmissionAnswer tooBig(long limit) {
        return new SubmissionAnswer(552, ExitStatus.DATA_ERROR, "message refused: larger than the limit of " + limit
                + " bytes");
    }

    public static SubmissionAnswer tempFail(String reason) {
        return new SubmissionAnswer(451, ExitStatus.TEMP_FAIL, "message not accepted, try again later: " + reason);
    }

    /**
     * The answer for a delivery attempt: relayed when every recipient was delivered; refused (exit 69) naming each
     * recipient refused for good and its reply; otherwise, for deferred recipients, "queued" when the message is in
     * the spool ({@code spooled}), else a temporary failure (nothing keeps it).
     */
    public static SubmissionAnswer of(String id, DeliveryReport report, boolean spooled) {
        List<RecipientResult> rejected = report.with(RecipientResult.Status.REJECTED);
        List<RecipientResult> deferred = report.with(RecipientResult.Status.DEFERRED);
        List<RecipientResult> delivered = report.with(RecipientResult.Status.DELIVERED);
        if (!rejected.isEmpty()) {
            StringBuilder text = new StringBuilder();
            for (RecipientResult r : rejected) {
                text.append(text.length() == 0 ? "" : "; ").append(r.recipient()).append(": ").append(r.reply());
            }
            if (!delivered.isEmpty()) {
                text.append("; relayed to ").append(delivered.size()).append(" other recipient(s)");
            }
            if (!deferred.isEmpty()) {
                text.append("; ").append(deferred.size()).append(" other recipient(s) ")
                        .append(spooled ? "queued" : "not relayed (try again)");
            }
            return rejected(id, text.toString());
        }
        if (!deferred.isEmpty()) {
            String reason = deferred.get(0).recipient() + ": " + deferred.get(0).reply();
            return spooled ? queued(id, deferred.get(0).reply().toString()) : tempFail(reason);
        }
        return relayed(id, delivered.get(0).reply().toString());
    }

    public boolean accepted() {
        return code < 400;
    }

    /** The wire form, without the newline. */
    public String line() {
        return code + " " + exitStatus + " " + text;
    }

    /** Parses {@link #line()}; a line that is not an answer gives a temporary failure describing it. */
    public static SubmissionAnswer parse(String line) {
        String[] parts = line.split(" ", 3);
        try {
            int code = Integer.parseInt(parts[0]);
            int exit = Integer.parseInt(parts[1]);
            return new SubmissionAnswer(code, exit, parts.length > 2 ? parts[2] : "");
        } catch (RuntimeException e) {
            return tempFail("the smarthost answered something unexpected: " + line);
        }
    }

    @Override
    public String toString() {
        return line();
    }
}
