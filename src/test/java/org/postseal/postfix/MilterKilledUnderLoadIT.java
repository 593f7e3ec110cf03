package org.postseal.postfix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.postseal.dkim.DkimVerifier;
import org.postseal.dkim.KeyLookupException;
import org.postseal.dkim.SigningKey;
import org.postseal.dkim.VerificationResult;
import org.postseal.dkim.VerificationSession;
import org.postseal.interop.Peers;
import org.postseal.interop.Peers.Peer;
import org.postseal.keys.DkimKeyGenerator;
import org.postseal.keys.KeyRecordText;
import org.postseal.keys.PrivateKeyWriter;
import org.postseal.message.HeaderField;
import org.postseal.message.MessageReader;
import org.postseal.postfix.PostfixInstance.MilterDefaultAction;
import org.postseal.postfix.PostfixInstance.Options;

/**
 * Issue 12, "nothing lost": the milter killed with SIGKILL under a running Postfix load, then started again on the
 * same address. 10 SMTP clients send 1,000 messages in all (each with its own Message-ID) through a real Postfix whose
 * smtpd_milters is postseal; they come from 127.0.0.1, an InternalHosts address, so every one should be signed. A
 * client keeps its SMTP session for up to 10 messages; a 4xx reply (or a dropped connection before the message was
 * accepted) makes it close the session, pause and send that message again, as a real SMTP client queues and retries;
 * a 5xx is a failure. After 300 messages were accepted the milter gets {@code kill -9}; 1 s later it starts again.
 *
 * <ul>
 *   <li>{@code milter_default_action = tempfail}: every Message-ID reaches the sink exactly once, and every message
 *       carries a DKIM-Signature that verifies (postseal's verifier for all 1,000, dkimpy for 20 of them). Some
 *       messages were really tempfailed (otherwise the kill missed the load and this proves nothing).</li>
 *   <li>{@code milter_default_action = accept}: every Message-ID reaches the sink exactly once; some went out
 *       unsigned (counted, and Postfix logged milter failures for them); every signed one verifies.</li>
 * </ul>
 * Each case prints its counts.
 */
@Timeout(240)
class MilterKilledUnderLoadIT {
    private static final int CLIENTS = 10;
    private static final int MESSAGES = 1000;
    private static final int PER_SESSION = 10;
    private static final int KILL_AFTER = 300;
    private static final int DKIMPY_SAMPLE = 20;
    private static final Duration RETRY_PAUSE = Duration.ofMillis(200);
    /** Each client sends at most one message in this time: 1,000 messages take about 25 s, the restart included. */
    private static final Duration PACE = Duration.ofMillis(250);
    private static final Duration SENDING = Duration.ofSeconds(90);
    private static final Duration DELIVERY = Duration.ofSeconds(60);
    private static final Duration REPLY_TIMEOUT = Duration.ofSeconds(60);
    private static final String DOMAIN = "example.com";
    private static final String SELECTOR = "load";

    @TempDir
    static Path work;
    static Map<String, String> records = new TreeMap<>();
    static Path conf;

