package org.postseal.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postseal.bench.LoadMessage;
import org.postseal.bench.PostfixMilterClient;
import org.postseal.dkim.DkimVerifier;
import org.postseal.dkim.KeyLookupException;
import org.postseal.dkim.VerificationResult;
import org.postseal.dkim.VerificationSession;
import org.postseal.interop.Peers;
import org.postseal.keys.ZoneFileTxt;
import org.postseal.message.MessageReader;
import org.postseal.postfix.PostfixInstance;
import org.postseal.transport.ExitStatus;

/**
 * Reload under load, with the real {@code postseal milter} process (the packaged jar) reading an opendkim.conf with a
 * KeyTable, a SigningTable and a PidFile. 32 connections play Postfix 3.7 ({@link PostfixMilterClient}: SMTP
 * sessions of 10 messages each) while the KeyTable is switched to a new selector and key and SIGHUP is sent, 20
 * times: alternately by {@code postseal reload --opendkim-conf} (which finds the process through PidFile) and by
 * {@code kill -HUP} (systemd's {@code ExecReload}). Between the tenth and the eleventh, a KeyTable with a bad line
 * is refused with one log line naming file and line, and the key already loaded keeps signing.
 *
 * <p>Every message must come back signed; every signature is verified with the key record its selector names (the
 * {@code .txt} files {@code postseal genkey} wrote, as {@code postseal verify --key-record} reads them), and the
 * first message of each selector also with dkimpy. Each message's key must be one the milter could have been
 * running with while it was under way: not older than the last reload confirmed in the log when it began, not newer
 * than the last SIGHUP sent when it ended. After the last reload the new key signs.
 */
class MilterReloadUnderLoadIT {
    private static final int CONNECTIONS = 32;
    private static final int RELOADS = 20;
    private static final int BAD_AFTER = 10;
    private static final String DOMAIN = "example.com";
    private static final Pattern SELECTOR = Pattern.compile("(?:^|;)\\s*s=([^;\\s]+)");

    private Path dir;
    private Process milter;
    private int port;

    /** The reloads the milter's log has confirmed; the selector index it signs with is at least this. */
    private final AtomicInteger confirmed = new AtomicInteger();
    /** The SIGHUPs sent for a new key; the selector index the milter signs with is at most this. */
    private final AtomicInteger sent = new AtomicInteger();
    private final AtomicLong sequence = new AtomicLong();
    private final List<String> failures = Collections.synchronizedList(new ArrayList<>());
    private final Map<String, AtomicLong> signedBy = new ConcurrentHashMap<>();
    private final Map<String, byte[]> firstOf = new ConcurrentHashMap<>();
    private final Map<String, String> records = new TreeMap<>();
    private volatile boolean stop;

    @BeforeEach
    void keys() throws Exception {
        dir = Files.createTempDirectory("reload-it");
        for (int i = 0; i <= RELOADS; i++) {
            StringWriter err = new StringWriter();
            assertEquals(0, Main.run(new String[] {"genkey", "-d", DOMAIN, "-s", selector(i), "-D",
                dir.resolve("keys").toString()}, new PrintWriter(new StringWriter()), new PrintWriter(err)),
                    err.toString());
            for (ZoneFileTxt.Entry entry : ZoneFileTxt.parse(Files.readString(dir.resolve("keys/" + selector(i)
                    + ".txt")))) {
                assertTrue(entry.answers(selector(i), DOMAIN), entry.owner());
                records.put(selector(i), entry.value());
            }
        }
    }

