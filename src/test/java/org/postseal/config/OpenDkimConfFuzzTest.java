package org.postseal.config;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.postseal.fuzz.FuzzSupport;

/**
 * Fuzzes {@code opendkim.conf} all the way to the milter's settings, as {@code postseal milter --opendkim-conf} reads
 * it: the file ({@link OpenDkimConf}), then its options, data sets and the files they name
 * ({@link MilterSettings#fromOpenDkim}). A refusal is a {@link ConfigException} whose message starts with the file
 * it is about ({@code /path/opendkim.conf:12: ...}), which the CLI turns into exit 78; no other exception escapes; and
 * every warning names a file too.
 */
@Timeout(10)
class OpenDkimConfFuzzTest {
    @TempDir
    static Path dir;

    @FuzzTest(maxDuration = "30s")
    void conf(byte[] input) throws IOException {
        Path file = dir.resolve("opendkim.conf");
        Files.write(file, input);
        MilterSettings settings;
        try {
            OpenDkimConf conf = OpenDkimConf.read(file, dir);
            for (String warning : conf.warnings()) {
                assertTrue(warning.startsWith("/"), () -> "a warning without its file: " + warning);
            }
            settings = MilterSettings.fromOpenDkim(conf);
        } catch (ConfigException e) {
            FuzzSupport.explained(e);
            assertTrue(e.getMessage().startsWith("/"), () -> "an error without its file: " + e.getMessage());
            return;
        }
        for (String warning : settings.warnings()) {
            assertTrue(warning.startsWith("/"), () -> "a warning without its file: " + warning);
        }
    }
}
