package org.postseal.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pid file a daemon writes and {@code postseal reload} reads. */
class PidFileTest {
    @TempDir
    Path dir;

    @Test
    void writesThisProcessIdReadableByAllAndRemovesItOnClose() throws IOException {
        Path file = dir.resolve("milter.pid");
        Files.writeString(file, "999999\n"); // a stale one is replaced
        try (PidFile pid = PidFile.write(file)) {
            assertEquals(ProcessHandle.current().pid() + "\n", Files.readString(file));
            assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
            assertEquals(Optional.of(ProcessHandle.current().pid()), PidFile.read(file));
            try (var files = Files.list(dir)) {
                assertEquals(1, files.count(), "no temporary file left");
            }
        }
        assertFalse(Files.exists(file));
    }

    @Test
    void aFileTakenOverByAnotherProcessIsLeftAlone() throws IOException {
        Path file = dir.resolve("milter.pid");
        PidFile pid = PidFile.write(file);
        Files.writeString(file, "4242\n");
        pid.close();
        assertEquals(Optional.of(4242L), PidFile.read(file));
    }

    @Test
    void readingRefusesWhatIsNotAProcessId() throws IOException {
        assertEquals(Optional.empty(), PidFile.read(dir.resolve("none.pid")));
        for (String text : new String[] {"", "abc\n", "-1\n", "0\n", "12 13\n", "x".repeat(100)}) {
            Path file = Files.writeString(dir.resolve("bad.pid"), text);
            IOException e = assertThrows(IOException.class, () -> PidFile.read(file), text);
            assertTrue(e.getMessage().startsWith(file + ": "), e.getMessage());
        }
        assertThrows(IOException.class, () -> PidFile.read(dir));
        assertEquals(Optional.of(123L), PidFile.read(Files.writeString(dir.resolve("ok.pid"), " 123 \n")));
    }

    @Test
    void aMissingDirectoryIsNamed() {
        IOException e = assertThrows(IOException.class, () -> PidFile.write(dir.resolve("missing/milter.pid")));
        assertEquals("no such directory: " + dir.resolve("missing"), e.getMessage());
    }
}