    @BeforeAll
    static void keys() throws Exception {
        PostfixPrograms.require();
        Peers.require(Peer.DKIMPY);
        SigningKey key = DkimKeyGenerator.rsa(2048);
        Path file = work.resolve("load.private");
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, PrivateKeyWriter.pem(key));
        records.put(Peers.keyName(SELECTOR, DOMAIN), KeyRecordText.of(key).value());
        Files.writeString(work.resolve("KeyTable"), "load " + DOMAIN + ":" + SELECTOR + ":" + file + "\n");
        Files.writeString(work.resolve("SigningTable"), "*@" + DOMAIN + " load\n");
        Files.writeString(work.resolve("InternalHosts"), "127.0.0.1\n");
    }

    @Test
    void tempfailLosesNothingAndLeavesNothingUnsigned() throws Exception {
        Run run = run(MilterDefaultAction.TEMPFAIL);
        run.print("tempfail");
        assertEquals(List.of(), run.failures, "5xx replies or messages never accepted");
        run.assertEachMessageIdOnce();
        assertTrue(run.tempfailed.get() > 0, "no message was tempfailed: the kill missed the load");
        assertEquals(List.of(), run.unsigned, "with tempfail every delivered message is signed");
        assertEquals(List.of(), run.badSignatures, "every signature verifies");
        assertEquals(DKIMPY_SAMPLE, run.dkimpyChecked);
        assertTrue(run.signedAfterRestart > 0, "the milter signed again once restarted");
    }

    @Test
    void acceptLosesNothingAndSaysWhatWentUnsigned() throws Exception {
        Run run = run(MilterDefaultAction.ACCEPT);
        run.print("accept");
        assertEquals(List.of(), run.failures, "5xx replies or messages never accepted");
        run.assertEachMessageIdOnce();
        assertTrue(!run.unsigned.isEmpty(), "nothing went unsigned: the kill missed the load");
        assertTrue(run.postfixMilterWarnings > 0, "Postfix logged no milter failure:\n" + run.postfixLog);
        assertEquals(List.of(), run.badSignatures, "every signed message verifies");
        assertEquals(MESSAGES, run.unsigned.size() + run.verified, "each message is either unsigned or verified");
        assertEquals(DKIMPY_SAMPLE, run.dkimpyChecked);
        assertEquals(List.of(), run.unsignedBeforeKill, "only messages under way at the kill or later go unsigned");
        assertTrue(run.signedAfterRestart > 0, "the milter signed again once restarted");
    }

    // --- one run -------------------------------------------------------------------------------------------

    /** What one run did and found. */
    private static final class Run {
        final AtomicInteger accepted = new AtomicInteger();
        final AtomicInteger tempfailed = new AtomicInteger();
        final AtomicInteger dropped = new AtomicInteger();
        /** When each message (by number) was accepted, in System.nanoTime(). */
        final Map<Integer, Long> acceptedAt = new java.util.concurrent.ConcurrentHashMap<>();
        long killedAt;
        long readyAt;
        long sendingStarted;
        long sendingEnded;
        int signedAfterRestart;
        int unsignedAfterRestart;
        final List<String> unsignedBeforeKill = new ArrayList<>();
        final List<String> warnings = new ArrayList<>();
        final List<String> failures = Collections.synchronizedList(new ArrayList<>());
        final List<DeliveredMessage> messages = new ArrayList<>();
        final Map<String, Integer> delivered = new TreeMap<>();
        final List<String> unsigned = new ArrayList<>();
        final List<String> badSignatures = new ArrayList<>();
        int verified;
        int dkimpyChecked;
        int acceptedAtKill;
        long restartMillis;
        long seconds;
        int postfixMilterWarnings;
        String postfixLog = "";

        void assertEachMessageIdOnce() {
            List<String> wrong = new ArrayList<>();
            for (int n = 0; n < MESSAGES; n++) {
                int times = delivered.getOrDefault(messageId(n), 0);
                if (times != 1) {
                    wrong.add(messageId(n) + " x" + times);
                }
            }
            assertEquals(MESSAGES, delivered.size(), "distinct Message-IDs at the sink");
            assertEquals(List.of(), wrong, "Message-IDs not delivered exactly once");
        }

        void print(String action) {
            int copies = delivered.values().stream().mapToInt(Integer::intValue).sum();
            System.out.printf("MilterKilledUnderLoadIT milter_default_action=%s: %d messages sent by %d clients "
                    + "in %d ms, %d accepted; killed after %d accepted, ready again %d ms after the kill; %d 4xx "
                    + "replies and %d dropped sessions retried; %d Message-IDs delivered (%d copies), %d signed and "
                    + "verified (%d also by dkimpy; %d accepted after the restart), %d unsigned (%d accepted after "
                    + "the restart), %d bad signatures; Postfix logged %d milter warnings, e.g. %s; %d s in all%n",
                    action, MESSAGES, CLIENTS, TimeUnit.NANOSECONDS.toMillis(sendingEnded - sendingStarted),
                    accepted.get(), acceptedAtKill, restartMillis, tempfailed.get(), dropped.get(), delivered.size(),
                    copies, verified, dkimpyChecked, signedAfterRestart, unsigned.size(), unsignedAfterRestart,
                    badSignatures.size(), postfixMilterWarnings, warnings, seconds);
        }
    }

    private Run run(MilterDefaultAction action) throws Exception {
        long started = System.nanoTime();
        Run run = new Run();
        int port = PostfixInstance.freePort();
        Path milterConf = Files.writeString(work.resolve(action.value() + ".conf"), String.join("\n",
                "Mode s",
                "Socket inet:" + port + "@127.0.0.1",
                "KeyTable " + work.resolve("KeyTable"),
                "SigningTable refile:" + work.resolve("SigningTable"),
                "InternalHosts " + work.resolve("InternalHosts"),
                "Canonicalization relaxed/simple",
                "Syslog no") + "\n");
        Process milter = startMilter(milterConf, port, work.resolve(action.value() + "-1.log"));
        Options options = Options.builder().milter("inet:127.0.0.1:" + port).milterProtocol(6)
                .milterDefaultAction(action).build();
        try (PostfixInstance postfix = PostfixInstance.start(options)) {
            Deque<Integer>[] queues = queues();
            List<Thread> clients = new ArrayList<>();
            run.sendingStarted = System.nanoTime();
            long sendingEnds = run.sendingStarted + SENDING.toNanos();
            for (Deque<Integer> queue : queues) {
                Thread client = new Thread(() -> send(postfix.smtpPort(), queue, run, sendingEnds), "smtp-client");
                client.start();
                clients.add(client);
            }
            while (run.accepted.get() < KILL_AFTER && clients.stream().anyMatch(Thread::isAlive)) {
                Thread.sleep(5);
            }
            run.acceptedAtKill = run.accepted.get();
            run.killedAt = System.nanoTime();
            milter.destroyForcibly(); // SIGKILL
            assertTrue(milter.waitFor(10, TimeUnit.SECONDS), "the milter is gone");
            Thread.sleep(1000);
            milter = startMilter(milterConf, port, work.resolve(action.value() + "-2.log"));
            run.readyAt = System.nanoTime();
            run.restartMillis = TimeUnit.NANOSECONDS.toMillis(run.readyAt - run.killedAt);
            for (Thread client : clients) {
                client.join(SENDING.toMillis() + REPLY_TIMEOUT.toMillis());
            }
            run.sendingEnded = System.nanoTime();
            for (Deque<Integer> queue : queues) {
                synchronized (queue) {
                    queue.forEach(n -> run.failures.add(messageId(n) + ": never accepted within " + SENDING));
                }
            }
            assertTrue(run.acceptedAtKill < MESSAGES, "the kill came while messages were still being sent");
            collect(postfix, run);
            run.postfixLog = postfix.log();
            List<String> warnings = run.postfixLog.lines()
                    .filter(l -> l.contains("warning:") && l.contains("127.0.0.1:" + port)).toList();
            run.postfixMilterWarnings = warnings.size();
            warnings.stream().map(l -> l.replaceFirst("^.*?warning: ", "").replaceAll("\\[\\d+\\]", ""))
                    .distinct().limit(3).forEach(run.warnings::add);
        } finally {
            milter.destroy();
            milter.waitFor(40, TimeUnit.SECONDS);
        }
        check(run);
        run.seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);
        return run;
    }

    /** Message numbers 0 to 999, dealt to the clients in turn. */
    @SuppressWarnings("unchecked")
    private static Deque<Integer>[] queues() {
        Deque<Integer>[] queues = new Deque[CLIENTS];
        for (int c = 0; c < CLIENTS; c++) {
            queues[c] = new ArrayDeque<>();
        }
        for (int n = 0; n < MESSAGES; n++) {
            queues[n % CLIENTS].add(n);
        }
        return queues;
    }

    /**
     * One SMTP client: sessions of up to {@value #PER_SESSION} messages. A message leaves its queue when it is
     * accepted (2xx after the data) or refused for good (5xx); on a 4xx or a dropped connection the session is
     * closed and, after a pause, a new one retries it.
     */
    private static void send(int port, Deque<Integer> queue, Run run, long endsAt) {
        while (System.nanoTime() < endsAt) {
            Integer next;
            synchronized (queue) {
                next = queue.peek();
            }
            if (next == null) {
                return;
            }
            try (Session session = Session.open(port)) {
                for (int sent = 0; sent < PER_SESSION; sent++) {
                    synchronized (queue) {
                        next = queue.peek();
                    }
                    if (next == null) {
                        break;
                    }
                    int code = session.transaction("joe@" + DOMAIN, "bob@example.net", message(next));
                    if (code / 100 == 2) {
                        run.acceptedAt.put(next, System.nanoTime());
                        run.accepted.incrementAndGet();
                    } else if (code / 100 == 5) {
                        run.failures.add(messageId(next) + ": " + code);
                    } else {
                        run.tempfailed.incrementAndGet();
                        break;
                    }
                    synchronized (queue) {
                        queue.poll();
                    }
                    Thread.sleep(PACE.toMillis());
                }
                if (session.tempfailed) {
                    pause();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (TempfailException e) {
                run.tempfailed.incrementAndGet();
                pause();
            } catch (IOException e) {
                // no reply to the end of data would leave the message's fate unknown: it is counted apart
                run.dropped.incrementAndGet();
                if (e instanceof UnknownOutcomeException) {
                    run.failures.add(e.getMessage());
                    synchronized (queue) {
                        queue.poll();
                    }
                }
                pause();
            }
        }
    }

    private static void pause() {
        try {
            Thread.sleep(RETRY_PAUSE.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String messageId(int n) {
        return "<load-" + n + "@example.com>";
    }

    private static int number(String messageId) {
        return Integer.parseInt(messageId.replaceAll("[^0-9]", ""));
    }

    private static byte[] message(int n) {
        return ("From: Joe <joe@example.com>\r\nTo: bob@example.net\r\nSubject: load " + n + "\r\n"
                + "Message-ID: " + messageId(n) + "\r\nDate: Wed, 2 Dec 2026 10:00:00 +0000\r\n\r\n"
                + "Message " + n + " of " + MESSAGES + ", sent while the milter is killed and started again.\r\n")
                .getBytes(StandardCharsets.US_ASCII);
    }

    /** Waits for every accepted message at the sink, then a little more for copies, and counts them. */
    private static void collect(PostfixInstance postfix, Run run) throws InterruptedException {
        long deadline = System.nanoTime() + DELIVERY.toNanos();
        while (postfix.delivered().size() < run.accepted.get() && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        Thread.sleep(2000); // a copy would arrive now
        run.messages.addAll(postfix.delivered());
        for (DeliveredMessage message : run.messages) {
            run.delivered.merge(message.headerValue("Message-ID"), 1, Integer::sum);
        }
    }

    /**
     * Verifies every delivered message that has a DKIM-Signature with postseal's verifier (keys from the record made
     * here), and every {@code n}-th of them with dkimpy too, {@value #DKIMPY_SAMPLE} in all; lists the unsigned.
     */
    private static void check(Run run) throws IOException, org.postseal.message.MessageFormatException {
        DkimVerifier verifier = new DkimVerifier((selector, domain) -> {
            String record = records.get(Peers.keyName(selector, domain));
            if (record == null) {
                throw KeyLookupException.notFound(Peers.keyName(selector, domain));
            }
            return List.of(record);
        }, Clock.systemUTC());
        long signed = run.messages.stream().filter(m -> !m.headerFields("DKIM-Signature").isEmpty()).count();
        long every = Math.max(1, signed / DKIMPY_SAMPLE);
        for (DeliveredMessage message : run.messages) {
            String id = message.headerValue("Message-ID");
            long acceptedAt = run.acceptedAt.getOrDefault(number(id), Long.MIN_VALUE);
            if (message.headerFields("DKIM-Signature").isEmpty()) {
                run.unsigned.add(id);
                if (acceptedAt < run.killedAt) {
                    run.unsignedBeforeKill.add(id);
                } else if (acceptedAt > run.readyAt) {
                    run.unsignedAfterRestart++;
                }
                continue;
            }
            if (acceptedAt > run.readyAt) {
                run.signedAfterRestart++;
            }
            VerificationSession session = verifier.newSession();
            InputStream in = new ByteArrayInputStream(message.bytes());
            for (HeaderField field : MessageReader.readHeader(in, MessageReader.DEFAULT_MAX_HEADER_BYTES).fields()) {
                session.header(field);
            }
            byte[] body = in.readAllBytes();
            session.body(body, 0, body.length);
            List<VerificationResult> results = session.finish();
            if (results.size() != 1 || !results.get(0).passed()) {
                run.badSignatures.add(id + ": " + results.stream().map(VerificationResult::describe).toList());
                continue;
            }
            run.verified++;
            if ((run.verified - 1) % every == 0 && run.dkimpyChecked < DKIMPY_SAMPLE) {
                Peers.PeerResult dkimpy = Peers.dkimpyVerify(message.bytes(), records);
                if (dkimpy.signatures() != 1 || !dkimpy.allPassed()) {
                    run.badSignatures.add(id + ": dkimpy " + dkimpy.output());
                }
                run.dkimpyChecked++;
            }
        }
    }

    // --- the SMTP client -----------------------------------------------------------------------------------

    /** A 4xx where a session begins: greeting or EHLO. */
    private static final class TempfailException extends IOException {
        TempfailException(String message) {
            super(message);
        }
    }

    /** The connection dropped after the end of the data, before its reply: the message may or may not be queued. */
    private static final class UnknownOutcomeException extends IOException {
        UnknownOutcomeException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** One SMTP session to Postfix's smtpd, from 127.0.0.1: EHLO, then transactions, then QUIT. */
    private static final class Session implements AutoCloseable {
        private final Socket socket;
        private final InputStream in;
        private final OutputStream out;
        boolean tempfailed;

        private Session(Socket socket) throws IOException {
            this.socket = socket;
            this.in = new BufferedInputStream(socket.getInputStream());
            this.out = new BufferedOutputStream(socket.getOutputStream());
        }

        static Session open(int port) throws IOException {
            Socket socket = new Socket();
            try {
                socket.bind(new InetSocketAddress("127.0.0.1", 0));
                socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
                socket.setSoTimeout((int) REPLY_TIMEOUT.toMillis());
                Session session = new Session(socket);
                session.expect2xx(session.reply(), "greeting");
                session.expect2xx(session.command("EHLO client.postseal.test"), "EHLO");
                return session;
            } catch (IOException | RuntimeException e) {
                socket.close();
                throw e;
            }
        }

        private void expect2xx(int code, String step) throws IOException {
            if (code / 100 == 4) {
                throw new TempfailException(step + ": " + code);
            }
            if (code / 100 != 2) {
                throw new IOException(step + ": " + code);
            }
        }

        /** One message; returns the first reply that is not a success, or the reply to the end of data. */
        int transaction(String from, String to, byte[] message) throws IOException {
            int code = command("MAIL FROM:<" + from + ">");
            if (code / 100 == 2) {
                code = command("RCPT TO:<" + to + ">");
            }
            if (code / 100 == 2) {
                code = command("DATA");
                if (code / 100 == 3) {
                    out.write(message);
                    out.write(".\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    try {
                        code = reply();
                    } catch (IOException e) {
                        throw new UnknownOutcomeException("no reply to the end of data of " + new String(message,
                                StandardCharsets.US_ASCII).lines().filter(l -> l.startsWith("Message-ID:"))
                                .findFirst().orElse("?"), e);
                    }
                }
            }
            if (code / 100 != 2) {
                tempfailed = code / 100 == 4;
                command("RSET");
            }
            return code;
        }

        private int command(String line) throws IOException {
            out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return reply();
        }

        /** Reads one reply, all its lines, and returns its code. */
        private int reply() throws IOException {
            while (true) {
                StringBuilder line = new StringBuilder();
                int b;
                while ((b = in.read()) != '\n') {
                    if (b < 0) {
                        throw new EOFException("connection closed");
                    }
                    line.append((char) b);
                }
                if (line.length() < 4 || line.charAt(3) != '-') {
                    return Integer.parseInt(line.substring(0, 3));
                }
            }
        }

        @Override
        public void close() throws IOException {
            try {
                command("QUIT");
            } catch (IOException e) {
                // gone already
            } finally {
                socket.close();
            }
        }
    }

    // --- the milter process --------------------------------------------------------------------------------

    private static Process startMilter(Path openDkimConf, int port, Path log) throws Exception {
        Process process = new ProcessBuilder("java", "-jar",
                Path.of(System.getProperty("postseal.jar", "target/postseal.jar")).toString(),
                "milter", "--opendkim-conf", openDkimConf.toString())
                .redirectInput(new File("/dev/null")).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError("milter exited:\n" + Files.readString(log));
            }
            if (Files.readString(log).contains("postseal milter ready")) {
                return process;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("milter not ready on " + port + ":\n" + Files.readString(log));
    }
}
