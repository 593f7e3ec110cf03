package org.postseal.config;

import java.io.IOException;
import java.time.Duration;
import java.util.Objects;
import org.postseal.smtp.PasswordSource;

/**
 * The password printed by a command, msmtp's {@code passwordeval}: the command is run with {@code /bin/sh -c} each
 * time the password is needed, so a rotated secret is picked up without a restart, and the first line of its standard
 * output, without the newline, is the password.
 *
 * <p>Unlike msmtp, which does not look at the exit status, a command that exits with a status other than 0 fails;
 * so does one that prints nothing or runs longer than the timeout (it is then killed). The failure is an
 * {@link IOException} naming the command, its exit status and its standard error, never the output.
 */
public final class MsmtpPasswordEval implements PasswordSource {
    /** How long the command may run, unless told otherwise. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    private final String command;
    private final Duration timeout;

    /**
     * @param command the shell command
     * @param timeout how long it may run
     * @throws IllegalArgumentException if the command is blank or the timeout not positive
     */
    public MsmtpPasswordEval(String command, Duration timeout) {
        Objects.requireNonNull(command, "command");
        Objects.requireNonNull(timeout, "timeout");
        if (command.isBlank()) {
            throw new IllegalArgumentException("command: '" + command + "' (expected: a shell command)");
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout: " + timeout + " (expected: > 0)");
        }
        this.command = command;
        this.timeout = timeout;
    }

    /** The command, with the default timeout of 30 seconds. */
    public static MsmtpPasswordEval of(String command) {
        return new MsmtpPasswordEval(command, DEFAULT_TIMEOUT);
    }

    /** The shell command. */
    public String command() {
        return command;
    }

    /** How long the command may run. */
    public Duration timeout() {
        return timeout;
    }

    /**
     * Runs the command now.
     *
     * @throws IOException if it cannot run, exits with a status other than 0, prints nothing, or does not end in
     *     time
     */
    @Override
    public String password() throws IOException {
        ShellCommand.Result result = ShellCommand.run(command, timeout);
        if (result.exitCode() != 0) {
            throw new IOException("passwordeval '" + command + "' exited with status " + result.exitCode() + ": "
                    + result.stderrLine());
        }
        return result.firstLine().orElseThrow(() -> new IOException(
                "passwordeval '" + command + "' printed nothing on standard output: " + result.stderrLine()));
    }

    @Override
    public String toString() {
        return "passwordeval " + command;
    }
}
