package org.postseal.message;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Holds a message body between reading it and writing it back after the signature: in memory up to a threshold,
 * then in a temporary file (deleted on {@link #close()}), so that signing a large message in a pipe does not need
 * a heap the size of the message.
 */
public final class BodySpool extends OutputStream {
    static final int MEMORY_THRESHOLD = 4 << 20;

    private ByteArrayOutputStream memory = new ByteArrayOutputStream();
    private Path file;
    private OutputStream fileOut;

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
        if (memory != null && memory.size() + length > MEMORY_THRESHOLD) {
            file = Files.createTempFile("postseal-body", ".tmp");
            fileOut = Files.newOutputStream(file);
            memory.writeTo(fileOut);
            memory = null;
        }
        if (memory != null) {
            memory.write(bytes, offset, length);
        } else {
            fileOut.write(bytes, offset, length);
        }
    }

    /** Writes everything spooled to {@code out}. */
    public void copyTo(OutputStream out) throws IOException {
        if (memory != null) {
            memory.writeTo(out);
            return;
        }
        fileOut.close();
        try (InputStream in = Files.newInputStream(file)) {
            in.transferTo(out);
        }
    }

    @Override
    public void close() throws IOException {
        if (fileOut != null) {
            fileOut.close();
            Files.deleteIfExists(file);
        }
    }
}
