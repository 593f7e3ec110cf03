package org.postseal.smarthost;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postseal.cli.CrashingSmarthost;
import org.postseal.dkim.SigningKey;
import org.postseal.interop.Peers;
import org.postseal.interop.Peers.Peer;
import org.postseal.keys.DkimKeyGenerator;
import org.postseal.keys.KeyRecordText;
import org.postseal.keys.PrivateKeyWriter;
import org.postseal.postfix.DeliveredMessage;
import org.postseal.postfix.SmtpSink;
import org.postseal.sendmail.SendmailOptions;

/**
 * The smarthost killed at every step of a message's life in its spool, one process per crash point: the daemon's own
 * code ({@link CrashingSmarthost}) halts the process ({@code Runtime.halt}, as {@code kill -9}: no shutdown hook, no
 * {@code finally}) just before or just after one write, fsync, rename, deletion, directory fsync or relay; then the
 * packaged {@code postseal smarthost} is started on the same spool and an SMTP sink counts what arrives.
 *
 * <p>For each point: a message whose client was told "accepted" is delivered at least once; one that never got into
 * {@code queue/} is not delivered and its client was told it was not accepted; every copy is the same signed bytes,
 * which dkimpy verifies; the spool ends with nothing in {@code queue/} or {@code tmp/}. The number of copies at each
 * point is checked against the duplicate window described in docs/SMARTHOST.md (two copies from the upstream
 * server's answer to the deletion of the record that says the message is queued, one everywhere else), and each
 * scenario's table of results is written to {@code target/spool-crash-NAME.md}.
 *
 * <p>The steps reached are compared with the expected list before anything is crashed: a step added, removed or
 * skipped fails the test, as does a point the process never reaches. One more test kills the process (SIGKILL) inside
 * the relay step, where no listener can: the server has kept the message and holds its 250.
 *
 * <p>A crash here is a process crash: what the process wrote is in the kernel's cache and survives. A power cut,
 * which the fsyncs are for, is not simulated.
 */
class SpoolCrashIT {
    private static final List<String> ADD = List.of("add write tmp/ID.msg", "add fsync tmp/ID.msg",
            "add write tmp/ID.env", "add fsync tmp/ID.env", "add rename queue/ID.msg", "add rename queue/ID.env",
            "add fsync-directory queue");
    private static final String SEND = "relay send queue/ID.msg";
    private static final List<String> UPDATE = List.of("update write tmp/ID.env", "update fsync tmp/ID.env",
            "update rename queue/ID.env", "update fsync-directory queue");
    private static final List<String> REMOVE = List.of("remove delete queue/ID.env", "remove delete queue/ID.msg",
            "remove fsync-directory queue");
    private static final List<String> FAIL = List.of("fail write tmp/ID.env", "fail fsync tmp/ID.env",
            "fail rename failed/ID.env", "fail rename failed/ID.msg", "fail delete queue/ID.env",
            "fail fsync-directory failed", "fail fsync-directory queue");
    /** The point from which the message is in {@code queue/}: a restart delivers it. */
    private static final String QUEUED = "after add rename queue/ID.env";
    private static final Duration SETTLE = Duration.ofSeconds(30);
    private static final Map<String, String> RECORDS = new HashMap<>();
    /** Two JVMs start per crash point: C1 alone starts them about twice as fast. */
    private static final List<String> JAVA_OPTIONS = List.of("-XX:TieredStopAtLevel=1", "-Xshare:auto");

    private static Path work;
    private static Path key;

    /**
     * One life of a message.
     *
     * @param to the recipients in the To field
     * @param refusals a fresh refusal policy for the sink of each run
     * @param steps every step of the message's life, in order
     * @param crashFrom the first point crashed at (1-based): the points before it are those of {@link #RELAYED}
     * @param receivers the recipients each delivered copy goes to
     * @param endsFailed whether the message ends in {@code failed/}
     * @param answer the client's answer code without a crash
     * @param windowEnd the step that ends the duplicate window: before it a restart sends the message again
     */
    private record Scenario(String name, List<String> to, Supplier<Function<String, Optional<String>>> refusals,
            List<String> steps, int crashFrom, List<String> receivers, boolean endsFailed, int answer,
            String windowEnd) {
        List<String> points() {
            return steps.stream().flatMap(s -> Stream.of("before " + s, "after " + s)).toList();
        }

        /** The points (0-based) at which a crash gives two copies: from the last send's answer to windowEnd. */
        boolean inDuplicateWindow(int index) {
            List<String> points = points();
            return index >= points.lastIndexOf("after " + SEND) && index <= points.indexOf("before " + windowEnd);
        }

        boolean queued(int index) {
            return index >= points().indexOf(QUEUED);
        }
    }

