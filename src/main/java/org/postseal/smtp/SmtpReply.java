package org.postseal.smtp;

import java.util.List;

/**
 * One SMTP reply (RFC 5321 §4.2): a three-digit code and its text lines. A reply can also be made up locally for a
 * failure that has no server reply (connection refused, timeout, TLS failure): such replies are marked
 * {@link #local()} and use 421 (temporary) or 554 (permanent) as their code.
 */
public record SmtpReply(int code, List<String> lines, boolean local) {
    public SmtpReply {
        if (code < 200 || code > 599) {
            throw new IllegalArgumentException("code: " + code + " (expected: 200-599)");
        }
        lines = List.copyOf(lines);
    }

    /** A reply received from the server. */
    public static SmtpReply of(int code, List<String> lines) {
        return new SmtpReply(code, lines, false);
    }

    /** A temporary failure made up here, for a failure without a server reply. */
    public static SmtpReply localTemporary(String text) {
        return new SmtpReply(421, List.of(text), true);
    }

    /** A permanent failure made up here (a message bigger than the server's SIZE, say). */
    public static SmtpReply localPermanent(String text) {
        return new SmtpReply(554, List.of(text), true);
    }

    public boolean isPositive() {
        return code < 400;
    }

    public boolean isTemporary() {
        return code >= 400 && code < 500;
    }

    public boolean isPermanent() {
        return code >= 500;
    }

    /** The text lines joined with spaces. */
    public String text() {
        return String.join(" ", lines);
    }

    /** {@code 250 2.0.0 Ok: queued as 4Xb}, or {@code 421 (local) connection refused}. */
    @Override
    public String toString() {
        return code + (local ? " (local) " : " ") + text();
    }
}
