package org.postseal.config;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Runs a shell command as msmtp's {@code eval} and {@code passwordeval} do ({@code popen}: {@code /bin/sh -c CMD},
 * in the working directory, standard input from {@code /dev/null}) and keeps what it printed, bounded in time and
 * size.
 */
final class ShellCommand {
    /** The most output kept from each stream; msmtp itself reads one line of at most 500 characters. */
    private static final int MAX_OUTPUT = 64 * 1024;
    private static final long DRAIN_MILLIS = 1000;

    /**
     * What the command did.
     *
     * @param exitCode its exit status
     * @param stdout its standard output, at most 64 KiB
     * @param stderr its standard error, at most 64 KiB
     */
    record Result(int exitCode, String stdout, String stderr) {
        /** The first line of standard output without its newline; empty when the command printed nothing. */
        Optional<String> firstLine() {
            if (stdout.isEmpty()) {
                return Optional.empty();
            }
            int newline = stdout.indexOf('\n');
            return Optional.of(newline < 0 ? stdout : stdout.substring(0, newline));
        }

        /** Standard error on one line, for a message: {@code (no error output)} when there was none. */
        String stderrLine() {
            String text = stderr.strip().replace('\n', ' ');
            return text.isEmpty() ? "(no error output)" : text;
        }
    }

    private ShellCommand() {
    }

    /**
     * Runs {@code command} with {@code /bin/sh -c} and waits for it at most {@code timeout}.
     *
     * @throws IOException if it cannot be started, or does not end in time (it is then killed)
     */
    static Result run(String command, Duration timeout) throws IOException {
        Process process = new ProcessBuilder("/bin/sh", "-c", command)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
        Drain out = Drain.start(process.getInputStream(), "stdout");
        Drain err = Drain.start(process.getErrorStream(), "stderr");
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                throw new IOException("'" + command + "' did not finish within " + timeout.toSeconds()
                        + " s: killed");
            }
            return new Result(process.exitValue(), out.text(), err.text());
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while running '" + command + "'");
        }
    }

    /** Reads one stream of the child to its end on a daemon thread, keeping the first 64 KiB. */
    private static final class Drain implements Runnable {
        private final InputStream in;
        private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
        private final Thread thread;

        private Drain(InputStream in, String name) {
            this.in = in;
            this.thread = new Thread(this, "msmtp-command-" + name);
            this.thread.setDaemon(true);
        }

        static Drain start(InputStream in, String name) {
            Drain drain = new Drain(in, name);
            drain.thread.start();
            return drain;
        }

        @Override
        public void run() {
            byte[] buffer = new byte[4096];
            try (in) {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    synchronized (kept) {
                        kept.write(buffer, 0, Math.min(n, Math.max(0, MAX_OUTPUT - kept.size())));
                    }
                }
            } catch (IOException e) {
                // the stream was closed under us: keep what was read
            }
        }

        /** What was read; waits a moment for the end, which a child left running in the background may hold. */
        String text() throws InterruptedException {
            thread.join(DRAIN_MILLIS);
            synchronized (kept) {
                return kept.toString(StandardCharsets.UTF_8);
            }
        }
    }
}