    private static final Scenario RELAYED = new Scenario("relayed", List.of("dst@dst.test"), SpoolCrashIT::acceptAll,
            concat(ADD, List.of(SEND), REMOVE), 1, List.of("dst@dst.test"), false, 250,
            "remove delete queue/ID.env");

    @BeforeAll
    static void keys() throws Exception {
        Peers.require(Peer.DKIMPY);
        work = Files.createTempDirectory(Path.of("/tmp"), "postseal-spoolcrash");
        SigningKey signing = DkimKeyGenerator.rsa(2048);
        key = work.resolve("civi.private");
        Files.createFile(key, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(key, PrivateKeyWriter.pem(signing));
        RECORDS.put(Peers.keyName("civi", "src.test"), KeyRecordText.of(signing).value());
    }

    @AfterAll
    static void clean() throws IOException {
        if (work != null) {
            try (Stream<Path> files = Files.walk(work)) {
                for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(file);
                }
            }
        }
    }

    /** Relayed at the first attempt, then removed: the client is answered only after the removal. */
    @Test
    void crashAtEveryStepOfARelayedMessage() throws Exception {
        run(RELAYED);
    }

    /**
     * Deferred (451) at the first attempt, its record updated, the client told "queued", then relayed by the queue
     * runner and removed: the crashes after the update are crashes after an "accepted" answer.
     */
    @Test
    void crashAtEveryStepOfADeferredMessage() throws Exception {
        run(new Scenario("deferred", List.of("later@dst.test"), SpoolCrashIT::deferFirstAttempt,
                concat(ADD, List.of(SEND), UPDATE, List.of(SEND), REMOVE), 2 * ADD.size() + 1,
                List.of("later@dst.test"), false, 250, "remove delete queue/ID.env"));
    }

    /** One recipient accepted, one refused for good (550): the message moves to {@code failed/}. */
    @Test
    void crashAtEveryStepOfAPartlyRefusedMessage() throws Exception {
        run(new Scenario("refused", List.of("dst@dst.test", "nobody@dst.test"), SpoolCrashIT::refuseNobody,
                concat(ADD, List.of(SEND), FAIL), 2 * ADD.size() + 1, List.of("dst@dst.test"), true, 554,
                "fail rename failed/ID.env"));
    }

    /**
     * Killed with SIGKILL inside the relay step, where no listener can stop it: the upstream server has kept the
     * message and holds its 250. The duplicate window opens there, before the smarthost can know.
     */
    @Test
    void killedBetweenTheServersCommitAndItsAnswer() throws Exception {
        Path dir = Files.createDirectories(work.resolve("in-flight"));
        Path socket = dir.resolve("s.sock");
        Path spool = dir.resolve("spool");
        Path trace = dir.resolve("trace");
        ExecutorService client = Executors.newSingleThreadExecutor();
        try (SmtpSink sink = SmtpSink.start(acceptAll())) {
            sink.holdDataReplies();
            Path conf = config(dir, spool, sink.port());
            Process crashing = startCrashing(socket, conf, trace, dir.resolve("crashing.log"), 0);
            Future<SubmissionAnswer> answer = client.submit(() -> new SubmissionClient(socket,
                    Duration.ofSeconds(60)).submit(SendmailOptions.phpMail(), message(RELAYED, 0)));
            assertTrue(sink.take(1, SETTLE).isPresent(), "the server has the message");
            crashing.destroyForcibly();
            assertTrue(crashing.waitFor(30, TimeUnit.SECONDS));
            sink.releaseDataReplies();
            assertEquals(137, crashing.exitValue(), "killed by SIGKILL");
            assertEquals("before " + SEND, reached(trace).get(reached(trace).size() - 1), "killed while sending");
            SubmissionAnswer told = answer.get(60, TimeUnit.SECONDS);
            assertFalse(told.accepted(), told.line());
            try (SmarthostProcess normal = new SmarthostProcess(JAVA_OPTIONS, socket, dir.resolve("restart.log"),
                    List.of("--config", conf.toString())).start()) {
                awaitSettled(spool, dir.resolve("restart.log"));
            }
            List<DeliveredMessage> copies = sink.delivered();
            assertEquals(2, copies.size(), "sent again after the restart");
            assertArrayEquals(copies.get(0).bytes(), copies.get(1).bytes(), "the same signed bytes");
            Peers.PeerResult dkimpy = Peers.dkimpyVerify(copies.get(0).bytes(), RECORDS);
            assertTrue(dkimpy.signatures() == 1 && dkimpy.allPassed(), dkimpy.output());
        } finally {
            client.shutdownNow();
        }
    }

