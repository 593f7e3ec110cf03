package org.postseal.smarthost;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postseal.smtp.Envelope;

class SpoolTest {
    private static final Instant T0 = Instant.parse("2025-03-01T10:00:00Z");
    private static final Envelope ENVELOPE = new Envelope("a@example.org", List.of("b@example.net", "c@example.net"));

    @TempDir
    Path root;

    /** Every byte value, CR and LF alone and together, and a lone "." line: stored as given. */
    private static byte[] oddBytes() {
        byte[] bytes = new byte[256 + 9];
        for (int i = 0; i < 256; i++) {
            bytes[i] = (byte) i;
        }
        byte[] tail = "\r\n.\r\n\r\r\n\n".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(tail, 0, bytes, 256, tail.length);
        return bytes;
    }

    private static byte[] read(Spool spool, SpooledMessage m) throws IOException {
        try (InputStream in = spool.content(m).open()) {
            return in.readAllBytes();
        }
    }

    private static String names(Path dir) throws IOException {
        try (var files = Files.list(dir)) {
            return String.join(" ", files.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }

    @Test
    void openCreatesTheDirectoriesPrivate() throws IOException {
        Path dir = root.resolve("spool");
        Spool.open(dir);
        for (String sub : List.of("", "queue", "failed", "tmp")) {
            assertEquals("rwx------", java.nio.file.attribute.PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(dir.resolve(sub))), sub);
        }
    }

    @Test
    void addWritesBothFilesInQueueAndKeepsTheBytesExactly() throws IOException {
        Spool spool = Spool.open(root);
        byte[] message = oddBytes();

        SpooledMessage m = spool.add(ENVELOPE, message, T0);

        assertTrue(m.id().matches("[0-9a-z]{6,20}-[0-9a-f]{8}"), m.id());
        assertEquals(m.id() + ".env " + m.id() + ".msg", names(root.resolve("queue")));
        assertEquals("", names(root.resolve("tmp")));
        assertArrayEquals(message, Files.readAllBytes(root.resolve("queue").resolve(m.id() + ".msg")));
        assertArrayEquals(message, read(spool, m));
        assertEquals(message.length, spool.content(m).size());
        assertEquals(new SpooledMessage(m.id(), SpooledMessage.State.QUEUED, "a@example.org",
                List.of("b@example.net", "c@example.net"), T0, 0, T0, Optional.empty(), List.of()), m);
        assertEquals(List.of(m), spool.queued());
        assertEquals(Optional.of(m), spool.find(m.id()));
        assertEquals(List.of(), spool.failed());
    }

    @Test
    void nullSenderIsKept() throws IOException {
        Spool spool = Spool.open(root);
        SpooledMessage m = spool.add(new Envelope("", List.of("b@example.net")), new byte[0], T0);

        assertEquals("", spool.find(m.id()).orElseThrow().sender());
        assertEquals(new Envelope("", List.of("b@example.net")), spool.queued().get(0).envelope());
        assertArrayEquals(new byte[0], read(spool, m));
    }

    @Test
    void updateReplacesTheRecord() throws IOException {
        Spool spool = Spool.open(root);
        SpooledMessage m = spool.add(ENVELOPE, oddBytes(), T0);
        SpooledMessage after = m.afterAttempt(List.of("c@example.net"),
                List.of("delivered b@example.net: 250 2.0.0 Ok"), "421 4.3.0 try later", T0.plusSeconds(60));

        spool.update(after);

        assertEquals(List.of(after), spool.queued());
        assertEquals(1, spool.queued().get(0).attempts());
        assertEquals(m.id() + ".env " + m.id() + ".msg", names(root.resolve("queue")));
        assertEquals("", names(root.resolve("tmp")));
        assertArrayEquals(oddBytes(), read(spool, after));
    }

    @Test
    void failMovesBothFilesToFailed() throws IOException {
        Spool spool = Spool.open(root);
        SpooledMessage m = spool.add(ENVELOPE, oddBytes(), T0);

        SpooledMessage failed = spool.fail(m, "rejected: 550 no");

        assertEquals(SpooledMessage.State.FAILED, failed.state());
        assertEquals(Optional.of("rejected: 550 no"), failed.lastReply());
        assertEquals("", names(root.resolve("queue")));
        assertEquals(m.id() + ".env " + m.id() + ".msg", names(root.resolve("failed")));
        assertEquals(List.of(), spool.queued());
        assertEquals(List.of(failed), spool.failed());
        assertEquals(Optional.of(failed), spool.find(m.id()));
        assertArrayEquals(oddBytes(), read(spool, failed));
    }

    @Test
    void removeDeletesBothFiles() throws IOException {
        Spool spool = Spool.open(root);
        SpooledMessage queued = spool.add(ENVELOPE, oddBytes(), T0);
        SpooledMessage failed = spool.fail(spool.add(ENVELOPE, oddBytes(), T0.plusSeconds(1)), "expired");

        spool.remove(queued);
        spool.remove(failed);

        assertEquals("", names(root.resolve("queue")));
        assertEquals("", names(root.resolve("failed")));
    }

    @Test
    void deleteFindsQueuedAndFailedMessages() throws IOException {
        Spool spool = Spool.open(root);
        SpooledMessage queued = spool.add(ENVELOPE, oddBytes(), T0);
        SpooledMessage failed = spool.fail(spool.add(ENVELOPE, oddBytes(), T0.plusSeconds(1)), "expired");

        assertTrue(spool.delete(queued.id()));
        assertTrue(spool.delete(failed.id()));
        assertFalse(spool.delete(queued.id()), "already deleted");

        assertEquals("", names(root.resolve("queue")));
        assertEquals("", names(root.resolve("failed")));
    }

    @Test
    void deleteOfAnUnknownOrMalformedIdIsFalse() throws IOException {
        Spool spool = Spool.open(root);
        SpooledMessage m = spool.add(ENVELOPE, oddBytes(), T0);

        assertFalse(spool.delete("m7abcdef-0badf00d"));
        for (String bad : List.of("", "x", "../queue/" + m.id(), m.id() + "/..", m.id().toUpperCase(),
                m.id() + ".env", "*")) {
            assertFalse(spool.delete(bad), bad);
            assertEquals(Optional.empty(), spool.find(bad), bad);
        }
        assertEquals(List.of(m), spool.queued());
    }

    @Test
    void listsAreOldestFirst() throws IOException {
        Spool spool = Spool.open(root);
        SpooledMessage second = spool.add(ENVELOPE, new byte[] {2}, T0.plusSeconds(10));
        SpooledMessage first = spool.add(ENVELOPE, new byte[] {1}, T0);
        SpooledMessage third = spool.add(ENVELOPE, new byte[] {3}, T0.plusSeconds(20));
        SpooledMessage failedLate = spool.fail(spool.add(ENVELOPE, new byte[] {5}, T0.plusSeconds(50)), "x");
        SpooledMessage failedEarly = spool.fail(spool.add(ENVELOPE, new byte[] {4}, T0.plusSeconds(40)), "y");

        assertEquals(List.of(first.id(), second.id(), third.id()),
                spool.queued().stream().map(SpooledMessage::id).toList());
        assertEquals(List.of(failedEarly.id(), failedLate.id()),
                spool.failed().stream().map(SpooledMessage::id).toList());
    }

    /** A crash in the middle of fail(): after its record reached failed/, or after its bytes did too. */
    @Test
    void recoverFinishesAnInterruptedMoveToFailed() throws IOException {
        Spool spool = Spool.open(root);
        SpooledMessage early = spool.add(ENVELOPE, oddBytes(), T0);
        SpooledMessage late = spool.add(ENVELOPE, oddBytes(), T0.plusSeconds(1));
        SpooledMessage lateFailed = spool.fail(late, "rejected b@example.net: 550 no");
        // stopped after the first step: the failed record is there, the bytes and the queued record not yet moved
        Files.writeString(root.resolve("failed/" + early.id() + ".env"),
                SpoolRecordFormat.format(early.withState(SpooledMessage.State.FAILED, "expired")));
        // stopped after the second step: only the queued record is left behind
        Files.write(root.resolve("queue/" + late.id() + ".env"), new byte[] {1});

        spool.recover();

        assertEquals("", names(root.resolve("queue")));
        assertEquals(early.id() + ".env " + early.id() + ".msg " + late.id() + ".env " + late.id() + ".msg",
                names(root.resolve("failed")));
        assertEquals(List.of(early.id(), lateFailed.id()), spool.failed().stream().map(SpooledMessage::id).toList());
        assertArrayEquals(oddBytes(), read(spool, spool.failed().get(0)));
        assertArrayEquals(oddBytes(), read(spool, spool.failed().get(1)));
    }

    @Test
    void recoverRemovesWhatACrashLeftAndKeepsWholeMessages() throws IOException {
        Spool spool = Spool.open(root);
        SpooledMessage whole = spool.add(ENVELOPE, oddBytes(), T0);
        SpooledMessage wholeFailed = spool.fail(spool.add(ENVELOPE, oddBytes(), T0.plusSeconds(1)), "x");
        // a crash while writing in tmp/, and one between the two renames, in each directory
        Files.write(root.resolve("tmp/m7abcdef-00000001.msg"), new byte[] {1});
        Files.write(root.resolve("tmp/m7abcdef-00000001.env"), new byte[] {1});
        Files.write(root.resolve("tmp/m7abcdef-00000002.msg"), new byte[] {1});
        Files.write(root.resolve("queue/m7abcdef-00000003.msg"), new byte[] {1});
        Files.write(root.resolve("failed/m7abcdef-00000004.msg"), new byte[] {1});

        spool.recover();

        assertEquals("", names(root.resolve("tmp")));
        assertEquals(whole.id() + ".env " + whole.id() + ".msg", names(root.resolve("queue")));
        assertEquals(wholeFailed.id() + ".env " + wholeFailed.id() + ".msg", names(root.resolve("failed")));
        assertEquals(List.of(whole), spool.queued());
        assertEquals(List.of(wholeFailed), spool.failed());
        assertArrayEquals(oddBytes(), read(spool, whole));
    }

    @Test
    void recordWithLineBreaksInValuesStaysOneLinePerField() throws IOException {
        Spool spool = Spool.open(root);
        SpooledMessage m = spool.add(ENVELOPE, oddBytes(), T0);
        SpooledMessage odd = m.afterAttempt(List.of("c@example.net"),
                List.of("rejected b@example.net: 550-5.1.1 no such user\r\n550 5.1.1 really\n"),
                "421-4.3.0 first line\r\n421 4.3.0 second\rline\n", T0.plusSeconds(60));

        spool.update(odd);

        String text = Files.readString(root.resolve("queue").resolve(m.id() + ".env"));
        assertEquals(8, text.split("\n", -1).length - 1, text);
        assertFalse(text.contains("\r"), text);
        SpooledMessage back = spool.find(m.id()).orElseThrow();
        assertEquals(Optional.of("421-4.3.0 first line  421 4.3.0 second line "), back.lastReply());
        assertEquals(List.of("rejected b@example.net: 550-5.1.1 no such user  550 5.1.1 really "),
                back.outcomes());
        assertEquals(List.of("c@example.net"), back.pending());
        assertEquals(T0.plusSeconds(60), back.nextAttempt());
        assertEquals(1, back.attempts());
    }

    @Test
    void formatParseRoundTripsEveryField() {
        SpooledMessage m = new SpooledMessage("m7abcdef-0badf00d", SpooledMessage.State.FAILED, "",
                List.of("x@example.net", "y: z@example.net"), T0, 3, T0.plusSeconds(3600),
                Optional.of("last: reply: with colons"),
                List.of("delivered a@example.net: 250 ok", "rejected b@example.net: 550 no"));

        String text = SpoolRecordFormat.format(m);

        assertEquals(m, SpoolRecordFormat.parse(text, SpooledMessage.State.FAILED, "test"));
        assertEquals(m.withState(SpooledMessage.State.QUEUED, "last: reply: with colons"),
                SpoolRecordFormat.parse(text, SpooledMessage.State.QUEUED, "test"));
    }

    @Test
    void parseIgnoresUnknownFieldsAndAcceptsAnEmptyValueWithoutSpace() {
        SpooledMessage m = SpoolRecordFormat.parse("id: m7abcdef-0badf00d\nsender:\ncreated: " + T0
                + "\nfrom-the-future: 1\nattempts: 2\nnext-attempt: " + T0 + "\npending: b@example.net\n",
                SpooledMessage.State.QUEUED, "test");

        assertEquals("", m.sender());
        assertEquals(2, m.attempts());
        assertEquals(List.of("b@example.net"), m.pending());
    }

    @Test
    void aCorruptRecordIsSkippedNotFatal() throws IOException {
        Spool spool = Spool.open(root);
        SpooledMessage good = spool.add(ENVELOPE, oddBytes(), T0);
        Files.write(root.resolve("queue/m7abcdef-00000001.msg"), new byte[] {1});
        Files.writeString(root.resolve("queue/m7abcdef-00000001.env"), "id: m7abcdef-00000001\nattempts: many\n");
        Files.write(root.resolve("queue/m7abcdef-00000002.msg"), new byte[] {1});
        Files.writeString(root.resolve("queue/m7abcdef-00000002.env"), "id: m7abcdef-00000002\n");
        Files.write(root.resolve("failed/m7abcdef-00000003.msg"), new byte[] {1});
        Files.write(root.resolve("failed/m7abcdef-00000003.env"), new byte[] {(byte) 0xff, (byte) 0xfe, 0});

        String log = stderrOf(() -> {
            assertEquals(List.of(good), spool.queued());
            assertEquals(List.of(), spool.failed());
        });

        assertTrue(log.contains("WARN") && log.contains("m7abcdef-00000001.env") && log.contains("bad attempts"),
                log);
        assertTrue(log.contains("m7abcdef-00000002.env: incomplete record"), log);
        assertTrue(log.contains("m7abcdef-00000003.env"), log);
    }

    @FunctionalInterface
    private interface IoAction {
        void run() throws IOException;
    }

    /** What the log writes on stderr (Logback's console appender looks up System.err at each line) meanwhile. */
    private static String stderrOf(IoAction action) throws IOException {
        PrintStream saved = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            action.run();
        } finally {
            System.setErr(saved);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }

    /**
     * An administrator must be able to delete a message whose record cannot be read ({@code postseal queue delete
     * ID}); {@link Spool#delete} reads the record first and throws instead.
     */
    @Test
    void aCorruptRecordCanBeDeleted() throws IOException {
        Spool spool = Spool.open(root);
        Files.write(root.resolve("queue/m7abcdef-00000001.msg"), new byte[] {1});
        Files.writeString(root.resolve("queue/m7abcdef-00000001.env"), "id: m7abcdef-00000001\nattempts: many\n");

        assertTrue(spool.delete("m7abcdef-00000001"));
        assertEquals("", names(root.resolve("queue")));
    }
    /** Each step of each operation is told before and after it is taken, in order, with the file it acts on. */
    @Test
    void everyStepIsToldBeforeAndAfter() throws IOException {
        List<String> heard = new java.util.ArrayList<>();
        Spool spool = Spool.open(root, new SpoolSteps() {
            @Override
            public void before(SpoolStep step) {
                heard.add("before " + step);
            }

            @Override
            public void after(SpoolStep step) {
                heard.add("after " + step);
            }
        });
        SpooledMessage m = spool.add(ENVELOPE, "x".getBytes(StandardCharsets.US_ASCII), T0);
        spool.update(m.withNextAttempt(T0.plusSeconds(60)));
        spool.fail(m, "550 no");
        spool.delete(m.id());
        String id = m.id();
        List<String> steps = List.of("add write tmp/" + id + ".msg", "add fsync tmp/" + id + ".msg",
                "add write tmp/" + id + ".env", "add fsync tmp/" + id + ".env", "add rename queue/" + id + ".msg",
                "add rename queue/" + id + ".env", "add fsync-directory queue",
                "update write tmp/" + id + ".env", "update fsync tmp/" + id + ".env",
                "update rename queue/" + id + ".env", "update fsync-directory queue",
                "fail write tmp/" + id + ".env", "fail fsync tmp/" + id + ".env", "fail rename failed/" + id + ".env",
                "fail rename failed/" + id + ".msg", "fail delete queue/" + id + ".env",
                "fail fsync-directory failed", "fail fsync-directory queue",
                "delete delete queue/" + id + ".env", // not there: looked for first in queue/
                "delete delete failed/" + id + ".env", "delete delete failed/" + id + ".msg",
                "delete fsync-directory failed");
        assertEquals(steps.stream().flatMap(s -> java.util.stream.Stream.of("before " + s, "after " + s)).toList(),
                heard);
    }

    /** A step that fails is told before, never after, and the failure reaches the caller. */
    @Test
    void aFailedStepIsNotToldAfter() throws IOException {
        List<String> heard = new java.util.ArrayList<>();
        Spool spool = Spool.open(root, new SpoolSteps() {
            @Override
            public void before(SpoolStep step) {
                heard.add("before " + step);
            }

            @Override
            public void after(SpoolStep step) {
                heard.add("after " + step);
            }
        });
        Files.delete(root.resolve("tmp"));
        org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
                () -> spool.add(ENVELOPE, "x".getBytes(StandardCharsets.US_ASCII), T0));
        assertEquals(List.of(), heard, "the file could not even be opened: no step taken");
        Files.createDirectory(root.resolve("tmp"));
        Files.delete(root.resolve("queue"));
        org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
                () -> spool.add(ENVELOPE, "x".getBytes(StandardCharsets.US_ASCII), T0));
        assertEquals("before add rename queue/ID.msg", heard.get(heard.size() - 1).replaceAll(
                "[0-9a-z]{6,20}-[0-9a-f]{8}", "ID"), String.valueOf(heard));
    }
}
