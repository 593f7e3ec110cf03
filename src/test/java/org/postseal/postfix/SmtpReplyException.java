package org.postseal.postfix;

import java.util.Objects;

/**
 * Postfix's smtpd refused a step of a submission: the command, and the reply code and text it answered with (for a
 * milter's verdict, typically {@code 550 5.7.1 ...} or {@code 451 4.7.1 ...} after the end of DATA).
 */
public final class SmtpReplyException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String command;
    private final int code;
    private final String text;

    SmtpReplyException(String command, int code, String text) {
        super("reply to " + command + ": " + code + " " + text);
        this.command = Objects.requireNonNull(command, "command");
        this.code = code;
        this.text = Objects.requireNonNull(text, "text");
    }

    /** The command refused: {@code MAIL}, {@code RCPT}, {@code DATA}, {@code AUTH}, or {@code .} for the end of data. */
    public String command() {
        return command;
    }

    /** The three-digit reply code. */
    public int code() {
        return code;
    }

    /** The reply text after the code, lines of a multi-line reply joined by a line feed. */
    public String text() {
        return text;
    }

    /** {@code true} for a temporary refusal (4xx). */
    public boolean isTransient() {
        return code / 100 == 4;
    }
}