    private void run(Scenario scenario) throws Exception {
        Run clean = attempt(scenario, 0);
        assertEquals(scenario.points(), clean.reached(), "the steps of a " + scenario.name() + " message");
        assertEquals(scenario.answer(), clean.answer().code(), clean.answer().line());
        assertEquals(1, clean.copies().size(), "one copy without a crash");
        assertEquals(scenario.endsFailed() ? 1 : 0, clean.failed());

        List<String> problems = new ArrayList<>();
        StringBuilder table = new StringBuilder("| # | crash point | client told | copies | in failed/ |\n"
                + "|---|---|---|---|---|\n");
        List<String> points = scenario.points();
        for (int n = scenario.crashFrom(); n <= points.size(); n++) {
            String point = points.get(n - 1);
            Run run;
            try {
                run = attempt(scenario, n);
            } catch (AssertionError e) {
                problems.add(n + " " + point + ": " + e.getMessage());
                table.append("| ").append(n).append(" | ").append(point).append(" | - | - | - |\n");
                continue;
            }
            table.append("| ").append(n).append(" | ").append(point).append(" | ").append(run.told()).append(" | ")
                    .append(run.copies().size()).append(" | ").append(run.failed()).append(" |\n");
            Optional<String> problem = check(scenario, n, run);
            if (problem.isPresent()) {
                problems.add(n + " " + point + ": " + problem.get());
            }
        }
        Path report = Path.of("target", "spool-crash-" + scenario.name() + ".md");
        Files.writeString(report, table);
        System.out.println(scenario.name() + ":\n" + table);
        assertTrue(problems.isEmpty(), String.join("\n", problems) + "\n" + table);
    }

    /** What is wrong with the outcome of a crash at point n, if anything. */
    private static Optional<String> check(Scenario scenario, int n, Run run) {
        if (!run.reached().get(run.reached().size() - 1).equals(scenario.points().get(n - 1))
                || run.reached().size() != n) {
            return Optional.of("the process stopped elsewhere: " + run.reached());
        }
        if (run.answer().accepted() && run.copies().isEmpty()) {
            return Optional.of("LOST: the client was told " + run.answer().line() + " and nothing was delivered");
        }
        boolean queued = scenario.queued(n - 1);
        int expected = !queued ? 0 : scenario.inDuplicateWindow(n - 1) ? 2 : 1;
        if (run.copies().size() != expected) {
            return Optional.of(run.copies().size() + " copies, expected " + expected);
        }
        if (!queued && run.answer().accepted()) {
            return Optional.of("told " + run.answer().line() + " for a message never queued");
        }
        if (run.failed() != (queued && scenario.endsFailed() ? 1 : 0)) {
            return Optional.of(run.failed() + " message(s) in failed/");
        }
        for (DeliveredMessage copy : run.copies()) {
            if (!copy.recipients().equals(scenario.receivers())) {
                return Optional.of("a copy went to " + copy.recipients());
            }
            if (!Arrays.equals(copy.bytes(), run.copies().get(0).bytes())) {
                return Optional.of("copies differ:\n" + copy.text() + "\n" + run.copies().get(0).text());
            }
        }
        if (!run.copies().isEmpty()) {
            Peers.PeerResult dkimpy = Peers.dkimpyVerify(run.copies().get(0).bytes(), RECORDS);
            if (dkimpy.signatures() != 1 || !dkimpy.allPassed()) {
                return Optional.of("not signed as it should be: " + dkimpy.output());
            }
        }
        return Optional.empty();
    }

    /**
     * Submits one message to a smarthost that halts at point n (never with 0), starts a normal one on the same spool
     * after the crash, and waits for the spool to settle.
     */
    private static Run attempt(Scenario scenario, int n) throws Exception {
        Path dir = Files.createDirectories(work.resolve(scenario.name() + "-" + n));
        Path socket = dir.resolve("s.sock");
        Path spool = dir.resolve("spool");
        Path trace = dir.resolve("trace");
        Path crashLog = dir.resolve("crashing.log");
        try (SmtpSink sink = SmtpSink.start(scenario.refusals().get())) {
            Path conf = config(dir, spool, sink.port());
            Process crashing = startCrashing(socket, conf, trace, crashLog, n);
            SubmissionAnswer answer = new SubmissionClient(socket, Duration.ofSeconds(60))
                    .submit(SendmailOptions.phpMail(), message(scenario, n));
            if (n == 0) {
                awaitSettled(spool, crashLog);
                crashing.destroy();
                crashing.waitFor(30, TimeUnit.SECONDS);
            } else {
                if (!crashing.waitFor(30, TimeUnit.SECONDS)) {
                    crashing.destroyForcibly();
                    throw new AssertionError("point never reached, the process did not halt; answer "
                            + answer.line() + "; trace " + reached(trace));
                }
                assertEquals(CrashingSmarthost.HALTED, crashing.exitValue(), Files.readString(crashLog));
                try (SmarthostProcess normal = new SmarthostProcess(JAVA_OPTIONS, socket, dir.resolve("restart.log"),
                        List.of("--config", conf.toString())).start()) {
                    awaitSettled(spool, dir.resolve("restart.log"));
                }
            }
            return new Run(reached(trace), answer, sink.delivered(), count(spool.resolve("failed"), ".env"));
        }
    }

