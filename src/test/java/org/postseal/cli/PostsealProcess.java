package org.postseal.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the packaged {@code postseal.jar} as a user would, with stdin from bytes, and captures what it says. Public for
 * the integration tests of other packages (interop over DNS).
 */
public final class PostsealProcess {
    private PostsealProcess() {
    }

    /** What the process did: its exit code, standard output and standard error. */
    public record Outcome(int exitCode, byte[] stdout, String stderr) {
        /** Standard output as UTF-8 text. */
        public String out() {
            return new String(stdout, StandardCharsets.UTF_8);
        }
    }

    static Path jar() {
        Path jar = Path.of(System.getProperty("postseal.jar", "target/postseal.jar"));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: run the integration tests with 'mvn verify'");
        }
        return jar;
    }

    /** Runs {@code java -jar postseal.jar ARGS} with {@code stdin}, for two minutes at most. */
    public static Outcome run(byte[] stdin, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("java", "-jar", jar().toString()));
        command.addAll(List.of(args));
        Path in = Files.createTempFile("postseal-stdin", ".eml");
        Path out = Files.createTempFile("postseal-stdout", ".eml");
        Path err = Files.createTempFile("postseal-stderr", ".txt");
        try {
            Files.write(in, stdin);
            Process process = new ProcessBuilder(command)
                    .redirectInput(in.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("postseal " + String.join(" ", args) + " did not finish in 120 s");
            }
            return new Outcome(process.exitValue(), Files.readAllBytes(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(in);
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
