package org.postseal.config;

import java.nio.file.Path;
import org.postseal.files.BoundedFile;

/**
 * Reads the configuration's own files (opendkim.conf and its Includes, tables, msmtp files, HOCON files) through
 * {@link BoundedFile}: a regular file of at most {@link BoundedFile#CONFIG_LIMIT} bytes, or a {@link ConfigException}
 * of one line naming it. A NUL byte is refused with its line. A leading UTF-8 byte-order mark is skipped with a
 * warning naming the file, instead of becoming part of the first entry.
 */
final class ConfigFiles {
    private ConfigFiles() {
    }

    /**
     * The bytes of {@code file}, without a byte-order mark.
     *
     * @param origin where the file is named ({@code opendkim.conf:3 (KeyTable)}); when it is the file itself, the
     *     message is {@code file: problem}, otherwise {@code origin: cannot read file: problem}
     * @param what what the file is, for messages ("table file")
     * @throws ConfigException if the file is missing, unreadable, not a regular file or too large
     */
    static byte[] read(Path file, String origin, String what, Warnings warnings) {
        BoundedFile.Contents contents;
        try {
            contents = BoundedFile.read(file, what, BoundedFile.CONFIG_LIMIT);
        } catch (BoundedFile.Refused e) {
            throw origin.equals(file.toString()) ? ConfigException.at(origin, e.getMessage())
                    : ConfigException.at(origin, "cannot read " + file + ": " + e.getMessage());
        }
        if (contents.byteOrderMark()) {
            warnings.at(file.toString(), "starts with a UTF-8 byte-order mark; skipped");
        }
        refuseNul(file, contents.bytes());
        return contents.bytes();
    }

    /**
     * A NUL byte has no place in a text file and no file name may hold one (Java refuses such a path, C would cut the
     * line short there): the file is refused at the line that holds it, before any value of it reaches a path.
     */
    private static void refuseNul(Path file, byte[] bytes) {
        int line = 1;
        for (byte b : bytes) {
            if (b == 0) {
                throw ConfigException.at(file + ":" + line, "contains a NUL byte (a configuration file is text)");
            }
            if (b == '\n') {
                line++;
            }
        }
    }

    /** {@link #read} as UTF-8 text. */
    static String text(Path file, String origin, String what, Warnings warnings) {
        return new String(read(file, origin, what, warnings), java.nio.charset.StandardCharsets.UTF_8);
    }
}
