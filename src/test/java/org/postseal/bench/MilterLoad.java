package org.postseal.bench;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.postseal.dkim.DkimSigner;
import org.postseal.dkim.DkimVerifier;
import org.postseal.dkim.SignatureSpec;
import org.postseal.message.HeaderField;
import org.postseal.message.MessageReader;
import org.postseal.dkim.SigningKey;
import org.postseal.dkim.VerificationResult;
import org.postseal.dkim.VerificationSession;
import org.postseal.keys.KeyRecordText;
import org.postseal.keys.PrivateKeyReader;

/**
 * Load driver for a signing milter, speaking to it as Postfix 3.7 does (see {@link PostfixMilterClient}): N
 * connections in parallel, each an SMTP session of several messages, each message MAIL, RCPT, DATA, header fields,
 * EOH, body chunks and EOB. It warms up, then measures for a duration or a message count, and prints:
 *
 * <ul>
 *   <li>messages per second over the measured phase (session set-up included);</li>
 *   <li>latency per message, median and 99th percentile, from writing MAIL to reading the final reply of EOB;</li>
 *   <li>the milter's CPU time per message: {@code utime + stime} of the milter's process ({@code --pid}) read from
 *       {@code /proc/PID/stat} before and after the measured phase, divided by the messages measured;</li>
 *   <li>how many messages came back with a DKIM-Signature inserted. A run in which any message was not signed, or
 *       any connection failed, is reported as FAILED and exits 1.</li>
 * </ul>
 *
 * <p>With {@code --verify-key}, the first signed message is reassembled as Postfix would store it and its signature
 * checked with postseal's verifier against that key.
 *
 * <p>With {@code --mode verify --sign-key KEY}, the driver measures a verifying milter instead: every message arrives
 * already signed with that key (d= {@code --domain}, s= {@code --selector}; 256 distinct messages signed before the
 * run, used in turn) from a client that is not internal ({@code 192.0.2.25}), and a message counts as done only when
 * the milter adds an Authentication-Results field saying {@code dkim=pass}.
 *
 * <p>Every run also counts the messages that took 35 ms or more ({@code over_35ms}): a delayed ACK (40 ms on Linux)
 * shows there.
 *
 * <p>With {@code --sessions-held N}, the driver instead opens N sessions (each negotiates, sends CONNECT and HELO) and
 * keeps them all open; once every one is open it sends one message on each of them at once, waits for every reply,
 * and only then closes them. It reports how long opening and serving took, and, with {@code --pid}, the milter's
 * resident memory and file descriptors before, while all are held, once all are served, and after they closed. A
 * session that fails, a message not signed, or a milter that does not hold N more file descriptors while they are open
 * makes the run FAILED ({@code bin/load-sessions}).
 *
 * <pre>
 * java -cp ... org.postseal.bench.MilterLoad --milter 127.0.0.1:8891 --pid 1234 --connections 8 --size 2k \
 *     --warmup 5 --duration 10 [--messages N] [--name opendkim] [--verify-key key.pem]
 * </pre>
 */
public final class MilterLoad {
    private static final int EXIT_FAILED = 1;
    private static final int EXIT_USAGE = 64;
    /** The client a verifying milter sees: TEST-NET-1, never in InternalHosts. */
    private static final String EXTERNAL = "192.0.2.25";

    private InetSocketAddress milter;
    private String name = "milter";
    private int connections = 1;
    private int size = 2048;
    private double warmupSeconds = 5;
    private double durationSeconds = 10;
    private long messages;
    private int messagesPerSession = 10;
    private long pid;
    private int clockTicks = 100;
    /** What Postfix 3.7's smtpd uses on loopback here: reads of 130964 bytes (2 x MSS 65482) under strace. */
    private int vstreamBuffer = 130964;
    private PostfixMilterClient.Writes writes = PostfixMilterClient.Writes.VSTREAM;
    private int timeoutMillis = 30_000;
    private Path verifyKey;
    private boolean verifying;
    private Path signKey;
    private String domain = "example.com";
    private String selector = "sel";
    private List<LoadMessage> presigned = List.of();
    private int sessionsHeld;

    private final AtomicLong sequence = new AtomicLong();
    private final List<String> failures = Collections.synchronizedList(new ArrayList<>());

    private volatile boolean stop;
    private volatile String negotiated = "";
    private volatile String verification = "not checked (no --verify-key)";

    private MilterLoad() {
    }