    @AfterEach
    void cleanUp() throws Exception {
        stop = true;
        if (milter != null && milter.isAlive()) {
            milter.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Test
    void twentyReloadsUnderThirtyTwoConnectionsLoseNoMessageAndTheNewKeySigns() throws Exception {
        Path conf = dir.resolve("opendkim.conf");
        Path keyTable = dir.resolve("KeyTable");
        Path pidFile = dir.resolve("milter.pid");
        Path log = dir.resolve("milter.log");
        Files.writeString(dir.resolve("SigningTable"), "*@" + DOMAIN + " k\n");
        writeKeyTable(keyTable, 0, "");
        port = PostfixInstance.freePort();
        Files.writeString(conf, "Canonicalization relaxed/simple\nKeyTable " + keyTable + "\nSigningTable refile:"
                + dir.resolve("SigningTable") + "\nSocket inet:" + port + "@127.0.0.1\nPidFile " + pidFile + "\n");
        milter = new ProcessBuilder("java", "-jar", PostsealProcess.jar().toString(), "milter", "--opendkim-conf",
                conf.toString()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        LogWatch watch = new LogWatch(log);
        watch.await("postseal milter ready", 1, milter);
        long pid = Long.parseLong(Files.readString(pidFile).strip());
        assertEquals(milter.pid(), pid, "PidFile names the milter");

        List<Thread> workers = new ArrayList<>();
        AtomicInteger[] perConnection = new AtomicInteger[CONNECTIONS];
        for (int c = 0; c < CONNECTIONS; c++) {
            AtomicInteger count = perConnection[c] = new AtomicInteger();
            int index = c;
            Thread worker = new Thread(() -> connection(index, count), "reload-load-" + c);
            worker.start();
            workers.add(worker);
        }
        Thread.sleep(2000);
        List<Long> reloadMillis = new ArrayList<>();
        for (int step = 1; step <= RELOADS; step++) {
            writeKeyTable(keyTable, step, "");
            sent.set(step);
            long start = System.nanoTime();
            hangUp(step % 2 == 0, conf, pid);
            watch.await("configuration reloaded from", step, milter);
            reloadMillis.add((System.nanoTime() - start) / 1_000_000);
            confirmed.set(step);
            Thread.sleep(500);
            if (step == BAD_AFTER) {
                writeKeyTable(keyTable, step + 1, "this line is not a KeyTable line\n");
                hangUp(false, conf, pid);
                String refusal = watch.await("reload refused", 1, milter);
                assertTrue(refusal.contains("still serving the configuration loaded at"), refusal);
                assertTrue(refusal.contains(keyTable + ":2: "), "file and line: " + refusal);
                long before = count(selector(step));
                Thread.sleep(1000);
                assertTrue(count(selector(step)) > before, "the key loaded before keeps signing after the refusal");
            }
        }
        Thread.sleep(1000);
        stop = true;
        for (Thread worker : workers) {
            worker.join(60_000);
            assertFalse(worker.isAlive(), worker.getName() + " stopped");
        }
        String last = oneMessageOnANewConnection();
        String milterLog = watch.all();
        milter.destroy();
        assertTrue(milter.waitFor(20, TimeUnit.SECONDS), "the milter stops on SIGTERM");

        long total = signedBy.values().stream().mapToLong(AtomicLong::get).sum();
        System.out.printf(Locale.ROOT, "%d messages on %d connections, %d reloads (+1 refused) in %s ms each; "
                + "signed per selector: %s%n", sequence.get(), CONNECTIONS, RELOADS, reloadMillis, signedBy);
        assertEquals(List.of(), failures.subList(0, Math.min(20, failures.size())), failures.size() + " failures");
        assertEquals(sequence.get(), total, "every message signed");
        for (int c = 0; c < CONNECTIONS; c++) {
            assertTrue(perConnection[c].get() > 0, "connection " + c + " sent messages");
        }
        for (int i = 0; i <= RELOADS; i++) {
            assertTrue(count(selector(i)) > 0, "messages signed with " + selector(i));
        }
        assertEquals(selector(RELOADS), last, "the new key in use after the last reload");
        assertEquals(1, count(milterLog, "reload refused"), "one line for the refused reload:\n" + milterLog);
        assertEquals(RELOADS, count(milterLog, "configuration reloaded from"), milterLog);
        assertFalse(milterLog.contains("\tat "), "no stack trace");
        assertFalse(Files.exists(pidFile), "PidFile removed at shutdown");

        // an independent verifier: the first message of every key, with dkimpy and that key's record only
        for (int i = 0; i <= RELOADS; i++) {
            String s = selector(i);
            Peers.PeerResult dkimpy = Peers.dkimpyVerify(firstOf.get(s), Map.of(Peers.keyName(s, DOMAIN),
                    records.get(s)));
            assertTrue(dkimpy.allPassed() && dkimpy.signatures() == 1, s + ": " + dkimpy.output());
        }
    }

    /** {@code postseal reload} with a missing or stale pid file, or nothing listening, says so and exits 69. */
    @Test
    void reloadWithNoDaemonRunningExits69() throws Exception {
        PostsealProcess.Outcome missing = PostsealProcess.run(new byte[0], "reload", "--pid-file",
                dir.resolve("none.pid").toString());
        assertEquals(ExitStatus.UNAVAILABLE, missing.exitCode(), missing.stderr());
        assertTrue(missing.stderr().contains("none.pid does not exist: is postseal milter running?"),
                missing.stderr());

        Process sleeper = new ProcessBuilder("sleep", "60").start();
        try {
            Path stale = Files.writeString(dir.resolve("stale.pid"), sleeper.pid() + "\n");
            PostsealProcess.Outcome notPostseal = PostsealProcess.run(new byte[0], "reload", "--pid-file",
                    stale.toString());
            assertEquals(ExitStatus.UNAVAILABLE, notPostseal.exitCode(), notPostseal.stderr());
            assertTrue(notPostseal.stderr().contains("which is not postseal (sleep 60)"), notPostseal.stderr());
            assertTrue(sleeper.isAlive(), "a process that is not postseal is not signalled");
        } finally {
            sleeper.destroy();
        }

        int nothingListens = PostfixInstance.freePort();
        Path conf = Files.writeString(dir.resolve("nothing.conf"), "Socket inet:" + nothingListens + "@127.0.0.1\n");
        PostsealProcess.Outcome nobody = PostsealProcess.run(new byte[0], "reload", "--opendkim-conf",
                conf.toString());
        assertEquals(ExitStatus.UNAVAILABLE, nobody.exitCode(), nobody.stderr());
        assertTrue(nobody.stderr().contains("no process listens on inet:" + nothingListens + "@127.0.0.1"),
                nobody.stderr());
        assertEquals(1, nobody.stderr().strip().lines().count(), nobody.stderr());
    }

    private static String selector(int step) {
        return String.format(Locale.ROOT, "s%02d", step);
    }

    /** Writes the KeyTable naming {@code step}'s key (and {@code extra} lines), whole, by renaming a new file. */
    private void writeKeyTable(Path keyTable, int step, String extra) throws IOException {
        Path next = keyTable.resolveSibling("KeyTable.new");
        Files.writeString(next, "k " + DOMAIN + ":" + selector(step) + ":" + dir.resolve("keys/" + selector(step)
                + ".private") + "\n" + extra);
        Files.move(next, keyTable, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** SIGHUP through {@code postseal reload}, or with {@code kill -HUP PID} as systemd's ExecReload does. */
    private static void hangUp(boolean postsealReload, Path conf, long pid) throws Exception {
        if (postsealReload) {
            PostsealProcess.Outcome reload = PostsealProcess.run(new byte[0], "reload", "--opendkim-conf",
                    conf.toString());
            assertEquals(0, reload.exitCode(), reload.stderr());
            assertTrue(reload.out().contains("sent SIGHUP to postseal milter (pid " + pid + ", pid file "),
                    reload.out());
        } else {
            Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(pid)).inheritIO().start();
            assertTrue(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0, "kill -HUP");
        }
    }

    /** One connection: SMTP sessions of 10 messages from 127.0.0.1, as Postfix's smtpd sends them, until told to stop. */
    private void connection(int index, AtomicInteger count) {
        int sessions = 0;
        while (!stop) {
            try (PostfixMilterClient client = session(index, sessions++)) {
                for (int m = 0; m < 10 && !stop; m++) {
                    message(client);
                    count.incrementAndGet();
                    Thread.sleep(5);
                }
            } catch (IOException | RuntimeException e) {
                failures.add("connection " + index + ": " + e);
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private PostfixMilterClient session(int index, int sessions) throws IOException {
        PostfixMilterClient client = new PostfixMilterClient(new InetSocketAddress("127.0.0.1", port), 130964,
                PostfixMilterClient.Writes.VSTREAM, 30_000);
        client.macro("j", "mta.postseal.test");
        client.macro("{daemon_name}", "mta.postseal.test");
        client.macro("{daemon_addr}", "127.0.0.1");
        client.macro("v", "Postfix 3.7.11");
        client.macro("_", "localhost [127.0.0.1]");
        String refused = client.connect("localhost", "127.0.0.1", 40000 + (index * 100 + sessions) % 20000);
        if (refused == null) {
            refused = client.helo("client.postseal.test");
        }
        if (refused != null) {
            client.close();
            throw new IOException("session refused: " + refused);
        }
        return client;
    }

    /**
     * One message: sent, its signature found, verified, and its key checked against the reloads around it.
     *
     * @return the selector it was signed with, or null after a failure (recorded)
     */
    private String message(PostfixMilterClient client) throws IOException {
        long n = sequence.incrementAndGet();
        LoadMessage message = LoadMessage.next(TEMPLATE, n);
        client.macro("i", String.format(Locale.ROOT, "%010X", n));
        client.macro("{mail_addr}", LoadMessage.SENDER);
        client.macro("{rcpt_addr}", LoadMessage.RECIPIENT);
        int oldest = confirmed.get();
        PostfixMilterClient.Outcome outcome = client.transaction(LoadMessage.SENDER, LoadMessage.RECIPIENT,
                message, true);
        int newest = sent.get();
        if (!outcome.ok()) {
            failures.add("message " + n + ": " + (outcome.failure() != null ? outcome.failure()
                    : "final reply '" + outcome.finalReply() + "' without a DKIM-Signature"));
            return null;
        }
        if (outcome.inserts().size() != 1) {
            failures.add("message " + n + ": " + outcome.inserts().size() + " fields inserted");
            return null;
        }
        byte[] stored = message.storedForm(outcome.inserts(),
                (client.events() & PostfixMilterClient.HDR_LEADSPC) != 0);
        String selector = verify(n, stored);
        if (selector == null) {
            return null;
        }
        int step = Integer.parseInt(selector.substring(1));
        if (step < oldest || step > newest) {
            failures.add("message " + n + ": signed with " + selector + ", begun after reload " + oldest
                    + " was confirmed and ended before reload " + (newest + 1) + " was sent");
        }
        signedBy.computeIfAbsent(selector, s -> new AtomicLong()).incrementAndGet();
        firstOf.putIfAbsent(selector, stored);
        return selector;
    }

    /** Verifies the one signature of {@code stored} with the record of its selector; returns the selector. */
    private String verify(long n, byte[] stored) throws IOException {
        DkimVerifier verifier = new DkimVerifier((selector, domain) -> {
            String record = records.get(selector);
            if (record == null || !domain.equals(DOMAIN)) {
                throw KeyLookupException.notFound("no record for " + selector + "._domainkey." + domain);
            }
            return List.of(record);
        }, Clock.systemUTC());
        VerificationSession session = verifier.newSession();
        InputStream in = new ByteArrayInputStream(stored);
        String selector = null;
        try {
            for (var field : MessageReader.readHeader(in, MessageReader.DEFAULT_MAX_HEADER_BYTES).fields()) {
                session.header(field);
                if (field.hasName("DKIM-Signature")) {
                    Matcher s = SELECTOR.matcher(field.value().replaceAll("\\s+", " "));
                    selector = s.find() ? s.group(1) : null;
                }
            }
        } catch (org.postseal.message.MessageFormatException e) {
            failures.add("message " + n + ": " + e.getMessage());
            return null;
        }
        byte[] body = in.readAllBytes();
        session.body(body, 0, body.length);
        List<VerificationResult> results = session.finish();
        if (results.size() != 1 || !results.get(0).passed() || selector == null) {
            failures.add("message " + n + ": " + results.stream().map(VerificationResult::describe).toList());
            return null;
        }
        return selector;
    }

    private static final LoadMessage TEMPLATE = LoadMessage.of(2048, 0);

    /** A message on a connection of its own, after everything: the selector it is signed with. */
    private String oneMessageOnANewConnection() throws IOException {
        int before = failures.size();
        String selector;
        try (PostfixMilterClient client = session(99, 0)) {
            selector = message(client);
        }
        assertEquals(before, failures.size(), () -> failures.get(failures.size() - 1));
        return selector;
    }

    private long count(String selector) {
        AtomicLong n = signedBy.get(selector);
        return n == null ? 0 : n.get();
    }

    private static long count(String text, String what) {
        return text.lines().filter(l -> l.contains(what)).count();
    }

    /** The milter's log as it grows: waits for the n-th line containing a text, reading only what was added. */
    private static final class LogWatch {
        private final Path file;
        private final StringBuilder text = new StringBuilder();
        private final List<String> lines = new ArrayList<>();
        private final Map<String, List<String>> matches = new TreeMap<>();
        private final Map<String, Integer> scanned = new TreeMap<>();
        private long offset;

        LogWatch(Path file) {
            this.file = file;
        }

        /** Waits up to 60 s for the {@code n}-th line containing {@code what}, and returns that line. */
        String await(String what, int n, Process milter) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (true) {
                read();
                List<String> found = matches.computeIfAbsent(what, w -> new ArrayList<>());
                for (int i = scanned.getOrDefault(what, 0); i < lines.size(); i++) {
                    if (lines.get(i).contains(what)) {
                        found.add(lines.get(i));
                    }
                }
                scanned.put(what, lines.size());
                if (found.size() >= n) {
                    return found.get(n - 1);
                }
                assertTrue(milter.isAlive(), "the milter exited:\n" + tail());
                assertTrue(System.nanoTime() < deadline, "no line " + n + " with '" + what + "' in 60 s:\n" + tail());
                Thread.sleep(50);
            }
        }

        private String tail() {
            return text.length() <= 4000 ? text.toString() : "..." + text.substring(text.length() - 4000);
        }

        String all() throws IOException {
            read();
            return text.toString();
        }

        private void read() throws IOException {
            try (var channel = Files.newByteChannel(file)) {
                channel.position(offset);
                java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocate(1 << 16);
                java.io.ByteArrayOutputStream added = new java.io.ByteArrayOutputStream();
                int read;
                while ((read = channel.read(buffer)) > 0) {
                    added.write(buffer.array(), 0, read);
                    buffer.clear();
                }
                // keep only whole lines; the rest is read again next time
                byte[] bytes = added.toByteArray();
                int end = bytes.length;
                while (end > 0 && bytes[end - 1] != '\n') {
                    end--;
                }
                String whole = new String(bytes, 0, end, StandardCharsets.UTF_8);
                text.append(whole);
                whole.lines().forEach(lines::add);
                offset += end;
            }
        }
    }
}
