package org.postseal.keys;

import java.util.Objects;

/**
 * A key file cannot be used for signing. The message is one line, "source: problem", meant to be shown to the
 * person who configured the key as it is: for example {@code "key.pem: RSA key of 512 bits is too short (minimum
 * 1024)"}. A cause, when there is one, is for the debug log only.
 */
public final class KeyFileException extends Exception {
    private static final long serialVersionUID = 1L;

    private final String source;
    private final String problem;

    public KeyFileException(String source, String problem) {
        this(source, problem, null);
    }

    public KeyFileException(String source, String problem, Throwable cause) {
        super(Objects.requireNonNull(source, "source") + ": " + Objects.requireNonNull(problem, "problem"), cause);
        this.source = source;
        this.problem = problem;
    }

    /** The file name (or other name) the key was read from. */
    public String source() {
        return source;
    }

    /** What is wrong, without the source name. */
    public String problem() {
        return problem;
    }
}
