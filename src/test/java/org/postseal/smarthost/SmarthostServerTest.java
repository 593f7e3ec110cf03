package org.postseal.smarthost;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postseal.dkim.SignatureSpec;
import org.postseal.keys.DkimKeyGenerator;
import org.postseal.signing.OnError;
import org.postseal.signing.SignatureSelector;
import org.postseal.smtp.DeliveryReport;
import org.postseal.smtp.RecipientResult.Status;
import org.postseal.smtp.SmtpReply;
import org.postseal.sendmail.SendmailOptions;
import org.postseal.sendmail.MessagePreparer;

/**
 * Attacks on the smarthost's unix socket by a client that may connect to it (a local user in the socket's group),
 * through the real listener: slow clients must not lock the others out.
 */
class SmarthostServerTest {
    private static final long MAX = 10L << 20;
    private static final byte[] MESSAGE = "From: a@example.org\nTo: b@example.net\nSubject: hi\n\nbody\n"
            .getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path root;

    private final AtomicInteger relayed = new AtomicInteger();
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    private SmarthostServer server(Duration readTimeout, Duration deadline) throws IOException {
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
        SmarthostServer server = SmarthostServer.start(root.resolve("s.sock"), Optional.empty(), Optional.empty(),
                smarthost, new SubmissionLimits(MAX, readTimeout, deadline), 4);
        open.add(server);
        return server;
    }

    /** A client that announces {@code size} bytes, then sends one byte now and then. */
    private SocketChannel trickler(long size) throws IOException {
        SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        open.add(channel);
        channel.connect(UnixDomainSocketAddress.of(root.resolve("s.sock")));
        channel.write(ByteBuffer.wrap(SubmissionProtocol.header(SendmailOptions.phpMail(), size)));
        return channel;
    }

    private static void trickle(List<SocketChannel> clients) throws IOException {
        for (SocketChannel c : clients) {
            c.write(ByteBuffer.wrap(new byte[] {'X'}));
        }
    }

    /** Announcing sizes that add up to the whole memory budget, trickling under the read timeout. */
    private List<SocketChannel> attackers() throws IOException {
        List<SocketChannel> attackers = new ArrayList<>();
        for (long left = SubmissionLimits.MEMORY_BUDGET; left > 0; left -= MAX) {
            attackers.add(trickler(Math.min(MAX, left)));
        }
        return attackers;
    }

    @Test
    void clientsTricklingBytesAfterAnnouncingTheWholeBudgetDoNotLockOthersOut() throws Exception {
        server(Duration.ofSeconds(2), Duration.ofMinutes(5));
        List<SocketChannel> attackers = attackers();
        for (int i = 0; i < 3; i++) { // the attack is under way: every announcement read, each client alive
            Thread.sleep(500);
            trickle(attackers);
        }

        long start = System.nanoTime();
        SubmissionAnswer answer = new SubmissionClient(root.resolve("s.sock"), Duration.ofSeconds(30))
                .submit(SendmailOptions.phpMail(), MESSAGE);
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertEquals(250, answer.code(), answer.line());
        assertTrue(took.compareTo(Duration.ofSeconds(5)) < 0, "took " + took);
        assertEquals(1, relayed.get());
        trickle(attackers); // still connected: the read timeout did not end the attack
    }

    @Test
    void clientsTricklingBytesPastTheDeadlineAreCutWithATemporaryFailureAndTheirMemoryReleased() throws Exception {
        Duration deadline = Duration.ofSeconds(2);
        SmarthostServer server = server(Duration.ofSeconds(1), deadline);
        long start = System.nanoTime();
        List<SocketChannel> attackers = List.of(trickler(MAX), trickler(MAX), trickler(MAX));
        List<String> answers = new ArrayList<>();
        for (SocketChannel attacker : attackers) {
            attacker.configureBlocking(false);
        }
        while (answers.size() < attackers.size() && System.nanoTime() - start < TimeUnit.SECONDS.toNanos(20)) {
            Thread.sleep(300); // under the read timeout: only the deadline can end this
            for (SocketChannel attacker : attackers) {
                if (attacker.isOpen()) {
                    read(attacker).ifPresent(answers::add);
                }
            }
            for (SocketChannel attacker : attackers) {
                if (attacker.isOpen()) {
                    attacker.write(ByteBuffer.wrap(new byte[] {'X'}));
                }
            }
        }
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertEquals(attackers.size(), answers.size(), "every trickling client answered and cut: " + answers);
        for (String answer : answers) {
            assertTrue(answer.startsWith("451 75 ") && answer.contains("within " + deadline), answer);
        }
        assertTrue(took.compareTo(deadline) >= 0 && took.compareTo(Duration.ofSeconds(10)) < 0, "took " + took);
        assertEquals(0, relayed.get(), "nothing relayed");
        try (var queued = Files.list(root.resolve("spool/queue"))) {
            assertEquals(0, queued.count(), "nothing spooled");
        }
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (server.memoryInUse() != 0 && System.nanoTime() < until) {
            Thread.sleep(10);
        }
        assertEquals(0, server.memoryInUse(), "the partial messages' memory is released");
    }

    @Test
    void controlBytesOfARefusedMessageReachNeitherTheLogNorTheAnswerRaw() throws Exception {
        server(Duration.ofSeconds(10), Duration.ofMinutes(5));
        byte[] evil = "From: a@example.org\nTo: b@example.net\n\u001b[2J\u001b]0;owned\u0007 INFO forged\r\r\n\nbody\n"
                .getBytes(StandardCharsets.ISO_8859_1);
        java.io.PrintStream saved = System.err;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(captured, true, StandardCharsets.ISO_8859_1));
        SubmissionAnswer answer;
        try {
            answer = new SubmissionClient(root.resolve("s.sock"), Duration.ofSeconds(30))
                    .submit(SendmailOptions.phpMail(), evil);
        } finally {
            System.setErr(saved);
        }
        String log = captured.toString(StandardCharsets.ISO_8859_1);
        saved.print(log);
        assertEquals(554, answer.code(), answer.line());
        assertTrue(log.contains("submission refused") && log.contains("\\x1b[2J\\x1b]0;owned\\x07"), log);
        assertTrue(log.chars().noneMatch(c -> c == 0x1b || c == 0x07 || c == '\r'), "no raw control byte: " + log);
        assertTrue(answer.line().chars().noneMatch(c -> c < 0x20), "the answer is one clean line: " + answer.line());
        assertEquals(0, relayed.get());
    }

    /** The answer line a non-blocking client has got, if any; then the client is done and closes. */
    private static Optional<String> read(SocketChannel channel) throws IOException {
        ByteBuffer in = ByteBuffer.allocate(512);
        int n;
        while ((n = channel.read(in)) > 0) {
            // all the smarthost wrote so far
        }
        if (n < 0 || in.position() > 0) {
            channel.close();
        }
        return in.position() == 0 ? Optional.empty()
                : Optional.of(new String(in.array(), 0, in.position(), StandardCharsets.UTF_8).strip());
    }
}
