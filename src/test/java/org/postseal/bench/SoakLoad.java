package org.postseal.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The soak driver behind {@code bin/soak}: N connections (32 by default) send a mix of message sizes (2 KB, 100 KB and
 * 10 MB, 90/9/1 %) From several domains, each expected to come back with a given number of DKIM-Signature fields
 * (one for an RSA or an Ed25519 domain, two for a dual one), for a number of minutes, speaking to the milter as
 * Postfix 3.7 does ({@link PostfixMilterClient}, ten messages per SMTP session). An error is any message whose replies
 * are not exactly its signatures and an accepting final reply, or a connection that fails.
 *
 * <p>Every minute it prints one line: minute, messages so far, messages per second in that minute, errors so far, and
 * the milter's resident memory ({@code VmRSS}), live heap after a full GC ({@code jcmd GC.class_histogram}) and open
 * file descriptors. At the end a verdict compares every minute after the warm-up (minute 2, or minute 1 in a run of
 * two minutes) with it: resident memory within 10 % plus 16 MiB, live heap within 8 MiB, file descriptors within a
 * quarter of the connections plus 2 (sessions reconnect between messages, so a few are always opening or closing).
 * Exit status 0 only with no error and everything flat.
 *
 * <pre>
 * java -cp ... org.postseal.bench.SoakLoad --milter 127.0.0.1:8891 --pid 1234 --minutes 10 \
 *     --sender joe@rsa.example.com=1 --sender joe@ed.example.com=1 --sender joe@dual.example.com=2
 * </pre>
 */
public final class SoakLoad {
    private static final int EXIT_FAILED = 1;
    private static final int EXIT_USAGE = 64;
    private static final int[] SIZES = {2048, 100 * 1024, 10 * 1024 * 1024};
    /** Out of 100 messages: 90 of 2 KB, 9 of 100 KB, 1 of 10 MB. */
    private static final int[] PERCENT = {90, 9, 1};
    private static final long RSS_SLACK_KB = 16 * 1024;
    private static final long HEAP_SLACK_BYTES = 8L << 20;

    /** A From address and how many signatures the milter must add for it. */
    private record Sender(String address, int signatures) {
        @Override
        public String toString() {
            return address + "=" + signatures;
        }
    }

    /** One minute's figures. */
    private record Minute(int minute, long messages, double perSecond, long errors, long residentKb,
            ProcessResources.Histogram heap, int fds) {
        String line() {
            return String.format(Locale.ROOT, "minute %3d  messages %8d  msg/s %7.1f  errors %4d  RSS %5d MiB"
                    + "  live heap %6.1f MiB  fds %4d", minute, messages, perSecond, errors, residentKb / 1024,
                    heap.mib(), fds);
        }
    }

    private InetSocketAddress milter;
    private long pid;
    private int connections = 32;
    private int minutes = 10;
    private int messagesPerSession = 10;
    private int timeoutMillis = 120_000;
    private final List<Sender> senders = new ArrayList<>();

    private final AtomicLong sequence = new AtomicLong();
    private final AtomicLong done = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private final AtomicLong[] bySize = {new AtomicLong(), new AtomicLong(), new AtomicLong()};
    private final AtomicReference<String> firstError = new AtomicReference<>();
    private volatile boolean stop;
    private List<LoadMessage> templates;

    private SoakLoad() {
    }

    public static void main(String[] args) throws Exception {
        SoakLoad soak = new SoakLoad();
        try {
            soak.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("SoakLoad: " + e.getMessage());
            System.err.println("usage: SoakLoad --milter HOST:PORT --pid PID --sender ADDRESS=SIGNATURES..."
                    + " [--connections N] [--minutes N] [--messages-per-session N] [--timeout-ms MS]");
            System.exit(EXIT_USAGE);
        }
        System.exit(soak.run());
    }

