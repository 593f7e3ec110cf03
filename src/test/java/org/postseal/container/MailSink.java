package org.postseal.container;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The messages the sink container ({@code docker/sink/}) stored in {@code /var/mail/sink/new/}, read through whatever
 * reaches into the container: {@code podman exec} for a compose project, the Docker API for Testcontainers.
 */
final class MailSink {
    /** Where the sink keeps the messages in the container. */
    static final String DIRECTORY = "/var/mail/sink/new";

    /** Lists and reads the files of {@link #DIRECTORY}. */
    interface Reader {
        /** The names of the files there. */
        List<String> list();

        /** The bytes of the file {@code name}. */
        byte[] read(String name);
    }

    private final Reader reader;

    MailSink(Reader reader) {
        this.reader = reader;
    }

    /**
     * Waits until a stored message contains {@code token} (a unique Subject, say) and returns its bytes as they
     * arrived at the sink.
     *
     * @throws AssertionError if none does within {@code timeout}
     */
    byte[] awaitMessage(String token, Duration timeout) throws InterruptedException {
        Set<String> seen = new HashSet<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        do {
            for (String name : reader.list()) {
                if (name.endsWith(".eml") && seen.add(name)) {
                    byte[] message = reader.read(name);
                    if (new String(message, StandardCharsets.ISO_8859_1).contains(token)) {
                        return message;
                    }
                }
            }
            Thread.sleep(200);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("no message with " + token + " reached the sink within " + timeout + " (it has "
                + reader.list() + ")");
    }

    /** The number of messages stored so far. */
    long count() {
        return reader.list().stream().filter(name -> name.endsWith(".eml")).count();
    }
}
