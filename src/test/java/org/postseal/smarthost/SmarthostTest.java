package org.postseal.smarthost;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postseal.dkim.SignatureSpec;
import org.postseal.dkim.SigningKey;
import org.postseal.keys.DkimKeyGenerator;
import org.postseal.signing.OnError;
import org.postseal.signing.SignatureSelector;
import org.postseal.smtp.DeliveryReport;
import org.postseal.smtp.Envelope;
import org.postseal.smtp.MessageSource;
import org.postseal.smtp.RecipientResult.Status;
import org.postseal.smtp.RecipientResult;
import org.postseal.smtp.SmtpReply;
import org.postseal.sendmail.SendmailOptions;
import org.postseal.sendmail.MessagePreparer;
import org.postseal.transport.ExitStatus;

/**
 * The queue logic of the smarthost, with a scripted relay, a clock the test moves and a spool in a temporary
 * directory. The end-to-end behaviour against a real Postfix is SmarthostPostfixIT's.
 */
class SmarthostTest {
    private static final Instant T0 = Instant.parse("2025-03-01T10:00:00Z");
    private static final SigningKey KEY = DkimKeyGenerator.ed25519();
    private static final RetrySchedule SCHEDULE = new RetrySchedule(Duration.ofMinutes(1), Duration.ofMinutes(10),
            Duration.ofHours(1));
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String B = "b@example.net";
    private static final String C = "c@example.net";
    private static final String PROBE = "probe@example.net";
    private static final byte[] MESSAGE = "From: Alice <a@example.org>\nTo: b@example.net, c@example.net\nSubject: hi\n\nbody\n"
            .getBytes(StandardCharsets.UTF_8);
    private static final SmtpReply OK = SmtpReply.of(250, List.of("2.0.0 Ok: queued as 4Xb"));
    private static final SmtpReply LATER = SmtpReply.of(421, List.of("4.3.0 try later"));
    private static final SmtpReply NO_USER = SmtpReply.of(550, List.of("5.1.1 <c@example.net>: no such user"));

    @TempDir
    Path root;

    private final TestClock clock = new TestClock(T0);
    private final ScriptedRelay relay = new ScriptedRelay();
    private final List<Smarthost> smarthosts = new ArrayList<>();
    private final List<CountDownLatch> latches = new ArrayList<>();
    private final List<ExecutorService> executors = new ArrayList<>();
    private Spool spool;

    /** A clock that moves only when told. */
    static final class TestClock extends Clock {
        private final AtomicReference<Instant> now;

        TestClock(Instant start) {
            now = new AtomicReference<>(start);
        }

        void advance(Duration d) {
            now.updateAndGet(i -> i.plus(d));
        }

        void set(Instant instant) {
            now.set(instant);
        }

        @Override
        public Instant instant() {
            return now.get();
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException();
        }
    }

    /** One call of the relay: the envelope and the bytes it was given. */
    record Call(Envelope envelope, byte[] bytes) {
        String text() {
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }

    /**
     * Answers from a script: the queued steps first, one per call, then the default. Probe messages (to
     * {@link #PROBE}) are delivered and counted apart.
     */
    static final class ScriptedRelay implements Relay {
        final List<Call> calls = new CopyOnWriteArrayList<>();
        final AtomicInteger probes = new AtomicInteger();
        final List<Function<Envelope, DeliveryReport>> steps = new CopyOnWriteArrayList<>();
        volatile Function<Envelope, DeliveryReport> otherwise = e -> DeliveryReport.all(e, Status.DELIVERED, OK);

        ScriptedRelay then(Function<Envelope, DeliveryReport> step) {
            steps.add(step);
            return this;
        }

        @Override
        public DeliveryReport deliver(Envelope envelope, MessageSource message) {
            byte[] bytes;
            try (InputStream in = message.open()) {
                bytes = in.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            if (envelope.recipients().contains(PROBE)) {
                probes.incrementAndGet();
                return DeliveryReport.all(envelope, Status.DELIVERED, OK);
            }
            int n = calls.size();
            calls.add(new Call(envelope, bytes));
            return (n < steps.size() ? steps.get(n) : otherwise).apply(envelope);
        }
    }

