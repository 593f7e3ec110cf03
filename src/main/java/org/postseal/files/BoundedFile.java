package org.postseal.files;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;

/**
 * Reads a file named by a configuration or a command line (a key, a table, an included file) only if it is what such
 * a file must be: a regular file (after following links) of bounded size. {@code /dev/zero} would otherwise fill the
 * heap and a FIFO would block start-up for ever; checking the type reads attributes only, which never blocks, and the
 * read itself stops one byte past the bound in case the file grows meanwhile. A leading UTF-8 byte-order mark is
 * removed and reported, so that the caller can warn about it.
 *
 * <p>Every file postseal reads from its configuration goes through here; the limits are documented in
 * docs/CONFIGURATION.md.
 */
public final class BoundedFile {
    /** The largest private key file: keys are a few kilobytes. */
    public static final long KEY_LIMIT = 64 * 1024;
    /** The largest configuration file, table or included file. */
    public static final long CONFIG_LIMIT = 16L * 1024 * 1024;

    private static final byte[] BYTE_ORDER_MARK = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};

    private BoundedFile() {
    }

    /**
     * What was read.
     *
     * @param bytes the contents, without a leading byte-order mark
     * @param byteOrderMark whether the file started with a UTF-8 byte-order mark (removed)
     */
    public record Contents(byte[] bytes, boolean byteOrderMark) {
        public Contents {
            Objects.requireNonNull(bytes, "bytes");
        }

        /** The contents as UTF-8 text. */
        public String text() {
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }

    /**
     * Reads {@code file}.
     *
     * @param what what the file should be, for messages: "key file", "table file"...
     * @param maxBytes the largest size accepted
     * @throws Refused naming the problem in a few words (without the file name): no such file, not a regular file,
     *     too large, permission denied, an I/O error
     */
    public static Contents read(Path file, String what, long maxBytes) throws Refused {
        byte[] bytes;
        try {
            if (!Files.exists(file)) {
                throw new Refused("no such file");
            }
            if (!Files.isRegularFile(file)) {
                throw new Refused(Files.isDirectory(file) ? "is a directory, not a " + what
                        : "is not a regular file (a device, FIFO or socket), not a " + what);
            }
            long size = Files.size(file);
            if (size > maxBytes) {
                throw new Refused(tooLarge(size, what));
            }
            try (InputStream in = Files.newInputStream(file)) {
                bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
            }
        } catch (NoSuchFileException e) {
            throw new Refused("no such file");
        } catch (AccessDeniedException e) {
            throw new Refused("permission denied");
        } catch (FileSystemException e) {
            throw new Refused("cannot be read (" + Objects.requireNonNullElse(e.getReason(),
                    e.getClass().getSimpleName()) + ")");
        } catch (IOException e) {
            throw new Refused("cannot be read (" + Objects.requireNonNullElse(e.getMessage(),
                    e.getClass().getSimpleName()) + ")");
        }
        if (bytes.length > maxBytes) {
            throw new Refused(tooLarge(bytes.length, what));
        }
        boolean mark = bytes.length >= 3 && Arrays.equals(bytes, 0, 3, BYTE_ORDER_MARK, 0, 3);
        return new Contents(mark ? Arrays.copyOfRange(bytes, 3, bytes.length) : bytes, mark);
    }

    private static String tooLarge(long size, String what) {
        return "is " + size + " bytes, too large for a " + what;
    }

    /** The file cannot be used; the message says why in a few words, without the file name. */
    public static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;

        Refused(String reason) {
            super(reason);
        }
    }
}