    public static void main(String[] args) throws Exception {
        MilterLoad load = new MilterLoad();
        try {
            load.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("MilterLoad: " + e.getMessage());
            System.err.println("usage: MilterLoad --milter HOST:PORT|inet:PORT@HOST [--pid PID] [--name NAME]"
                    + " [--connections N] [--size BYTES|2k|100k] [--warmup SECONDS] [--duration SECONDS]"
                    + " [--messages N] [--messages-per-session N] [--clk-tck TICKS] [--vstream-buffer BYTES]"
                    + " [--writes vstream|per-packet] [--timeout-ms MS] [--verify-key PRIVATE_KEY]"
                    + " [--mode sign|verify] [--sign-key PRIVATE_KEY] [--domain D] [--selector S]"
                    + " [--sessions-held N]");
            System.exit(EXIT_USAGE);
        }
        System.exit(load.run());
    }

    private void parse(String[] args) {
        for (int i = 0; i < args.length; i++) {
            String option = args[i];
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(option + ": value missing");
            }
            String value = args[++i];
            switch (option) {
                case "--milter" -> milter = address(value);
                case "--name" -> name = value;
                case "--connections" -> connections = positive(option, value);
                case "--size" -> size = bytes(value);
                case "--warmup" -> warmupSeconds = Double.parseDouble(value);
                case "--duration" -> durationSeconds = Double.parseDouble(value);
                case "--messages" -> messages = positive(option, value);
                case "--messages-per-session" -> messagesPerSession = positive(option, value);
                case "--pid" -> pid = positive(option, value);
                case "--clk-tck" -> clockTicks = positive(option, value);
                case "--vstream-buffer" -> vstreamBuffer = positive(option, value);
                case "--writes" -> writes = PostfixMilterClient.Writes.valueOf(
                        value.toUpperCase(Locale.ROOT).replace('-', '_'));
                case "--timeout-ms" -> timeoutMillis = positive(option, value);
                case "--verify-key" -> verifyKey = Path.of(value);
                case "--mode" -> verifying = switch (value) {
                    case "sign" -> false;
                    case "verify" -> true;
                    default -> throw new IllegalArgumentException("--mode: " + value + " (expected: sign or verify)");
                };
                case "--sign-key" -> signKey = Path.of(value);
                case "--domain" -> domain = value;
                case "--selector" -> selector = value;
                case "--sessions-held" -> sessionsHeld = positive(option, value);
                default -> throw new IllegalArgumentException("unknown option " + option);
            }
        }
        if (milter == null) {
            throw new IllegalArgumentException("--milter is required");
        }
        if (verifying && signKey == null) {
            throw new IllegalArgumentException("--mode verify needs --sign-key");
        }
        if (warmupSeconds < 0 || warmupSeconds > 600 || durationSeconds <= 0 || durationSeconds > 3600) {
            throw new IllegalArgumentException("--warmup 0..600 and --duration 0..3600 seconds");
        }
    }

    private int run() throws Exception {
        if (sessionsHeld > 0) {
            return runHeld();
        }
        LoadMessage template = LoadMessage.of(size, 0);
        if (verifying) {
            SignatureSpec spec = SignatureSpec.builder(domain, selector, PrivateKeyReader.read(signKey)).build();
            DkimSigner signer = new DkimSigner(Clock.systemUTC());
            List<LoadMessage> pool = new ArrayList<>();
            for (int i = 0; i < 256; i++) {
                pool.add(LoadMessage.next(template, i + 1).signedBy(signer, spec));
            }
            presigned = List.copyOf(pool);
            verification = "every message must come back with Authentication-Results dkim=pass";
        }
        List<Worker> workers = new ArrayList<>();
        CountDownLatch warmedUp = new CountDownLatch(connections);
        CountDownLatch go = new CountDownLatch(1);
        AtomicLong remaining = new AtomicLong(messages > 0 ? messages : Long.MAX_VALUE);
        for (int i = 0; i < connections; i++) {
            workers.add(new Worker(i, template, warmedUp, go, remaining));
        }
        long warmupEnd = System.nanoTime() + (long) (warmupSeconds * 1e9);
        for (Worker w : workers) {
            w.warmupEnd = warmupEnd;
            w.thread.start();
        }
        // bounded waits everywhere: a stuck milter shows as a failure, not a hang
        long slack = timeoutMillis + 5_000L;
        if (!warmedUp.await((long) (warmupSeconds * 1000) + slack, TimeUnit.MILLISECONDS)) {
            failures.add("warm-up did not finish in time");
        }
        long cpuBefore = pid > 0 ? ProcessCpu.ticks(pid) : 0;
        long selfBefore = ProcessCpu.ticks(ProcessHandle.current().pid());
        long start = System.nanoTime();
        go.countDown();
        // duration mode: measure for --duration; count mode: until --messages are done, at most 10 minutes
        long budget = messages > 0 ? 600_000L : (long) (durationSeconds * 1000);
        long deadline = System.currentTimeMillis() + budget;
        while (System.currentTimeMillis() < deadline && workers.stream().anyMatch(w -> w.thread.isAlive())) {
            Thread.sleep(Math.max(1, Math.min(20, deadline - System.currentTimeMillis())));
        }
        stop = true;
        for (Worker w : workers) {
            w.thread.join(slack);
            if (w.thread.isAlive()) {
                failures.add("connection " + w.index + " did not stop within " + slack + " ms");
                w.thread.interrupt();
            }
        }
        long end = Math.max(start, workers.stream().mapToLong(w -> w.lastEnd).max().orElse(start));
        long cpuAfter = pid > 0 ? ProcessCpu.ticks(pid) : 0;
        long selfAfter = ProcessCpu.ticks(ProcessHandle.current().pid());
        return report(workers, (end - start) / 1e9, cpuAfter - cpuBefore, selfAfter - selfBefore);
    }

    /** The milter's resident memory and file descriptors at one moment (zeros without {@code --pid}). */
    private record Footprint(long residentKb, int fds) {
        String describe() {
            return String.format(Locale.ROOT, "RSS %d MiB, %d fds", residentKb / 1024, fds);
        }
    }

    private Footprint footprint() throws IOException {
        return pid > 0 ? new Footprint(ProcessResources.residentKb(pid), ProcessResources.openFds(pid))
                : new Footprint(0, 0);
    }

    /** {@code --sessions-held}: every session opened and held, then one message on each at once. */
    private int runHeld() throws Exception {
        if (verifying) {
            throw new IllegalArgumentException("--sessions-held signs only");
        }
        LoadMessage template = LoadMessage.of(size, 0);
        Footprint before = footprint();
        CountDownLatch opened = new CountDownLatch(sessionsHeld);
        CountDownLatch go = new CountDownLatch(1);
        CountDownLatch served = new CountDownLatch(sessionsHeld);
        CountDownLatch release = new CountDownLatch(1);
        AtomicLong open = new AtomicLong();
        List<Worker> workers = new ArrayList<>();
        for (int i = 0; i < sessionsHeld; i++) {
            workers.add(new Worker(i, template, null, null, null));
        }
        long start = System.nanoTime();
        for (Worker w : workers) {
            w.held = new Thread(null, () -> w.holdAndServe(open, opened, go, served, release), "held-" + w.index,
                    256 * 1024);
            w.held.start();
        }
        long slack = timeoutMillis + 5_000L;
        if (!opened.await(sessionsHeld * 100L + slack, TimeUnit.MILLISECONDS)) {
            failures.add("the sessions were not all open in time");
        }
        double openSeconds = (System.nanoTime() - start) / 1e9;
        Thread.sleep(1000);
        Footprint held = footprint();
        long serveStart = System.nanoTime();
        go.countDown();
        if (!served.await(sessionsHeld * 100L + slack, TimeUnit.MILLISECONDS)) {
            failures.add("the messages were not all answered in time");
        }
        double serveSeconds = (System.nanoTime() - serveStart) / 1e9;
        Footprint whileServed = footprint();
        release.countDown();
        for (Worker w : workers) {
            w.held.join(slack);
            if (w.held.isAlive()) {
                failures.add("session " + w.index + " did not close within " + slack + " ms");
                w.held.interrupt();
            }
        }
        Thread.sleep(2000);
        Footprint after = footprint();
        if (pid > 0 && held.fds() - before.fds() < open.get()) {
            failures.add("the milter held " + (held.fds() - before.fds()) + " more file descriptors with "
                    + open.get() + " sessions open");
        }
        long[] all = workers.stream().flatMapToLong(w -> Arrays.stream(w.latencies.values, 0, w.latencies.size))
                .sorted().toArray();
        long signed = workers.stream().mapToLong(w -> w.signed).sum();
        boolean ok = open.get() == sessionsHeld && signed == sessionsHeld && failures.isEmpty();
        System.out.printf(Locale.ROOT, "# %s at %s: %s; message %d bytes; signature check: %s%n", name,
                milter.getHostString() + ":" + milter.getPort(), negotiated, LoadMessage.of(size, 0).wireLength(),
                verification);
        System.out.printf(Locale.ROOT, "# %d of %d sessions opened and held in %.2f s; one message on each, all at"
                + " once: %d signed in %.2f s (latency p50 %.1f ms, p99 %.1f ms, max %.1f ms)%n", open.get(),
                sessionsHeld, openSeconds, signed, serveSeconds, percentile(all, 50), percentile(all, 99),
                percentile(all, 100));
        if (pid > 0) {
            System.out.printf(Locale.ROOT, "# milter %d: before %s; all held %s; all served %s; after closing %s%n",
                    pid, before.describe(), held.describe(), whileServed.describe(), after.describe());
        }
        System.out.printf(Locale.ROOT, "RESULT name=%s sessions_held=%d opened=%d signed=%d open_s=%.2f serve_s=%.2f"
                + " p50_ms=%.2f p99_ms=%.2f rss_mb_before=%d rss_mb_held=%d rss_mb_served=%d rss_mb_after=%d"
                + " fds_before=%d fds_held=%d fds_served=%d fds_after=%d failures=%d status=%s%n", name,
                sessionsHeld, open.get(), signed, openSeconds, serveSeconds, percentile(all, 50),
                percentile(all, 99), before.residentKb() / 1024, held.residentKb() / 1024,
                whileServed.residentKb() / 1024, after.residentKb() / 1024, before.fds(), held.fds(),
                whileServed.fds(), after.fds(), failures.size(), ok ? "OK" : "FAILED");
        if (!ok) {
            synchronized (failures) {
                failures.stream().limit(10).forEach(f -> System.out.println("#   " + f));
            }
        }
        return ok ? 0 : EXIT_FAILED;
    }

    private int report(List<Worker> workers, double seconds, long milterTicks, long selfTicks) {
        int count = workers.stream().mapToInt(w -> w.latencies.size).sum();
        long[] all = new long[count];
        int at = 0;
        long signed = 0;
        long writeCount = 0;
        long slow = 0;
        for (Worker w : workers) {
            System.arraycopy(w.latencies.values, 0, all, at, w.latencies.size);
            at += w.latencies.size;
            signed += w.signed;
            writeCount += w.writeCount;
        }
        for (long latency : all) {
            slow += latency >= 35_000_000L ? 1 : 0;
        }
        Arrays.sort(all);
        boolean ok = count > 0 && signed == count && failures.isEmpty();
        System.out.printf(Locale.ROOT, "# %s at %s: %s%n", name, milter.getHostString() + ":" + milter.getPort(),
                negotiated);
        System.out.printf(Locale.ROOT, "# message: %d bytes (%d header fields), %d connection(s), %d messages per"
                + " session, writes: %s (VSTREAM buffer %d bytes), Nagle on%n", LoadMessage.of(size, 0).wireLength(),
                LoadMessage.header(0).size(), connections, messagesPerSession, writes.name().toLowerCase(Locale.ROOT),
                vstreamBuffer);
        System.out.printf(Locale.ROOT, "# signature check: %s%n", verification);
        double cpuMs = pid > 0 && count > 0 ? milterTicks * 1000.0 / clockTicks / count : Double.NaN;
        System.out.printf(Locale.ROOT, "RESULT name=%s connections=%d size=%d messages=%d seconds=%.2f"
                + " msg_per_s=%.1f p50_ms=%.2f p99_ms=%.2f mean_ms=%.2f cpu_ms_per_msg=%.3f driver_cpu_ms_per_msg=%.3f"
                + " writes_per_msg=%.1f mode=%s %s=%d over_35ms=%d failures=%d status=%s%n",
                name, connections, size, count, seconds, seconds > 0 ? count / seconds : 0.0, percentile(all, 50), percentile(all, 99),
                mean(all), cpuMs, count > 0 ? selfTicks * 1000.0 / clockTicks / count : Double.NaN,
                count > 0 ? (double) writeCount / count : Double.NaN, verifying ? "verify" : "sign",
                verifying ? "passed" : "signed", signed, slow, failures.size(), ok ? "OK" : "FAILED");
        if (!ok) {
            System.out.printf(Locale.ROOT, "# FAILED: %d of %d messages %s%n", signed, count,
                    verifying ? "with dkim=pass" : "signed");
            synchronized (failures) {
                failures.stream().limit(10).forEach(f -> System.out.println("#   " + f));
            }
        }
        return ok ? 0 : EXIT_FAILED;
    }

    /** One connection's thread: SMTP sessions of up to {@code messagesPerSession} messages each. */
    private final class Worker implements Runnable {
        final int index;
        final Thread thread;
        final LoadMessage template;
        final CountDownLatch warmedUp;
        final CountDownLatch go;
        final AtomicLong remaining;
        final Longs latencies = new Longs();
        long warmupEnd;
        /** The thread of {@code --sessions-held}. */
        Thread held;
        long signed;
        long writeCount;
        volatile long lastEnd;
        private PostfixMilterClient client;
        private int inSession;
        private int sessions;

        Worker(int index, LoadMessage template, CountDownLatch warmedUp, CountDownLatch go, AtomicLong remaining) {
            this.index = index;
            this.template = template;
            this.warmedUp = warmedUp;
            this.go = go;
            this.remaining = remaining;
            this.thread = new Thread(this, "milter-load-" + index);
        }

        @Override
        public void run() {
            try {
                while (System.nanoTime() < warmupEnd) {
                    message(false);
                }
                closeSession();
            } catch (IOException | RuntimeException | Error e) {
                failures.add("connection " + index + " (warm-up): " + e);
                closeQuietly();
            } finally {
                warmedUp.countDown();
            }
            try {
                if (!go.await(600, TimeUnit.SECONDS)) {
                    return;
                }
                while (!stop && remaining.getAndDecrement() > 0) {
                    message(true);
                }
                closeSession();
            } catch (IOException | RuntimeException | Error e) {
                failures.add("connection " + index + ": " + e);
                closeQuietly();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /**
         * Opens this session and holds it until every session is open, sends one message when told, then holds the
         * session again until told to close it.
         */
        void holdAndServe(AtomicLong open, CountDownLatch opened, CountDownLatch go, CountDownLatch served,
                CountDownLatch release) {
            try {
                try {
                    openSession();
                    open.incrementAndGet();
                } finally {
                    opened.countDown();
                }
                if (go.await(600, TimeUnit.SECONDS)) {
                    message(true);
                }
            } catch (IOException | RuntimeException | Error e) {
                failures.add("session " + index + ": " + e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                served.countDown();
            }
            try {
                release.await(600, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            closeQuietly();
        }

        private void message(boolean measured) throws IOException {
            if (client == null) {
                openSession();
            }
            long n = sequence.incrementAndGet();
            LoadMessage message = verifying ? presigned.get((int) (n % presigned.size()))
                    : LoadMessage.next(template, n);
            client.macro("i", String.format(Locale.ROOT, "%010X", n));
            client.macro("{mail_addr}", LoadMessage.SENDER);
            client.macro("{rcpt_addr}", LoadMessage.RECIPIENT);
            boolean capture = verifyKey != null && n == 1 && !verifying;
            long writesBefore = client.writes();
            long t0 = System.nanoTime();
            PostfixMilterClient.Outcome outcome = client.transaction(LoadMessage.SENDER, LoadMessage.RECIPIENT,
                    message, capture);
            long t1 = System.nanoTime();
            if (capture) {
                verification = verify(message, outcome.inserts(), (client.events()
                        & PostfixMilterClient.HDR_LEADSPC) != 0);
            }
            if (measured) {
                latencies.add(t1 - t0);
                writeCount += client.writes() - writesBefore;
                lastEnd = t1;
                if (outcome.ok()) {
                    signed++;
                } else if (failures.size() < 100) {
                    failures.add("message " + n + ": " + (outcome.failure() != null ? outcome.failure()
                            : "final reply '" + outcome.finalReply() + "' without " + done()));
                }
            } else if (!outcome.ok()) {
                throw new IOException("warm-up message not signed: " + (outcome.failure() != null
                        ? outcome.failure() : "final reply '" + outcome.finalReply() + "' without " + done()));
            }
            if (++inSession >= messagesPerSession) {
                closeSession();
            }
        }

        private void openSession() throws IOException {
            client = new PostfixMilterClient(milter, vstreamBuffer, writes, timeoutMillis);
            if (verifying) {
                client.expect("Authentication-Results", "dkim=pass");
            }
            inSession = 0;
            sessions++;
            if (negotiated.isEmpty()) {
                negotiated = String.format(Locale.ROOT, "protocol %d, actions 0x%x, events %s", client.version(),
                        client.actions(), PostfixMilterClient.describeEvents(client.events()));
            }
            // the macros Postfix's smtpd has for a client at 127.0.0.1 that is not authenticated
            client.macro("j", "mta.postseal.test");
            client.macro("{daemon_name}", "mta.postseal.test");
            client.macro("{daemon_addr}", "127.0.0.1");
            client.macro("v", "Postfix 3.7.11");
            client.macro("_", verifying ? "mail.example.org [" + EXTERNAL + "]" : "localhost [127.0.0.1]");
            client.macro("{mail_host}", "[127.0.0.1]:10025");
            client.macro("{mail_mailer}", "smtp");
            client.macro("{rcpt_host}", "[127.0.0.1]:10025");
            client.macro("{rcpt_mailer}", "smtp");
            String refused = client.connect(verifying ? "mail.example.org" : "localhost",
                    verifying ? EXTERNAL : "127.0.0.1", 40000 + (index * 1000 + sessions) % 20000);
            if (refused == null) {
                refused = client.helo("client.postseal.test");
            }
            if (refused != null) {
                throw new IOException("session refused: " + refused);
            }
        }

        private void closeSession() throws IOException {
            if (client != null) {
                PostfixMilterClient c = client;
                client = null;
                c.close();
            }
        }

        private void closeQuietly() {
            try {
                closeSession();
            } catch (IOException ignored) {
                // already failing
            }
        }
    }

    /**
     * Reassembles the message as Postfix stores it (inserted fields on top, in the order Postfix applies index-0
     * inserts) and verifies its DKIM signature against {@link #verifyKey}.
     */
    private String verify(LoadMessage message, List<byte[]> inserts, boolean leadingSpace) {
        try {
            SigningKey key = PrivateKeyReader.read(verifyKey);
            String record = KeyRecordText.of(key).value();
            DkimVerifier verifier = new DkimVerifier((selector, domain) -> List.of(record), Clock.systemUTC());
            VerificationSession session = verifier.newSession();
            ByteArrayInputStream stored = new ByteArrayInputStream(message.storedForm(inserts, leadingSpace));
            MessageReader.readHeader(stored, MessageReader.DEFAULT_MAX_HEADER_BYTES).fields().forEach(session::header);
            byte[] body = stored.readAllBytes();
            session.body(body, 0, body.length);
            List<VerificationResult> results = session.finish();
            if (results.isEmpty()) {
                failures.add("verification: no DKIM-Signature in the first message");
                return "FAILED: no signature";
            }
            StringBuilder text = new StringBuilder();
            for (VerificationResult r : results) {
                text.append(text.length() == 0 ? "" : "; ").append(r.describe());
                if (!r.passed()) {
                    failures.add("verification: " + r.describe());
                }
            }
            return text.toString();
        } catch (Exception e) {
            failures.add("verification: " + e);
            return "FAILED: " + e;
        }
    }

    private String done() {
        return verifying ? "Authentication-Results dkim=pass" : "a DKIM-Signature";
    }

    private static double percentile(long[] sorted, int p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank))] / 1e6;
    }

    private static double mean(long[] values) {
        return values.length == 0 ? Double.NaN : Arrays.stream(values).average().orElse(0) / 1e6;
    }

    private static InetSocketAddress address(String value) {
        // inet:PORT@HOST (OpenDKIM's Socket) or HOST:PORT
        if (value.startsWith("inet:") && value.contains("@")) {
            String port = value.substring(5, value.indexOf('@'));
            return new InetSocketAddress(value.substring(value.indexOf('@') + 1), Integer.parseInt(port));
        }
        int colon = value.lastIndexOf(':');
        if (colon < 1) {
            throw new IllegalArgumentException("--milter: " + value + " (expected: HOST:PORT or inet:PORT@HOST)");
        }
        return new InetSocketAddress(value.substring(0, colon), Integer.parseInt(value.substring(colon + 1)));
    }

    private static int bytes(String value) {
        String v = value.toLowerCase(Locale.ROOT);
        int factor = v.endsWith("k") ? 1024 : 1;
        return Integer.parseInt(factor == 1 ? v : v.substring(0, v.length() - 1)) * factor;
    }

    private static int positive(String option, String value) {
        int n = Integer.parseInt(value);
        if (n < 1) {
            throw new IllegalArgumentException(option + ": " + value + " (expected: >= 1)");
        }
        return n;
    }

    /** A growable array of longs. */
    private static final class Longs {
        long[] values = new long[1024];
        int size;

        void add(long v) {
            if (size == values.length) {
                values = Arrays.copyOf(values, size * 2);
            }
            values[size++] = v;
        }
    }
}