    /** What one crash gave: the points reached, the client's answer, the copies the sink has, failed/ count. */
    private record Run(List<String> reached, SubmissionAnswer answer, List<DeliveredMessage> copies, int failed) {
        String told() {
            if (answer.accepted()) {
                return "accepted (" + answer.code() + ", exit " + answer.exitStatus() + ")";
            }
            return answer.text().contains("without answering") ? "no answer (exit " + answer.exitStatus() + ")"
                    : "not accepted (" + answer.code() + ", exit " + answer.exitStatus() + ")";
        }
    }

    private static Process startCrashing(Path socket, Path conf, Path trace, Path log, int n) throws Exception {
        Path testClasses = Path.of(CrashingSmarthost.class.getProtectionDomain().getCodeSource().getLocation()
                .toURI());
        List<String> command = new ArrayList<>(List.of("java"));
        command.addAll(JAVA_OPTIONS);
        command.addAll(List.of("-D" + CrashingSmarthost.CRASH_AT + "=" + n,
                "-D" + CrashingSmarthost.TRACE + "=" + trace,
                "-cp", SmarthostProcess.jar() + File.pathSeparator + testClasses, CrashingSmarthost.class.getName(),
                "--socket", socket.toString(), "--config", conf.toString()));
        Process process = new ProcessBuilder(command).redirectInput(new File("/dev/null")).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError("crashing smarthost exited " + process.exitValue() + " before it was ready:\n"
                        + Files.readString(log));
            }
            if (Files.readString(log).contains("postseal smarthost ready")) {
                return process;
            }
            Thread.sleep(50);
        }
        process.destroyForcibly();
        throw new AssertionError("crashing smarthost not ready in 30 s:\n" + Files.readString(log));
    }

    /** Waits until nothing is left in queue/ or tmp/: every delivery the spool holds has been made. */
    private static void awaitSettled(Path spool, Path log) throws Exception {
        long deadline = System.nanoTime() + SETTLE.toNanos();
        while (count(spool.resolve("queue"), "") + count(spool.resolve("tmp"), "") > 0) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the queue did not empty in " + SETTLE + ":\n" + Files.readString(log));
            }
            Thread.sleep(50);
        }
    }

    private static int count(Path dir, String suffix) throws IOException {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> files = Files.list(dir)) {
            return (int) files.filter(f -> f.getFileName().toString().endsWith(suffix)).count();
        }
    }

    /** The points in a trace, the message's id written ID, without their numbers. */
    private static List<String> reached(Path trace) throws IOException {
        if (!Files.exists(trace)) {
            return List.of();
        }
        return Files.readAllLines(trace, StandardCharsets.UTF_8).stream()
                .map(l -> l.substring(l.indexOf(' ') + 1).replaceAll("[0-9a-z]{6,20}-[0-9a-f]{8}", "ID"))
                .toList();
    }

    private static Path config(Path dir, Path spool, int port) throws IOException {
        Path msmtprc = Files.writeString(dir.resolve("msmtprc"), String.join("\n", "defaults", "account default",
                "host 127.0.0.1", "port " + port, "auth off", "tls off", ""));
        return Files.writeString(dir.resolve("postseal.conf"), String.join("\n",
                "postseal.smarthost {",
                "  msmtprc = \"" + msmtprc + "\"",
                "  spool = \"" + spool + "\"",
                "  domain = src.test",
                "  selector = civi",
                "  key = \"" + key + "\"",
                "  retry { first = 500ms, max = 1s, lifetime = 1h }",
                "  relay-wait = 10s",
                "  queue-tick = 100ms",
                "}", ""));
    }

    private static byte[] message(Scenario scenario, int n) {
        return ("To: " + String.join(", ", scenario.to()) + "\nSubject: crash at " + scenario.name() + " " + n
                + "\nFrom: \"SRC\" <src@src.test>\n\nmessage\n").getBytes(StandardCharsets.UTF_8);
    }

    private static Function<String, Optional<String>> acceptAll() {
        return recipient -> Optional.empty();
    }

    private static Function<String, Optional<String>> deferFirstAttempt() {
        AtomicBoolean deferred = new AtomicBoolean();
        return recipient -> deferred.getAndSet(true) ? Optional.empty()
                : Optional.of("451 4.3.0 come back later");
    }

    private static Function<String, Optional<String>> refuseNobody() {
        return recipient -> recipient.startsWith("nobody@") ? Optional.of("550 5.1.1 no such user here")
                : Optional.empty();
    }

    @SafeVarargs
    private static List<String> concat(List<String>... parts) {
        return Stream.of(parts).flatMap(List::stream).toList();
    }
}
