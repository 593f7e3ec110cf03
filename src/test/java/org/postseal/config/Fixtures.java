package org.postseal.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** The files under {@code src/test/resources/config}, copied where a test needs them. */
final class Fixtures {
    private Fixtures() {
    }

    static String text(String name) {
        try (InputStream in = Fixtures.class.getResourceAsStream("/config/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no fixture " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Copies a fixture to {@code dir}, replacing every {@code /etc/opendkim/} with {@code dir}. */
    static Path copy(String name, Path dir) {
        String target = name.substring(name.lastIndexOf('/') + 1);
        return write(dir, target, text(name).replace("/etc/opendkim/", dir + "/"));
    }

    static Path write(Path dir, String name, String contents) {
        try {
            Path file = dir.resolve(name);
            Files.createDirectories(file.getParent());
            Files.writeString(file, contents, StandardCharsets.UTF_8);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
