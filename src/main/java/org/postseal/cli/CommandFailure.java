package org.postseal.cli;

/**
 * Ends a command with a one-line message on stderr and the given exit code; no stack trace is printed. Commands throw
 * it for every expected failure (bad input, missing file...), and {@link Main} maps it.
 */
final class CommandFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int exitCode;

    CommandFailure(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    int exitCode() {
        return exitCode;
    }
}