    private void parse(String[] args) {
        for (int i = 0; i < args.length; i += 2) {
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(args[i] + ": value missing");
            }
            String value = args[i + 1];
            switch (args[i]) {
                case "--milter" -> {
                    int colon = value.lastIndexOf(':');
                    if (colon < 1) {
                        throw new IllegalArgumentException("--milter: " + value + " (expected: HOST:PORT)");
                    }
                    milter = new InetSocketAddress(value.substring(0, colon),
                            Integer.parseInt(value.substring(colon + 1)));
                }
                case "--pid" -> pid = positive(args[i], value);
                case "--connections" -> connections = positive(args[i], value);
                case "--minutes" -> minutes = positive(args[i], value);
                case "--messages-per-session" -> messagesPerSession = positive(args[i], value);
                case "--timeout-ms" -> timeoutMillis = positive(args[i], value);
                case "--sender" -> {
                    int eq = value.lastIndexOf('=');
                    if (eq < 1 || !value.substring(0, eq).contains("@")) {
                        throw new IllegalArgumentException("--sender: " + value
                                + " (expected: ADDRESS=SIGNATURES, e.g. joe@dual.example.com=2)");
                    }
                    senders.add(new Sender(value.substring(0, eq), positive(args[i], value.substring(eq + 1))));
                }
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (milter == null || pid == 0 || senders.isEmpty()) {
            throw new IllegalArgumentException("--milter, --pid and at least one --sender are required");
        }
    }

    private int run() throws Exception {
        List<LoadMessage> sized = new ArrayList<>();
        for (int size : SIZES) {
            sized.add(LoadMessage.of(size, 0));
        }
        templates = List.copyOf(sized);
        System.out.printf(Locale.ROOT, "# soak: %d connections, %d minutes, messages of %d/%d/%d bytes (%d/%d/%d %%),"
                + " senders %s; milter pid %d%n", connections, minutes, SIZES[0], SIZES[1], SIZES[2], PERCENT[0],
                PERCENT[1], PERCENT[2], senders, pid);
        List<Minute> figures = new ArrayList<>();
        figures.add(measure(0, 0, 0));
        System.out.println(figures.get(0).line() + "  (before the load)");
        List<Thread> workers = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            int index = i;
            Thread t = new Thread(() -> work(index), "soak-" + i);
            workers.add(t);
            t.start();
        }
        long start = System.nanoTime();
        long previous = 0;
        for (int m = 1; m <= minutes; m++) {
            long wake = start + TimeUnit.MINUTES.toNanos(m);
            while (System.nanoTime() < wake) {
                Thread.sleep(Math.max(1, Math.min(1000, TimeUnit.NANOSECONDS.toMillis(wake - System.nanoTime()))));
            }
            long now = done.get();
            Minute minute = measure(m, now, (now - previous) / 60.0);
            previous = now;
            figures.add(minute);
            System.out.println(minute.line());
        }
        stop = true;
        for (Thread t : workers) {
            t.join(timeoutMillis + 5_000L);
            if (t.isAlive()) {
                error(t.getName() + " did not stop");
                t.interrupt();
            }
        }
        return verdict(figures);
    }

    private Minute measure(int minute, long messages, double perSecond) throws IOException, InterruptedException {
        ProcessResources.Histogram heap = ProcessResources.liveHeap(pid);
        return new Minute(minute, messages, perSecond, errors.get(), ProcessResources.residentKb(pid), heap,
                ProcessResources.openFds(pid));
    }

    private int verdict(List<Minute> figures) {
        int reference = minutes >= 3 ? 2 : 1;
        Minute base = figures.get(reference);
        long worstRss = base.residentKb();
        long worstHeap = base.heap().bytes();
        int worstFdGap = 0;
        for (Minute m : figures.subList(reference, figures.size())) {
            worstRss = Math.max(worstRss, m.residentKb());
            worstHeap = Math.max(worstHeap, m.heap().bytes());
            worstFdGap = Math.max(worstFdGap, Math.abs(m.fds() - base.fds()));
        }
        boolean rssFlat = worstRss <= base.residentKb() * 11 / 10 + RSS_SLACK_KB;
        boolean heapFlat = worstHeap <= base.heap().bytes() + HEAP_SLACK_BYTES;
        boolean fdsFlat = worstFdGap <= connections / 4 + 2;
        boolean ok = errors.get() == 0 && rssFlat && heapFlat && fdsFlat && done.get() > 0;
        System.out.printf(Locale.ROOT, "# sizes: %d x 2 KB, %d x 100 KB, %d x 10 MB%n", bySize[0].get(),
                bySize[1].get(), bySize[2].get());
        if (firstError.get() != null) {
            System.out.println("# first error: " + firstError.get());
        }
        System.out.printf(Locale.ROOT, "VERDICT %s: %d messages, %d errors; after minute %d (RSS %d MiB, live heap"
                + " %.1f MiB, %d fds): RSS at most %d MiB (%s), live heap at most %.1f MiB (%s), fds within %d (%s)%n",
                ok ? "OK" : "FAILED", done.get(), errors.get(), reference, base.residentKb() / 1024,
                base.heap().mib(), base.fds(), worstRss / 1024, rssFlat ? "flat" : "GREW", worstHeap / 1048576.0,
                heapFlat ? "flat" : "GREW", worstFdGap, fdsFlat ? "flat" : "MOVED");
        return ok ? 0 : EXIT_FAILED;
    }

