package org.postseal.smarthost;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.postseal.logging.LogText;
import org.postseal.logging.MessageLine;
import org.postseal.smtp.DeliveryReport;
import org.postseal.smtp.RecipientResult;
import org.postseal.sendmail.SendmailOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The smarthost's work, apart from its socket: takes a submitted message, prepares it as msmtp would (recipients from
 * the header with {@code -t}, Bcc removed, Date, Message-ID and From added when missing, CRLF), signs it, writes it
 * to the spool durably, tries to relay it, and answers. A message is never answered "accepted" before it is either
 * relayed or in the spool on disk. Deferred messages are retried by a runner on the {@link RetrySchedule}; a
 * recipient refused with 5xx is recorded and the message kept in {@code failed/}.
 *
 * <p>Duplicates: if the process dies after the upstream server accepted a message (its 250 after DATA) and before
 * the spool records it (its {@code .env} deleted, or renamed into {@code failed/}), the message is sent again after
 * restart. {@code SpoolCrashIT} crashes the process at every step and measures that window (docs/SMARTHOST.md).
 */
public final class Smarthost implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Smarthost.class);

    private final Spool spool;
    private final Supplier<OutgoingMessages> outgoing;
    private final Relay relay;
    private final RetrySchedule retry;
    private final Clock clock;
    private final Duration relayWait;
    private final Map<String, SpooledMessage> queued = new ConcurrentHashMap<>();
    private final Set<String> inFlight = ConcurrentHashMap.newKeySet();
    private final ExecutorService deliveries;
    private final ScheduledExecutorService runner;
    private final QueueControl control;

    /**
     * @param outgoing how a submission is prepared and signed
     * @param relayWait how long a client waits for the first delivery attempt before it is told "queued"
     * @param deliveryThreads how many deliveries run at once
     */
    public Smarthost(Spool spool, OutgoingMessages outgoing, Relay relay, RetrySchedule retry, Clock clock,
            Duration relayWait, int deliveryThreads) {
        this(spool, fixed(Objects.requireNonNull(outgoing, "outgoing")), relay, retry, clock, relayWait,
                deliveryThreads);
    }

    /**
     * @param outgoing how a submission is prepared and signed, asked once per submission, so that a reload reaches
     *     the next message and never one under way
     * @param relayWait how long a client waits for the first delivery attempt before it is told "queued"
     * @param deliveryThreads how many deliveries run at once
     */
    public Smarthost(Spool spool, Supplier<OutgoingMessages> outgoing, Relay relay, RetrySchedule retry, Clock clock,
            Duration relayWait, int deliveryThreads) {
        this.spool = Objects.requireNonNull(spool, "spool");
        this.outgoing = Objects.requireNonNull(outgoing, "outgoing");
        this.relay = Objects.requireNonNull(relay, "relay");
        this.retry = Objects.requireNonNull(retry, "retry");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.relayWait = Objects.requireNonNull(relayWait, "relayWait");
        AtomicInteger n = new AtomicInteger();
        this.deliveries = Executors.newFixedThreadPool(deliveryThreads,
                r -> daemon(r, "postseal-delivery-" + n.incrementAndGet()));
        this.runner = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "postseal-queue-runner"));
        this.control = new QueueControl(spool.root());
    }

    /**
     * Recovers the spool after a stop or a crash, loads the queue, and starts the runner, which looks for due
     * messages and for {@code postseal queue} requests every {@code tick}.
     */
    public void start(Duration tick) throws IOException {
        spool.recover();
        for (SpooledMessage m : spool.queued()) {
            queued.put(m.id(), m);
        }
        if (!queued.isEmpty()) {
            LOG.info("spool {}: {} message(s) queued from before", spool.root(), queued.size());
        }
        runner.scheduleWithFixedDelay(this::tick, 0, tick.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static Supplier<OutgoingMessages> fixed(OutgoingMessages value) {
        return () -> value;
    }

    /**
     * Takes one submission; blocks for at most the relay wait (plus the signing time). Called on a worker thread,
     * never on an event loop.
     */
    public SubmissionAnswer submit(SendmailOptions options, byte[] raw) {
        OutgoingMessages.Outcome outcome = outgoing.get().make(options, raw);
        if (outcome instanceof OutgoingMessages.Refused refused) {
            return refused.answer();
        }
        OutgoingMessages.Ready ready = (OutgoingMessages.Ready) outcome;
        SigningOutcome.Relayable signed = ready.signing();
        SpooledMessage record;
        try {
            record = spool.add(ready.envelope(), signed.message(), clock.instant());
        } catch (IOException e) {
            LOG.error("cannot write to the spool {}: {}", spool.root(), e.toString());
            return SubmissionAnswer.tempFail("cannot queue the message: " + e.getMessage());
        }
        MessageLine line = signed.line(record.id()).with("sender", "<" + record.sender() + ">")
                .with("to", record.pending().stream().map(r -> "<" + r + ">").collect(Collectors.joining(",")))
                .with("size", String.valueOf(signed.message().length));
        if (!ready.addedHeaders().isEmpty()) {
            line = line.with("added", String.join(",", ready.addedHeaders()));
        }
        if (signed.warning()) {
            LOG.warn("{}", line);
        } else {
            LOG.info("{}", line);
        }
        inFlight.add(record.id()); // before the runner can see it
        queued.put(record.id(), record);
        Future<Attempt> attempt;
        try {
            attempt = deliveries.submit(() -> attemptAndRelease(record));
        } catch (RuntimeException e) {
            inFlight.remove(record.id());
            return SubmissionAnswer.queued(record.id(), "will be relayed later");
        }
        try {
            return SubmissionAnswer.of(record.id(), attempt.get(relayWait.toMillis(), TimeUnit.MILLISECONDS).report(),
                    true);
        } catch (TimeoutException e) {
            return SubmissionAnswer.queued(record.id(), "the upstream server is slow; delivery goes on in the "
                    + "background");
        } catch (ExecutionException e) {
            LOG.error("{}: delivery attempt failed: {}", record.id(), e.getCause().toString());
            return SubmissionAnswer.queued(record.id(), "will be retried");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return SubmissionAnswer.queued(record.id(), "will be retried");
        }
    }

    private Attempt attemptAndRelease(SpooledMessage record) throws IOException {
        try {
            return attempt(record);
        } finally {
            inFlight.remove(record.id());
        }
    }

    /** One delivery attempt of a queued message, and what the spool then records. */
    private Attempt attempt(SpooledMessage record) throws IOException {
        DeliveryReport report = spool.relay(record, () -> relay.deliver(record.envelope(), spool.content(record)));
        List<String> pending = new ArrayList<>();
        List<String> outcomes = new ArrayList<>();
        for (RecipientResult r : report.results()) {
            switch (r.status()) {
                case DELIVERED -> outcomes.add("delivered " + r.recipient() + ": " + r.reply());
                case REJECTED -> outcomes.add("rejected " + r.recipient() + ": " + r.reply());
                case DEFERRED -> pending.add(r.recipient());
                default -> throw new IllegalStateException("status " + r.status());
            }
        }
        Instant now = clock.instant();
        String last = report.results().get(report.results().size() - 1).reply().toString();
        SpooledMessage after = record.afterAttempt(pending, outcomes, last, retry.next(record.attempts() + 1, now));
        try {
            if (pending.isEmpty()) {
                queued.remove(record.id());
                if (after.rejections().isEmpty()) {
                    spool.remove(after);
                    LOG.info("{}: relayed to {}: {}", record.id(), LogText.escape(String.valueOf(record.pending())),
                            LogText.escape(String.valueOf(last)));
                } else {
                    spool.fail(after, String.join("; ", after.rejections()));
                    LOG.warn("{}: kept in failed/: {}", record.id(), LogText.escape(String.join("; ", after.rejections())));
                }
            } else if (retry.expired(record.created(), now)) {
                queued.remove(record.id());
                spool.fail(after, "expired after " + retry.lifetime() + ": " + last);
                LOG.warn("{}: gave up after {} attempt(s) over {}: {}", record.id(), after.attempts(),
                        retry.lifetime(), LogText.escape(String.valueOf(last)));
            } else {
                spool.update(after);
                queued.put(record.id(), after);
                LOG.info("{}: deferred for {} ({}); next attempt at {}", record.id(), LogText.escape(String.valueOf(pending)),
                        LogText.escape(String.valueOf(last)),
                        after.nextAttempt());
            }
        } catch (IOException e) {
            LOG.error("{}: cannot record the delivery attempt in the spool ({}); the message may be sent again",
                    record.id(), e.toString());
            throw e;
        }
        return new Attempt(record, report);
    }

    /** The runner: carries out queue requests, then starts the attempts that are due. */
    void tick() {
        try {
            control.serve(this::flushAll, this::deleteQueued);
            Instant now = clock.instant();
            for (String id : List.copyOf(queued.keySet())) {
                SpooledMessage seen = queued.get(id);
                if (seen == null || seen.nextAttempt().isAfter(now) || !inFlight.add(id)) {
                    continue;
                }
                SpooledMessage fresh = queued.get(id); // an attempt may have ended since it was read
                if (fresh == null || fresh.nextAttempt().isAfter(now)) {
                    inFlight.remove(id);
                    continue;
                }
                try {
                    deliveries.submit(() -> attemptAndRelease(fresh));
                } catch (RuntimeException e) {
                    inFlight.remove(id);
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.error("queue runner: {}", e.toString());
        }
    }

    /** Makes every queued message due now; returns how many. */
    int flushAll() {
        Instant now = clock.instant();
        int count = 0;
        for (String id : List.copyOf(queued.keySet())) {
            if (queued.computeIfPresent(id, (k, v) -> v.withNextAttempt(now)) != null) {
                count++;
            }
        }
        LOG.info("queue flush: {} message(s) due now", count);
        return count;
    }

    /** Deletes a queued or failed message unless it is being delivered. */
    String deleteQueued(String id) throws IOException {
        if (inFlight.contains(id)) {
            return "busy: " + id + " is being delivered now; try again in a moment";
        }
        queued.remove(id);
        boolean deleted = spool.delete(id);
        LOG.info("queue delete {}: {}", id, deleted ? "deleted" : "no such message");
        return deleted ? "deleted " + id : "no such message: " + id;
    }

    /** The queued messages as this process knows them, oldest first. */
    public List<SpooledMessage> queued() {
        return queued.values().stream().sorted(java.util.Comparator.comparing(SpooledMessage::created)).toList();
    }

    /** How many messages are queued now (for the spool metrics). */
    public int queuedCount() {
        return queued.size();
    }

    /** When the oldest queued message came, empty when none is queued (for the spool metrics). */
    public java.util.Optional<Instant> oldestQueued() {
        return queued.values().stream().map(SpooledMessage::created).min(java.util.Comparator.naturalOrder());
    }

    /** Stops the runner and waits (a little) for deliveries in progress. */
    @Override
    public void close() {
        runner.shutdownNow();
        deliveries.shutdown();
        try {
            if (!deliveries.awaitTermination(10, TimeUnit.SECONDS)) {
                deliveries.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** A record before an attempt, and the attempt's report. */
    private record Attempt(SpooledMessage before, DeliveryReport report) {
    }
}