    static Function<Envelope, DeliveryReport> all(Status status) {
        return e -> DeliveryReport.all(e, status, reply(status));
    }

    /** Each recipient's fate; a recipient not named is delivered. */
    static Function<Envelope, DeliveryReport> each(Map<String, Status> fates) {
        return e -> new DeliveryReport(e.recipients().stream().map(r -> {
            Status s = fates.getOrDefault(r, Status.DELIVERED);
            return new RecipientResult(r, s, reply(s));
        }).toList());
    }

    static SmtpReply reply(Status status) {
        return switch (status) {
            case DELIVERED -> OK;
            case DEFERRED -> LATER;
            case REJECTED -> NO_USER;
        };
    }

    @BeforeEach
    void openSpool() throws IOException {
        spool = Spool.open(root);
    }

    @AfterEach
    void closeAll() {
        latches.forEach(CountDownLatch::countDown);
        smarthosts.forEach(Smarthost::close);
        executors.forEach(ExecutorService::shutdownNow);
    }

    private Smarthost smarthost(MessageSigner signer, Duration relayWait, boolean tempfailUnsignable, int threads)
            throws IOException {
        Smarthost s = new Smarthost(Spool.open(root), new OutgoingMessages(
                new MessagePreparer(clock, "host.example.org", "www"), signer,
                tempfailUnsignable ? OnError.TEMPFAIL : OnError.ACCEPT, true),
                relay, SCHEDULE, clock, relayWait, threads);
        smarthosts.add(s);
        return s;
    }

    private Smarthost smarthost() throws IOException {
        return smarthost(signer(), WAIT,
                true, 1);
    }

    private static SubmissionAnswer submit(Smarthost s) {
        return s.submit(SendmailOptions.phpMail(), MESSAGE);
    }

    @FunctionalInterface
    interface Condition {
        boolean holds() throws IOException;
    }

    /** Polls until the condition holds, failing after a deadline. */
    private static void await(String what, Condition condition) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.holds()) {
            if (System.nanoTime() > deadline) {
                fail("timed out waiting until " + what);
            }
            Thread.sleep(5);
        }
    }

    /**
     * Polls like {@link #await}, calling tick() before each look, as the runner would: a delivery that tick()
     * started updates the spool a moment before it releases its in-flight mark, so one tick right after the
     * spool changed may find the message still busy.
     */
    private static void awaitTicking(Smarthost s, String what, Condition condition)
            throws IOException, InterruptedException {
        await(what, () -> {
            s.tick();
            return condition.holds();
        });
    }

    /**
     * Returns once every delivery started before it has started: submits a probe message and waits for the relay
     * to see it. The delivery executor runs tasks in order, so a delivery wrongly started by tick() shows up
     * before the probe does.
     */
    private void barrier(Smarthost s) throws IOException, InterruptedException {
        int before = relay.probes.get();
        s.submit(SendmailOptions.builder().recipient(PROBE).build(),
                "From: a@example.org\nSubject: probe\n\nprobe\n".getBytes(StandardCharsets.US_ASCII));
        await("the probe is relayed", () -> relay.probes.get() > before);
        await("the probe leaves the spool", () -> spool.queued().stream()
                .noneMatch(m -> m.pending().contains(PROBE)));
    }

    private SpooledMessage onlyQueued() throws IOException {
        List<SpooledMessage> queued = spool.queued();
        assertEquals(1, queued.size(), queued.toString());
        return queued.get(0);
    }

    private SpooledMessage onlyFailed() throws IOException {
        List<SpooledMessage> failed = spool.failed();
        assertEquals(1, failed.size(), failed.toString());
        return failed.get(0);
    }

    private byte[] spooledBytes(SpooledMessage m) throws IOException {
        try (InputStream in = spool.content(m).open()) {
            return in.readAllBytes();
        }
    }

