package org.postseal.cli;

import java.util.function.Supplier;
import org.postseal.signing.UnusableKeyException;

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

    /**
     * Runs {@code setup}, which reads keys; a key that cannot be used ends the command with {@code exitCode} and the
     * key's one-line message.
     */
    static <T> T onUnusableKey(int exitCode, Supplier<T> setup) {
        try {
            return setup.get();
        } catch (UnusableKeyException e) {
            throw new CommandFailure(exitCode, e.getMessage());
        }
    }
}
