package org.postseal.container;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Runs one program to completion, bounded in time, with standard output kept as bytes (a message copied out of a
 * container must arrive byte for byte) and standard error as text, each through a file, never a pipe the program
 * could fill.
 */
final class ProcessRun {
    private ProcessRun() {
    }

    /** How a program ended. */
    record Result(List<String> command, int exitCode, byte[] stdout, String stderr) {
        Result {
            command = List.copyOf(command);
            Objects.requireNonNull(stdout, "stdout");
            Objects.requireNonNull(stderr, "stderr");
        }

        /** Standard output as UTF-8 text. */
        String out() {
            return new String(stdout, StandardCharsets.UTF_8);
        }

        /** Throws unless the program exited 0, with what it said. */
        Result requireSuccess() {
            if (exitCode != 0) {
                throw new IllegalStateException(describe());
            }
            return this;
        }

        /** The command, its exit code and its output, for a failure message. */
        String describe() {
            return String.join(" ", command) + " exited " + exitCode + "\n--- stdout\n" + out() + "\n--- stderr\n"
                    + stderr;
        }
    }

    /**
     * Runs {@code command} with {@code environment} added to this JVM's and {@code stdin} as its input (empty: none),
     * and waits at most {@code timeout}; a program still running then is killed with its descendants and reported as
     * an {@link IllegalStateException}.
     */
    static Result run(List<String> command, Map<String, String> environment, byte[] stdin, Duration timeout) {
        Path input = null;
        Path output = null;
        Path error = null;
        try {
            input = Files.createTempFile("containers-stdin-", "");
            output = Files.createTempFile("containers-stdout-", "");
            error = Files.createTempFile("containers-stderr-", "");
            Files.write(input, stdin);
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectInput(stdin.length == 0 ? new File("/dev/null") : input.toFile())
                    .redirectOutput(output.toFile())
                    .redirectError(error.toFile());
            builder.environment().putAll(environment);
            Process process = builder.start();
            try {
                if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    kill(process);
                    throw new IllegalStateException(String.join(" ", command) + " timed out after " + timeout
                            + "\n--- stdout\n" + Files.readString(output) + "\n--- stderr\n" + Files.readString(error));
                }
            } catch (InterruptedException e) {
                kill(process);
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while running " + String.join(" ", command), e);
            }
            return new Result(command, process.exitValue(), Files.readAllBytes(output),
                    new String(Files.readAllBytes(error), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            deleteQuietly(input);
            deleteQuietly(output);
            deleteQuietly(error);
        }
    }

    private static void kill(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }

    private static void deleteQuietly(Path file) {
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                // a scratch file left in /tmp is harmless
            }
        }
    }
}