    private String dirNames(String dir) throws IOException {
        try (var files = Files.list(root.resolve(dir))) {
            return String.join(" ", files.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }

    private void assertSpoolEmpty() throws IOException {
        assertEquals("", dirNames("queue"));
        assertEquals("", dirNames("failed"));
        assertEquals("", dirNames("tmp"));
    }

    @Test
    void deliveredAtOnceIsAnsweredRelayedAndLeavesNothing() throws Exception {
        Smarthost s = smarthost();

        SubmissionAnswer answer = submit(s);

        assertEquals(250, answer.code(), answer.line());
        assertEquals(ExitStatus.OK, answer.exitStatus());
        assertTrue(answer.text().matches("[0-9a-z]+-[0-9a-f]{8} relayed: 250 2\\.0\\.0 Ok: queued as 4Xb"),
                answer.text());
        assertSpoolEmpty();
        assertEquals(List.of(), s.queued());
        assertEquals(1, relay.calls.size());
        Call call = relay.calls.get(0);
        assertEquals(new Envelope("a@example.org", List.of(B, C)), call.envelope());
        assertTrue(call.text().startsWith("DKIM-Signature:"), call.text());
        assertTrue(call.text().contains("d=example.org;") && call.text().contains("s=sel;"), call.text());
        assertTrue(call.text().endsWith("\r\nSubject: hi\r\n\r\nbody\r\n"), call.text());
    }

    @Test
    void deferredIsQueuedThenDeliveredByTheRunnerWhenDue() throws Exception {
        relay.then(all(Status.DEFERRED)).then(all(Status.DELIVERED));
        Smarthost s = smarthost();

        SubmissionAnswer answer = submit(s);

        assertEquals(250, answer.code(), answer.line());
        assertEquals(0, answer.exitStatus());
        assertTrue(answer.text().endsWith(" queued: 421 4.3.0 try later"), answer.text());
        SpooledMessage queued = onlyQueued();
        assertTrue(answer.text().startsWith(queued.id() + " "), answer.text());
        assertEquals(1, queued.attempts());
        assertEquals(T0.plus(Duration.ofMinutes(1)), queued.nextAttempt());
        assertEquals(T0, queued.created());
        assertEquals(List.of(B, C), queued.pending());
        assertEquals(Optional.of("421 4.3.0 try later"), queued.lastReply());
        assertEquals(List.of(), queued.outcomes());
        assertArrayEquals(relay.calls.get(0).bytes(), spooledBytes(queued));
        assertEquals(List.of(queued), s.queued());

        clock.advance(Duration.ofSeconds(59));
        s.tick();
        barrier(s);
        assertEquals(1, relay.calls.size(), "not due yet");
        assertEquals(queued, onlyQueued());

        clock.advance(Duration.ofSeconds(1));
        s.tick();
        await("the message is delivered", () -> dirNames("queue").isEmpty());

        assertSpoolEmpty();
        assertEquals(List.of(), s.queued());
        s.tick();
        barrier(s);
        assertEquals(2, relay.calls.size());
        assertArrayEquals(relay.calls.get(0).bytes(), relay.calls.get(1).bytes(), "the same signed bytes");
        assertEquals(new Envelope("a@example.org", List.of(B, C)), relay.calls.get(1).envelope());
    }

    @Test
    void retriesFollowTheSchedule() throws Exception {
        relay.otherwise = all(Status.DEFERRED);
        Smarthost s = smarthost();
        submit(s);
        List<Duration> waits = new ArrayList<>();
        for (int attempts = 1; attempts <= 5; attempts++) {
            SpooledMessage m = onlyQueued();
            assertEquals(attempts, m.attempts());
            waits.add(Duration.between(clock.instant(), m.nextAttempt()));
            clock.set(m.nextAttempt());
            int expected = attempts + 1;
            awaitTicking(s, "attempt " + expected, () -> onlyQueued().attempts() == expected);
        }

        assertEquals(List.of(Duration.ofMinutes(1), Duration.ofMinutes(2), Duration.ofMinutes(4),
                Duration.ofMinutes(8), Duration.ofMinutes(10)), waits);
        assertEquals(6, relay.calls.size());
    }

    @Test
    void oneRejectedOneDeliveredIsRefusedNamingTheRejectionAndKeptInFailed() throws Exception {
        relay.otherwise = each(Map.of(C, Status.REJECTED));
        Smarthost s = smarthost();

        SubmissionAnswer answer = submit(s);

        assertEquals(554, answer.code(), answer.line());
        assertEquals(ExitStatus.UNAVAILABLE, answer.exitStatus());
        SpooledMessage failed = onlyFailed();
        assertEquals(failed.id() + " rejected: c@example.net: 550 5.1.1 <c@example.net>: no such user; relayed to 1 "
                + "other recipient(s)", answer.text());
        assertEquals(List.of("delivered b@example.net: 250 2.0.0 Ok: queued as 4Xb",
                "rejected c@example.net: 550 5.1.1 <c@example.net>: no such user"), failed.outcomes());
        assertEquals(List.of(), failed.pending());
        assertEquals(1, failed.attempts());
        assertEquals(Optional.of("rejected c@example.net: 550 5.1.1 <c@example.net>: no such user"),
                failed.lastReply());
        assertEquals("", dirNames("queue"));
        assertEquals(failed.id() + ".env " + failed.id() + ".msg", dirNames("failed"));
        assertEquals(List.of(), s.queued());

        clock.advance(Duration.ofDays(1));
        s.tick();
        barrier(s);
        assertEquals(1, relay.calls.size(), "a failed message is never retried");
        assertEquals(failed, onlyFailed());
    }

    /**
     * One recipient deferred, one rejected: the client is told 554 at once (the rejection is final), the message
     * stays queued for the deferred recipient only, and once that one is delivered the message goes to failed/
     * because of the earlier rejection, with both outcomes.
     */
    @Test
    void deferredAndRejectedIsRefusedQueuedForTheRestThenFailed() throws Exception {
        relay.then(each(Map.of(B, Status.DEFERRED, C, Status.REJECTED))).then(all(Status.DELIVERED));
        Smarthost s = smarthost();

        SubmissionAnswer answer = submit(s);

        assertEquals(554, answer.code(), answer.line());
        assertEquals(ExitStatus.UNAVAILABLE, answer.exitStatus());
        SpooledMessage queued = onlyQueued();
        assertEquals(queued.id() + " rejected: c@example.net: 550 5.1.1 <c@example.net>: no such user; 1 other "
                + "recipient(s) queued", answer.text());
        assertEquals(List.of(B), queued.pending());
        assertEquals(List.of("rejected c@example.net: 550 5.1.1 <c@example.net>: no such user"), queued.outcomes());
        assertEquals(1, queued.attempts());
        assertEquals(T0.plus(Duration.ofMinutes(1)), queued.nextAttempt());
        assertEquals(List.of(), spool.failed());

        clock.advance(Duration.ofMinutes(1));
        s.tick();
        await("the message leaves the queue", () -> dirNames("queue").isEmpty());

        assertEquals(new Envelope("a@example.org", List.of(B)), relay.calls.get(1).envelope(),
                "only the deferred recipient is tried again");
        SpooledMessage failed = onlyFailed();
        assertEquals(queued.id(), failed.id());
        assertEquals(List.of("rejected c@example.net: 550 5.1.1 <c@example.net>: no such user",
                "delivered b@example.net: 250 2.0.0 Ok: queued as 4Xb"), failed.outcomes());
        assertEquals(2, failed.attempts());
        assertEquals(Optional.of("rejected c@example.net: 550 5.1.1 <c@example.net>: no such user"),
                failed.lastReply());
        assertEquals(List.of(), s.queued());
        clock.advance(Duration.ofDays(1));
        s.tick();
        barrier(s);
        assertEquals(2, relay.calls.size());
    }

    @Test
    void deferredPastTheLifetimeIsMovedToFailedAsExpired() throws Exception {
        relay.otherwise = all(Status.DEFERRED);
        Smarthost s = smarthost();
        submit(s);
        // attempts at 0, 1, 3, 7, 15, 25, 35, 45, 55 minutes; the one at 65 finds the hour over
        for (int i = 0; i < 20 && spool.failed().isEmpty(); i++) {
            SpooledMessage m = onlyQueued();
            clock.set(m.nextAttempt());
            awaitTicking(s, "attempt " + (m.attempts() + 1), () -> {
                List<SpooledMessage> queued = spool.queued(); // read before failed(): a move to failed/ shows
                return !spool.failed().isEmpty()
                        || queued.size() == 1 && queued.get(0).attempts() > m.attempts();
            });
        }

        SpooledMessage failed = onlyFailed();
        assertEquals(Optional.of("expired after PT1H: 421 4.3.0 try later"), failed.lastReply());
        assertEquals(10, failed.attempts());
        assertEquals(T0.plus(Duration.ofMinutes(65)), clock.instant());
        assertEquals(List.of(B, C), failed.pending());
        assertEquals(10, relay.calls.size());
        assertEquals(List.of(), spool.queued());
        assertEquals(List.of(), s.queued());
    }

    @Test
    void slowRelayIsAnsweredQueuedAndNotStartedTwice() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        latches.add(release);
        CountDownLatch entered = new CountDownLatch(1);
        relay.then(e -> {
            entered.countDown();
            try {
                release.await();
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            }
            return DeliveryReport.all(e, Status.DELIVERED, OK);
        });
        Smarthost s = smarthost(signer(),
                Duration.ofMillis(200), true, 2);

        long start = System.nanoTime();
        SubmissionAnswer answer = submit(s);
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertEquals(250, answer.code(), answer.line());
        assertTrue(answer.text().endsWith(" queued: the upstream server is slow; delivery goes on in the background"),
                answer.text());
        assertTrue(took.compareTo(Duration.ofSeconds(5)) < 0, "answered after " + took);
        assertTrue(entered.await(WAIT.toMillis(), TimeUnit.MILLISECONDS));
        SpooledMessage queued = onlyQueued();
        assertEquals(0, queued.attempts(), "the first attempt is still going on");

        clock.advance(Duration.ofHours(2));
        for (int i = 0; i < 3; i++) {
            s.tick();
        }
        barrier(s);
        assertEquals(1, relay.calls.size(), "tick() does not start a message that is being delivered");

        release.countDown();
        await("the slow delivery ends", () -> dirNames("queue").isEmpty());
        assertSpoolEmpty();
        s.tick();
        barrier(s);
        assertEquals(1, relay.calls.size());
    }

    @Test
    void badMessageIsRefusedWithoutSpoolingOrRelaying() throws Exception {
        Smarthost s = smarthost();

        SubmissionAnswer answer = s.submit(SendmailOptions.builder().recipient(B).build(),
                "no header here\n\nbody\n".getBytes(StandardCharsets.US_ASCII));

        assertEquals(554, answer.code(), answer.line());
        assertEquals(ExitStatus.DATA_ERROR, answer.exitStatus());
        assertTrue(answer.text().startsWith("message refused: "), answer.text());
        assertSpoolEmpty();
        assertEquals(List.of(), relay.calls);
    }

    @Test
    void noRecipientIsRefusedWithoutSpoolingOrRelaying() throws Exception {
        Smarthost s = smarthost();

        SubmissionAnswer answer = s.submit(SendmailOptions.defaults(), "Subject: x\n\nbody\n".getBytes());

        assertEquals(554, answer.code(), answer.line());
        assertEquals(ExitStatus.DATA_ERROR, answer.exitStatus());
        assertSpoolEmpty();
        assertEquals(List.of(), relay.calls);
    }

    /** Signs every message with {@code KEY} as example.org, whatever its From. */
    private MessageSigner signer() {
        return MessageSigner.of(SignatureSelector.fixed(SignatureSpec.builder("example.org", "sel", KEY).build()),
                clock);
    }

    private static final MessageSigner UNSIGNABLE = message ->
            new SigningOutcome.Failed(java.util.Optional.of("example.org"), "the key is refused",
                    org.postseal.events.NotSignedReason.KEY_ERROR, List.of());

    @Test
    void unsignableIsATemporaryFailureWhenTempfailIsOn() throws Exception {
        Smarthost s = smarthost(UNSIGNABLE, WAIT, true, 1);

        SubmissionAnswer answer = submit(s);

        assertEquals(new SubmissionAnswer(451, ExitStatus.TEMP_FAIL,
                "message not accepted, try again later: cannot sign: the key is refused"), answer);
        assertSpoolEmpty();
        assertEquals(List.of(), relay.calls);
    }

    @Test
    void unsignableIsRelayedUnsignedWhenTempfailIsOff() throws Exception {
        Smarthost s = smarthost(UNSIGNABLE, WAIT, false, 1);

        SubmissionAnswer answer = submit(s);

        assertEquals(250, answer.code(), answer.line());
        assertTrue(answer.text().contains(" relayed: "), answer.text());
        assertSpoolEmpty();
        assertEquals(1, relay.calls.size());
        String sent = relay.calls.get(0).text();
        assertFalse(sent.contains("DKIM-Signature"), sent);
        assertTrue(sent.contains("From: Alice <a@example.org>\r\nTo: b@example.net, c@example.net\r\nSubject: hi\r\n"
                + "\r\nbody\r\n"), sent);
    }

    @Test
    void aNewSmarthostPicksUpTheQueueOfTheLastOne() throws Exception {
        relay.otherwise = all(Status.DEFERRED);
        Smarthost first = smarthost();
        String id1 = submit(first).text().split(" ")[0];
        clock.advance(Duration.ofSeconds(1));
        String id2 = submit(first).text().split(" ")[0];
        first.close();
        assertEquals(List.of(id1, id2), spool.queued().stream().map(SpooledMessage::id).toList());
        Files.write(root.resolve("tmp/" + id2 + ".env"), new byte[] {1}); // a crash's leftover
        relay.calls.clear();
        relay.otherwise = all(Status.DELIVERED);

        Smarthost second = smarthost();
        second.start(Duration.ofHours(1));

        assertEquals(List.of(id1, id2), second.queued().stream().map(SpooledMessage::id).toList());
        assertEquals("", dirNames("tmp"), "start() recovers the spool");
        clock.advance(Duration.ofMinutes(2));
        second.tick();
        await("both are delivered", () -> dirNames("queue").isEmpty());
        second.tick();
        barrier(second);
        assertSpoolEmpty();
        assertEquals(2, relay.calls.size(), relay.calls.toString());
        assertEquals(List.of(), second.queued());
    }

    // ---- postseal queue requests, served by the runner ----

    /** Asks as {@code postseal queue} does, while the runner ticks every 20 ms. */
    private Optional<String> request(String name) throws Exception {
        return new QueueControl(root).request(name, WAIT);
    }

    @Test
    void flushRequestMakesQueuedMessagesDueNow() throws Exception {
        relay.then(all(Status.DEFERRED)).then(all(Status.DEFERRED));
        Smarthost s = smarthost();
        submit(s);
        submit(s);
        s.start(Duration.ofMillis(20));

        assertEquals(Optional.of("flushed: 2 queued message(s) will be tried now"), request("flush"));

        await("both are delivered", () -> dirNames("queue").isEmpty());
        assertSpoolEmpty();
        assertEquals(4, relay.calls.size());
        assertEquals(T0, clock.instant(), "delivered without the clock moving");
        assertEquals("", dirNames("control"), "request and answer files are gone");
    }

    @Test
    void deleteRequestRemovesAQueuedMessage() throws Exception {
        relay.otherwise = all(Status.DEFERRED);
        Smarthost s = smarthost();
        String id = submit(s).text().split(" ")[0];
        s.start(Duration.ofMillis(20));

        assertEquals(Optional.of("deleted " + id), request("delete-" + id));

        assertSpoolEmpty();
        assertEquals(List.of(), s.queued());
        clock.advance(Duration.ofHours(1));
        s.tick();
        barrier(s);
        assertEquals(1, relay.calls.size(), "a deleted message is not tried again");
    }

    @Test
    void deleteRequestRemovesAFailedMessage() throws Exception {
        relay.otherwise = all(Status.REJECTED);
        Smarthost s = smarthost();
        String id = submit(s).text().split(" ")[0];
        assertEquals(id, onlyFailed().id());
        s.start(Duration.ofMillis(20));

        assertEquals(Optional.of("deleted " + id), request("delete-" + id));

        assertSpoolEmpty();
    }

    @Test
    void deleteRequestForAnUnknownMessage() throws Exception {
        Smarthost s = smarthost();
        s.start(Duration.ofMillis(20));

        assertEquals(Optional.of("no such message: m7abcdef-0badf00d"), request("delete-m7abcdef-0badf00d"));
    }

    @Test
    void deleteRequestForAMessageBeingDeliveredIsBusy() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch relaying = new CountDownLatch(1);
        latches.add(release);
        relay.then(e -> {
            relaying.countDown();
            try {
                release.await();
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            }
            return DeliveryReport.all(e, Status.DEFERRED, LATER);
        });
        Smarthost s = smarthost(signer(),
                Duration.ofMillis(100), true, 1);
        String id = submit(s).text().split(" ")[0];
        s.start(Duration.ofMillis(20));
        assertTrue(relaying.await(10, TimeUnit.SECONDS), "the relay was never called");

        String busy = "busy: " + id + " is being delivered now; try again in a moment";
        assertEquals(Optional.of(busy), request("delete-" + id));
        release.countDown();
        // the attempt is on disk a moment before the message stops being in flight: busy until then, as told
        await("deleted once the attempt is over", () -> {
            Optional<String> answer;
            try {
                answer = request("delete-" + id);
            } catch (IOException e) {
                throw e;
            } catch (Exception e) {
                throw new IOException(e);
            }
            assertTrue(answer.equals(Optional.of(busy)) || answer.equals(Optional.of("deleted " + id)),
                    () -> "answer " + answer);
            return answer.equals(Optional.of("deleted " + id));
        });
        assertSpoolEmpty();
    }

