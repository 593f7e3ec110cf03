package org.postseal.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The mode and group given to a socket: a group that does not exist is named in one line. */
class UnixSocketsTest {
    @TempDir
    Path dir;

    @Test
    void anUnknownGroupIsNamed() throws IOException {
        Path socket = Files.createFile(dir.resolve("milter.sock"));
        IOException e = assertThrows(IOException.class, () -> UnixSockets.apply(socket, Optional.empty(),
                Optional.of("no-such-group-postseal")));
        assertEquals("socket group no-such-group-postseal: no such group", e.getMessage());
    }

    @Test
    void modesAreOctal() {
        assertEquals("rw-rw----", java.nio.file.attribute.PosixFilePermissions.toString(
                UnixSockets.permissions(UnixSockets.parseMode("0660"))));
    }
}
