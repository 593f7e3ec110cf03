package org.postseal.transport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

/**
 * A daemon's pid file (OpenDKIM's {@code PidFile}): the process id in decimal and a newline, written whole (to a
 * temporary file renamed over the old one, so a reader never sees it half written) once the daemon serves, and
 * removed when it stops, unless another process has taken it over meanwhile. {@code postseal reload} reads it to
 * find the process to send SIGHUP to.
 */
public final class PidFile implements AutoCloseable {
    /** The longest pid file read: a pid and a newline, with room to spare. */
    private static final int MAX_BYTES = 64;

    private final Path file;
    private final long pid;

    private PidFile(Path file, long pid) {
        this.file = file;
        this.pid = pid;
    }

    /**
     * Writes this process's id to {@code file} (mode 0644), replacing what was there.
     *
     * @throws IOException if the file or its temporary neighbour cannot be written; the message names the directory
     */
    public static PidFile write(Path file) throws IOException {
        long pid = ProcessHandle.current().pid();
        Path absolute = file.toAbsolutePath();
        Path directory = absolute.getParent();
        if (!Files.isDirectory(directory)) {
            throw new IOException("no such directory: " + directory);
        }
        Path temporary = absolute.resolveSibling("." + absolute.getFileName() + "." + pid + ".tmp");
        try {
            write(absolute, temporary, pid);
        } catch (AccessDeniedException e) {
            throw new IOException("permission denied in " + directory, e);
        }
        return new PidFile(absolute, pid);
    }

    private static void write(Path absolute, Path temporary, long pid) throws IOException {
        try {
            Files.deleteIfExists(temporary);
            Files.createFile(temporary, PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rw-r--r--")));
            Files.writeString(temporary, pid + "\n", StandardCharsets.US_ASCII);
            try {
                Files.move(temporary, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temporary, absolute, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    /**
     * The process id a pid file holds.
     *
     * @return empty if the file does not exist
     * @throws IOException if it cannot be read, is not a regular file, or does not hold one positive number
     */
    public static Optional<Long> read(Path file) throws IOException {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": not a regular file");
        }
        byte[] bytes;
        try {
            if (Files.size(file) > MAX_BYTES) {
                throw new IOException(file + ": longer than a process id (" + Files.size(file) + " bytes)");
            }
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return Optional.empty(); // removed meanwhile: the daemon stopped
        }
        String text = new String(bytes, StandardCharsets.US_ASCII).strip();
        if (!text.matches("[1-9][0-9]{0,9}")) {
            throw new IOException(file + ": does not hold a process id (" + (text.isEmpty() ? "empty" : "'"
                    + text.replaceAll("[^\\x20-\\x7e]", "?") + "'") + ")");
        }
        return Optional.of(Long.parseLong(text));
    }

    /** The file written. */
    public Path file() {
        return file;
    }

    /** Removes the file if it still names this process. */
    @Override
    public void close() throws IOException {
        if (read(file).filter(p -> p == pid).isPresent()) {
            Files.deleteIfExists(file);
        }
    }
}