    @Test
    void requestsWhileTickRunsOnAnotherThread() throws Exception {
        relay.otherwise = all(Status.DEFERRED);
        Smarthost s = smarthost();
        String id = submit(s).text().split(" ")[0];
        ExecutorService ticker = Executors.newSingleThreadExecutor();
        executors.add(ticker);
        Future<?> ticking = ticker.submit(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                s.tick();
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });

        assertEquals(Optional.of("flushed: 1 queued message(s) will be tried now"), request("flush"));
        await("the flushed attempt is recorded", () -> onlyQueued().attempts() == 2);
        assertEquals(Optional.of("no such message: m7abcdef-0badf00d"), request("delete-m7abcdef-0badf00d"));
        assertEquals(Optional.of("deleted " + id), request("delete-" + id));
        ticking.cancel(true);
        assertSpoolEmpty();
        assertEquals(2, relay.calls.size());
    }

    @Test
    void unknownRequestFileIsAnswered() throws Exception {
        Smarthost s = smarthost();
        Path control = Files.createDirectories(root.resolve("control"));
        Files.writeString(control.resolve("restart.req"), "");

        s.tick();

        assertEquals("unknown request restart\n", Files.readString(control.resolve("restart.res")));
        assertFalse(Files.exists(control.resolve("restart.req")));
    }

    /**
     * A message whose record cannot be read (edited by hand, a disk error) must be deletable with {@code postseal
     * queue delete}: the smarthost should answer "deleted ID". Today Spool.delete throws, the runner logs the
     * error, and the request is never answered (retried on every tick until the command gives up).
     */
    @Test
    void deleteRequestForACorruptMessageIsAnswered() throws Exception {
        Smarthost s = smarthost();
        Files.write(root.resolve("queue/m7abcdef-00000001.msg"), new byte[] {1});
        Files.writeString(root.resolve("queue/m7abcdef-00000001.env"), "id: m7abcdef-00000001\nattempts: x\n");
        s.start(Duration.ofMillis(20));

        Optional<String> answer = new QueueControl(root).request("delete-m7abcdef-00000001", Duration.ofSeconds(2));

        assertEquals(Optional.of("deleted m7abcdef-00000001"), answer);
    }
}
