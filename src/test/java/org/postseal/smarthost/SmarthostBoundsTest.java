package org.postseal.smarthost;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.postseal.dkim.SignatureSpec;
import org.postseal.keys.DkimKeyGenerator;
import org.postseal.sendmail.MessagePreparer;
import org.postseal.sendmail.SendmailOptions;
import org.postseal.signing.OnError;
import org.postseal.signing.SignatureSelector;
import org.postseal.smtp.DeliveryReport;
import org.postseal.smtp.RecipientResult.Status;
import org.postseal.smtp.SmtpReply;
import org.postseal.transport.ExitStatus;

/**
 * The smarthost's bounds at the bound and one past it, through the real socket and the real client: the largest
 * message ({@code max-message-size}) and the submissions served at once ({@code max-submissions}). Past a bound the
 * one submission is refused with a log line; the test then submits a normal message, which is relayed.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SmarthostBoundsTest {
    private static final long MAX = 4096;
    private static final String HEADER = "From: a@example.org\nTo: b@example.net\nSubject: bounds\n\n";

    @TempDir
    Path root;

    private final AtomicInteger relayed = new AtomicInteger();
    private final List<AutoCloseable> open = new ArrayList<>();
    private PrintStream savedErr;
    private final ByteArrayOutputStream log = new ByteArrayOutputStream();

    @BeforeEach
    void captureLog() {
        savedErr = System.err;
        System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
        System.setErr(savedErr);
        savedErr.print(log());
    }

    private String log() {
        return log.toString(StandardCharsets.UTF_8);
    }

    private SmarthostServer server(int maxSubmissions) throws IOException {
        Clock clock = Clock.systemUTC();
        Smarthost smarthost = new Smarthost(Spool.open(root.resolve("spool")), new OutgoingMessages(
                new MessagePreparer(clock, "host.example.org", "www"), MessageSigner.of(SignatureSelector.fixed(
                        SignatureSpec.builder("example.org", "sel", DkimKeyGenerator.ed25519()).build()), clock),
                OnError.TEMPFAIL, true),
                (envelope, message) -> {
                    relayed.incrementAndGet();
                    return DeliveryReport.all(envelope, Status.DELIVERED, SmtpReply.of(250, List.of("2.0.0 Ok")));
                }, new RetrySchedule(Duration.ofMinutes(1), Duration.ofMinutes(10), Duration.ofHours(1)), clock,
                Duration.ofSeconds(10), 1);
        open.add(smarthost);
        SmarthostServer server = SmarthostServer.start(root.resolve("s.sock"), java.util.Optional.empty(),
                java.util.Optional.empty(), smarthost, new SubmissionLimits(MAX, Duration.ofSeconds(30),
                        Duration.ofMinutes(5), maxSubmissions), 4);
        open.add(server);
        return server;
    }

    private SubmissionAnswer submit(byte[] message) {
        return new SubmissionClient(root.resolve("s.sock"), Duration.ofSeconds(30)).submit(SendmailOptions.phpMail(),
                message);
    }

    /** A message of exactly {@code size} bytes. */
    private static byte[] message(long size) {
        String body = "x".repeat((int) size - HEADER.length() - 1) + "\n";
        return (HEADER + body).getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void aMessageOfMaxMessageSizeIsRelayedAndOneByteMoreIsRefused() throws Exception {
        server(SubmissionLimits.DEFAULT_MAX_SUBMISSIONS);
        SubmissionAnswer atBound = submit(message(MAX));
        assertEquals(250, atBound.code(), atBound.line());
        SubmissionAnswer past = submit(message(MAX + 1));
        assertEquals(552, past.code(), past.line());
        assertEquals(ExitStatus.DATA_ERROR, past.exitStatus());
        assertTrue(log().contains("submission refused: 4097 bytes announced, the limit is 4096"), log());
        assertEquals(250, submit(message(100)).code(), "the next one is relayed");
        assertEquals(2, relayed.get());
    }

    @Test
    void maxSubmissionsAreServedAtOnceAndOneMoreIsAnsweredBusy() throws Exception {
        SmarthostServer server = server(3);
        // three clients in the middle of their submissions: each announced a message and sent half of it
        byte[] message = message(1000);
        List<SocketChannel> held = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
            open.add(channel);
            channel.connect(UnixDomainSocketAddress.of(root.resolve("s.sock")));
            channel.write(ByteBuffer.wrap(SubmissionProtocol.header(SendmailOptions.phpMail(), message.length)));
            channel.write(ByteBuffer.wrap(message, 0, 500));
            held.add(channel);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (server.submissionsOpen() < 3 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(3, server.submissionsOpen());
        SubmissionAnswer busy = submit(message(100));
        assertEquals(451, busy.code(), busy.line());
        assertEquals(ExitStatus.TEMP_FAIL, busy.exitStatus());
        assertTrue(busy.text().contains("the smarthost is busy: 3 submissions at once (max-submissions)"),
                busy.line());
        assertTrue(log().contains("submission limit reached (3 at once, max-submissions): refused 1 submission(s)"
                + " as busy"), log());
        // the third of those at the bound finishes and is relayed; then a new client is served again
        SocketChannel third = held.get(2);
        third.write(ByteBuffer.wrap(message, 500, message.length - 500));
        assertTrue(answer(third).startsWith("250 0 "), "the third submission at the bound is relayed");
        while (server.submissionsOpen() > 2 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(250, submit(message(100)).code(), "served again once one has ended");
        assertEquals(2, relayed.get());
    }

    private static String answer(SocketChannel channel) throws IOException {
        ByteBuffer in = ByteBuffer.allocate(512);
        while (channel.read(in) >= 0 && (in.position() == 0 || in.get(in.position() - 1) != '\n')) {
            // until the answer line is whole
        }
        return new String(in.array(), 0, in.position(), StandardCharsets.UTF_8).strip();
    }
}
