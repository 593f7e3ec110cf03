package org.postseal.smarthost;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.postseal.sendmail.SendmailOptions;

/**
 * {@code postseal sendmail}'s side of the {@link SubmissionProtocol}: sends one message to the smarthost's socket and
 * returns its answer. Any failure to get an answer (no socket, refused, cut, timed out) is a temporary failure:
 * the message was not accepted, and the caller must say so.
 */
public final class SubmissionClient {
    private final Path socket;
    private final Duration timeout;

    /** @param timeout the longest wait for the whole exchange */
    public SubmissionClient(Path socket, Duration timeout) {
        this.socket = socket;
        this.timeout = timeout;
    }

    public SubmissionAnswer submit(SendmailOptions options, byte[] message) {
        ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "postseal-sendmail-timeout");
            t.setDaemon(true);
            return t;
        });
        AtomicBoolean timedOut = new AtomicBoolean();
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ScheduledFuture<?> alarm = watchdog.schedule(() -> {
                timedOut.set(true);
                try {
                    channel.close();
                } catch (IOException e) {
                    // closing to unblock
                }
            }, timeout.toMillis(), TimeUnit.MILLISECONDS);
            try {
                channel.connect(UnixDomainSocketAddress.of(socket));
            } catch (IOException e) {
                return SubmissionAnswer.tempFail("cannot reach the smarthost at " + socket + ": " + reason(e));
            }
            IOException writeFailure = null;
            try {
                writeAll(channel, ByteBuffer.wrap(SubmissionProtocol.header(options, message.length)));
                writeAll(channel, ByteBuffer.wrap(message));
            } catch (IOException e) {
                writeFailure = e; // the smarthost may have answered early (too big, bad request): read it
            }
            String line = readLine(channel);
            alarm.cancel(false);
            if (line == null) {
                if (timedOut.get()) {
                    return SubmissionAnswer.tempFail("no answer from the smarthost within " + timeout);
                }
                return SubmissionAnswer.tempFail("the smarthost closed the connection without answering"
                        + (writeFailure != null ? " (" + reason(writeFailure) + ")" : ""));
            }
            return SubmissionAnswer.parse(line);
        } catch (IOException e) {
            if (timedOut.get()) {
                return SubmissionAnswer.tempFail("no answer from the smarthost within " + timeout);
            }
            return SubmissionAnswer.tempFail("talking to the smarthost at " + socket + ": " + reason(e));
        } finally {
            watchdog.shutdownNow();
        }
    }

    private static void writeAll(SocketChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    private static String readLine(SocketChannel channel) {
        ByteArrayOutputStream line = new ByteArrayOutputStream(128);
        ByteBuffer buffer = ByteBuffer.allocate(512);
        try {
            while (true) {
                buffer.clear();
                int n = channel.read(buffer);
                if (n < 0) {
                    return null;
                }
                for (int i = 0; i < n; i++) {
                    byte b = buffer.get(i);
                    if (b == '\n') {
                        return line.toString(StandardCharsets.UTF_8);
                    }
                    line.write(b);
                }
            }
        } catch (IOException e) {
            return null;
        }
    }

    private static String reason(IOException e) {
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }
}
