package org.postseal.sendmail;

import java.util.Objects;
import org.postseal.message.MessageFormatException;
import org.postseal.transport.ExitStatus;

/**
 * A submitted message cannot be sent as asked. The message is one line saying why; {@link #reason()} tells a
 * malformed message (EX_DATAERR, as Postfix's sendmail answers) from a well-formed one that has nowhere to go
 * (EX_USAGE).
 */
public final class PreparationException extends Exception {
    private static final long serialVersionUID = 1L;

    /** Why a submission is refused. */
    public enum Reason {
        /** The input is not an RFC 5322 message (a line that is not a header field, an unreadable address list). */
        MALFORMED_MESSAGE(ExitStatus.DATA_ERROR),
        /** Neither the command line nor (with {@code -t}) the header gives a recipient. */
        NO_RECIPIENTS(ExitStatus.USAGE);

        private final int exitCode;

        Reason(int exitCode) {
            this.exitCode = exitCode;
        }

        /** The sysexits code sendmail uses for this failure (65 EX_DATAERR, 64 EX_USAGE). */
        public int exitCode() {
            return exitCode;
        }
    }

    private final Reason reason;

    public PreparationException(Reason reason, String message) {
        super(message);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /** A malformed message; the cause's message is this one's. */
    static PreparationException malformed(MessageFormatException cause) {
        PreparationException e = new PreparationException(Reason.MALFORMED_MESSAGE, cause.getMessage());
        e.initCause(cause);
        return e;
    }

    /** Why the submission was refused. */
    public Reason reason() {
        return reason;
    }
}
