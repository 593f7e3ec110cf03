package org.postseal.postfix;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs one program to completion, bounded in time: standard input from bytes, standard output and error together
 * into a file, both files in a scratch directory and removed afterwards. Never a pipe the program could fill.
 */
public final class Commands {
    private Commands() {
    }

    /** How a program ended: its exit code and everything it wrote. */
    public record Result(List<String> command, int exitCode, String output) {
        /** Throws unless the program exited 0. */
        public Result requireSuccess() {
            if (exitCode != 0) {
                throw new IllegalStateException(
                        String.join(" ", command) + " exited " + exitCode + (output.isEmpty() ? "" : ":\n" + output));
            }
            return this;
        }
    }

    /**
     * Runs {@code command} with {@code environment} added to this JVM's, and waits at most {@code timeout}; a
     * program still running then is killed with its descendants and reported as an {@link IllegalStateException}.
     *
     * @param scratch an existing directory for the input and output files
     * @param stdin the bytes to feed on standard input; empty for none
     */
    public static Result run(List<String> command, Map<String, String> environment, byte[] stdin, Path scratch,
            Duration timeout) {
        Path input = null;
        Path output = null;
        try {
            input = Files.createTempFile(scratch, "stdin-", "");
            output = Files.createTempFile(scratch, "output-", "");
            Files.write(input, stdin);
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectInput(input.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(output.toFile());
            builder.environment().putAll(environment);
            Process process = builder.start();
            try {
                if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    kill(process);
                    throw new IllegalStateException(String.join(" ", command) + " timed out after " + timeout
                            + ":\n" + read(output));
                }
            } catch (InterruptedException e) {
                kill(process);
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while running " + String.join(" ", command), e);
            }
            return new Result(List.copyOf(command), process.exitValue(), read(output));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            deleteQuietly(input);
            deleteQuietly(output);
        }
    }

    private static void kill(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }

    private static String read(Path file) throws IOException {
        return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
    }

    private static void deleteQuietly(Path file) {
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // a scratch file; its directory goes away with the instance
            }
        }
    }
}
