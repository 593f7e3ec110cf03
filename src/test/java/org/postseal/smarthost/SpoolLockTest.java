package org.postseal.smarthost;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpoolLockTest {
    @TempDir
    Path root;

    /**
     * The other process: {@code try DIR} tries the lock and prints {@code locked} or {@code refused}; {@code hold
     * DIR} also keeps it until its standard input ends.
     */
    public static final class OtherProcess {
        private OtherProcess() {
        }

        public static void main(String[] args) throws IOException {
            Optional<SpoolLock> lock = SpoolLock.tryAcquire(Path.of(args[1]));
            System.out.println(lock.isPresent() ? "locked" : "refused");
            System.out.flush();
            if (lock.isPresent()) {
                if (args[0].equals("hold")) {
                    System.in.readAllBytes();
                }
                lock.get().close();
            }
        }
    }

    private Process start(String mode) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), OtherProcess.class.getName(),
                mode, root.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    private static String firstLine(Process process) throws IOException {
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8));
        return out.readLine();
    }

    private static void awaitExit(Process process) throws InterruptedException {
        assertTrue(process.waitFor(20, TimeUnit.SECONDS), "the other JVM did not end");
        assertEquals(0, process.exitValue());
    }

    @Test
    void anotherProcessIsRefusedWhileTheLockIsHeld() throws Exception {
        try (SpoolLock held = SpoolLock.tryAcquire(root).orElseThrow()) {
            Process other = start("try");
            try {
                assertEquals("refused", firstLine(other));
                awaitExit(other);
            } finally {
                other.destroyForcibly();
            }
        }
        Process after = start("try");
        try {
            assertEquals("locked", firstLine(after), "released by close()");
            awaitExit(after);
        } finally {
            after.destroyForcibly();
        }
    }

    @Test
    void thisProcessIsRefusedWhileAnotherHoldsTheLock() throws Exception {
        Process other = start("hold");
        try {
            assertEquals("locked", firstLine(other));

            assertEquals(Optional.empty(), SpoolLock.tryAcquire(root));
            assertEquals(Optional.empty(), SpoolLock.tryAcquire(root), "a refusal leaves nothing behind");

            try (OutputStream stdin = other.getOutputStream()) {
                stdin.flush();
            }
            awaitExit(other);
            try (SpoolLock mine = SpoolLock.tryAcquire(root).orElseThrow()) {
                assertTrue(Files.exists(root.resolve("lock")));
            }
        } finally {
            other.destroyForcibly();
        }
    }

    @Test
    void theLockIsFreeAgainAfterClose() throws IOException {
        Optional<SpoolLock> first = SpoolLock.tryAcquire(root);
        assertTrue(first.isPresent(), "a free spool is locked");
        assertTrue(SpoolLock.tryAcquire(root).isEmpty(), "a second lock while the first is held");
        first.get().close();
        Optional<SpoolLock> second = SpoolLock.tryAcquire(root);
        assertTrue(second.isPresent(), "no second lock after the first was closed");
        second.get().close();
    }

    /**
     * Within one JVM, Java's file locks are per process: a second tryAcquire does not return empty but throws
     * (FileChannel.tryLock's OverlappingFileLockException), and closes the channel it opened.
     */
    @Test
    void aSecondAcquireInTheSameJvmIsRefused() throws IOException {
        try (SpoolLock held = SpoolLock.tryAcquire(root).orElseThrow()) {
            assertTrue(SpoolLock.tryAcquire(root).isEmpty());
            assertTrue(SpoolLock.tryAcquire(root).isEmpty());
        }
        SpoolLock.tryAcquire(root).orElseThrow().close();
    }

    @Test
    void aMissingSpoolDirectoryIsAnIoError() {
        assertThrows(IOException.class, () -> SpoolLock.tryAcquire(root.resolve("nowhere")));
    }
}
