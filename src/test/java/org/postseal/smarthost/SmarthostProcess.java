package org.postseal.smarthost;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code postseal smarthost} run from the packaged jar as an administrator runs it, with its log in a file, and the
 * client {@code bin/postseal-sendmail} run as PHP runs it (a shell pipeline).
 */
final class SmarthostProcess implements AutoCloseable {
    private final List<String> javaOptions;
    private final List<String> arguments;
    private final Path socket;
    private final Path log;
    private Process process;

    SmarthostProcess(Path socket, Path log, List<String> arguments) {
        this(List.of(), socket, log, arguments);
    }

    /** @param javaOptions for the JVM, before {@code -jar} ({@code -XX:TieredStopAtLevel=1} starts faster) */
    SmarthostProcess(List<String> javaOptions, Path socket, Path log, List<String> arguments) {
        this.javaOptions = List.copyOf(javaOptions);
        this.socket = socket;
        this.log = log;
        this.arguments = List.copyOf(arguments);
    }

    private List<String> command() {
        List<String> command = new ArrayList<>(List.of("java"));
        command.addAll(javaOptions);
        command.addAll(List.of("-jar", jar().toString(), "smarthost", "--socket", socket.toString()));
        command.addAll(arguments);
        return command;
    }

    static Path jar() {
        Path jar = Path.of(System.getProperty("postseal.jar", "target/postseal.jar")).toAbsolutePath();
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: run the integration tests with 'mvn verify'");
        }
        return jar;
    }

    /** Starts the daemon and waits until its socket accepts connections. */
    SmarthostProcess start() throws IOException, InterruptedException {
        process = new ProcessBuilder(command()).redirectInput(new File("/dev/null")).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError("smarthost exited " + process.exitValue() + ":\n" + log());
            }
            if (log().contains("postseal smarthost ready")) {
                return this;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("smarthost not ready in 30 s:\n" + log());
    }

    /** Starts the daemon expecting it to refuse to start; returns its exit code. */
    int startExpectingFailure() throws IOException, InterruptedException {
        process = new ProcessBuilder(command()).redirectInput(new File("/dev/null")).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("smarthost did not stop:\n" + log());
        }
        return process.exitValue();
    }

    void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    String log() throws IOException {
        return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    }

    Path socket() {
        return socket;
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    /** What a client run printed and returned. */
    record ClientRun(int exitCode, String stdout, String stderr) {
    }

    /**
     * Runs {@code printf '%s' MESSAGE | bin/postseal-sendmail ARGS} through {@code sh}, as PHP's mail() does through
     * popen, with {@code POSTSEAL_SOCKET} set to this smarthost's socket.
     */
    static ClientRun sendmail(Path socket, byte[] message, String... args) throws IOException, InterruptedException {
        Path in = Files.createTempFile("postseal-mail", ".eml");
        Path out = Files.createTempFile("postseal-out", ".txt");
        Path err = Files.createTempFile("postseal-err", ".txt");
        try {
            Files.write(in, message);
            StringBuilder script = new StringBuilder("cat \"$1\" | bin/postseal-sendmail");
            for (String arg : args) {
                script.append(" '").append(arg.replace("'", "'\\''")).append('\'');
            }
            ProcessBuilder builder = new ProcessBuilder("sh", "-c", script.toString(), "sh", in.toString())
                    .redirectOutput(out.toFile()).redirectError(err.toFile());
            builder.environment().put("POSTSEAL_SOCKET", socket.toString());
            builder.environment().put("POSTSEAL_JAR", jar().toString());
            Process p = builder.start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("postseal-sendmail did not finish in 120 s");
            }
            return new ClientRun(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(in);
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** Runs {@code postseal queue ARGS}. */
    static ClientRun queue(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("java", "-jar", jar().toString(), "queue"));
        command.addAll(List.of(args));
        Path out = Files.createTempFile("postseal-out", ".txt");
        Path err = Files.createTempFile("postseal-err", ".txt");
        try {
            Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("postseal queue did not finish");
            }
            return new ClientRun(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
