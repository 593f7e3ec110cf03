package org.postseal.smarthost;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Optional;
import java.util.function.IntSupplier;
import java.util.regex.Pattern;

/**
 * How {@code postseal queue} asks a running smarthost to change its spool (the smarthost being its only writer): a
 * request file {@code control/NAME.req} ({@code flush} or {@code delete-ID}), which the smarthost's runner carries
 * out within a second and answers in {@code control/NAME.res}.
 */
public final class QueueControl {
    private static final Pattern NAME = Pattern.compile("flush|delete-[0-9a-z]{6,20}-[0-9a-f]{8}");

    private final Path dir;

    public QueueControl(Path spoolRoot) {
        this.dir = spoolRoot.resolve("control");
    }

    /** What the smarthost does for a delete request: the answer line. */
    @FunctionalInterface
    interface Deleter {
        String delete(String id) throws IOException;
    }

    /** Carries out the pending requests (the smarthost's side). */
    void serve(IntSupplier flush, Deleter deleter) throws IOException {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (DirectoryStream<Path> requests = Files.newDirectoryStream(dir, "*.req")) {
            for (Path request : requests) {
                String file = request.getFileName().toString();
                String name = file.substring(0, file.length() - ".req".length());
                String answer;
                if (!NAME.matcher(name).matches()) {
                    answer = "unknown request " + name;
                } else if (name.equals("flush")) {
                    answer = "flushed: " + flush.getAsInt() + " queued message(s) will be tried now";
                } else {
                    answer = deleter.delete(name.substring("delete-".length()));
                }
                Path tmp = dir.resolve(name + ".tmp");
                Files.writeString(tmp, answer + "\n", StandardCharsets.UTF_8);
                Files.move(tmp, dir.resolve(name + ".res"), StandardCopyOption.ATOMIC_MOVE,
                        StandardCopyOption.REPLACE_EXISTING);
                Files.deleteIfExists(request);
            }
        }
    }

    /**
     * Leaves a request for the running smarthost and waits for its answer (the command's side).
     *
     * @return the answer, or empty if none came within {@code timeout}
     */
    public Optional<String> request(String name, Duration timeout) throws IOException, InterruptedException {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("request: " + name);
        }
        Files.createDirectories(dir);
        Path response = dir.resolve(name + ".res");
        Files.deleteIfExists(response);
        Files.writeString(dir.resolve(name + ".req"), "", StandardCharsets.UTF_8);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(response)) {
                String answer = Files.readString(response, StandardCharsets.UTF_8).strip();
                Files.deleteIfExists(response);
                return Optional.of(answer);
            }
            Thread.sleep(100);
        }
        Files.deleteIfExists(dir.resolve(name + ".req"));
        return Optional.empty();
    }
}
