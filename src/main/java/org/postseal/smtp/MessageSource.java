package org.postseal.smtp;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The bytes of a message ready to send: CRLF line endings, not dot-stuffed (the client stuffs), sent exactly as they
 * are. Can be opened more than once (one open per delivery attempt).
 */
public interface MessageSource {
    /** The size in bytes, for the SIZE extension. */
    long size() throws IOException;

    /** A new stream over the whole message. */
    InputStream open() throws IOException;

    static MessageSource of(byte[] bytes) {
        byte[] copy = bytes.clone();
        return new MessageSource() {
            @Override
            public long size() {
                return copy.length;
            }

            @Override
            public InputStream open() {
                return new ByteArrayInputStream(copy);
            }
        };
    }

    static MessageSource of(Path file) {
        return new MessageSource() {
            @Override
            public long size() throws IOException {
                return Files.size(file);
            }

            @Override
            public InputStream open() throws IOException {
                return Files.newInputStream(file);
            }
        };
    }
}