    /** One connection: Postfix-like SMTP sessions of {@link #messagesPerSession} messages until told to stop. */
    private void work(int index) {
        PostfixMilterClient client = null;
        int inSession = 0;
        int sessions = 0;
        while (!stop) {
            try {
                if (client == null) {
                    client = open(index, sessions++);
                    inSession = 0;
                }
                long n = sequence.incrementAndGet();
                int size = sizeOf(n);
                Sender sender = senders.get((int) (n % senders.size()));
                LoadMessage message = LoadMessage.next(templates.get(size), n).from(sender.address());
                client.macro("i", String.format(Locale.ROOT, "%010X", n));
                client.macro("{mail_addr}", sender.address());
                PostfixMilterClient.Outcome outcome = client.transaction(sender.address(), LoadMessage.RECIPIENT,
                        message, true);
                int signatures = signatures(outcome.inserts());
                if (!outcome.ok() || signatures != sender.signatures()) {
                    error("message " + n + " from " + sender.address() + ": " + (outcome.failure() != null
                            ? outcome.failure() : "final reply '" + outcome.finalReply() + "' with " + signatures
                            + " DKIM-Signature(s), " + sender.signatures() + " expected"));
                }
                done.incrementAndGet();
                bySize[size].incrementAndGet();
                if (++inSession >= messagesPerSession) {
                    client.close();
                    client = null;
                }
            } catch (IOException | RuntimeException e) {
                error("connection " + index + ": " + e);
                client = closeQuietly(client);
                pause();
            }
        }
        closeQuietly(client);
    }

    private PostfixMilterClient open(int index, int session) throws IOException {
        PostfixMilterClient client = new PostfixMilterClient(milter, 130964, PostfixMilterClient.Writes.VSTREAM,
                timeoutMillis);
        try {
            client.macro("j", "mta.postseal.test");
            client.macro("{daemon_name}", "mta.postseal.test");
            client.macro("{daemon_addr}", "127.0.0.1");
            client.macro("v", "Postfix 3.7.11");
            client.macro("_", "localhost [127.0.0.1]");
            client.macro("{rcpt_addr}", LoadMessage.RECIPIENT);
            String refused = client.connect("localhost", "127.0.0.1", 40000 + (index * 1000 + session) % 20000);
            if (refused == null) {
                refused = client.helo("client.postseal.test");
            }
            if (refused != null) {
                throw new IOException("session refused: " + refused);
            }
            return client;
        } catch (IOException | RuntimeException e) {
            closeQuietly(client);
            throw e;
        }
    }

    /** Size class of message {@code n}: 90 of every 100 small, 9 medium, 1 large, spread out. */
    private static int sizeOf(long n) {
        int slot = (int) (n * 37 % 100);
        return slot < PERCENT[0] ? 0 : slot < PERCENT[0] + PERCENT[1] ? 1 : 2;
    }

    /** How many of the inserted fields (SMFIR_INSHEADER payloads: index, name, value) are DKIM-Signatures. */
    private static int signatures(List<byte[]> inserts) {
        byte[] name = "DKIM-Signature\0".getBytes(StandardCharsets.US_ASCII);
        int n = 0;
        for (byte[] insert : inserts) {
            if (insert.length >= 4 + name.length
                    && java.util.Arrays.equals(insert, 4, 4 + name.length, name, 0, name.length)) {
                n++;
            }
        }
        return n;
    }

    private void error(String what) {
        errors.incrementAndGet();
        if (firstError.compareAndSet(null, what)) {
            System.out.println("# error: " + what);
        }
    }

    private static PostfixMilterClient closeQuietly(PostfixMilterClient client) {
        if (client != null) {
            try {
                client.close();
            } catch (IOException ignored) {
                // failing already
            }
        }
        return null;
    }

    private static void pause() {
        try {
            Thread.sleep(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static int positive(String option, String value) {
        int n;
        try {
            n = Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + ": " + value + " (expected: a number)");
        }
        if (n < 1) {
            throw new IllegalArgumentException(option + ": " + value + " (expected: >= 1)");
        }
        return n;
    }
}
