package org.postseal.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bounds added for issue 12 read from postseal.conf: {@code postseal.milter.limits.max-header-fields},
 * {@code postseal.milter.shutdown-timeout} and {@code postseal.smarthost.max-submissions}, their defaults, and a bad
 * value named with file and line.
 */
class BoundSettingsTest {
    @TempDir
    Path dir;

    @Test
    void maxHeaderFieldsDefaultsToAThousandAndIsRead() throws Exception {
        assertEquals(1000, MilterSettings.load(Optional.empty(), Map.of(), dir).limits().maxHeaderFields());
        Path conf = Files.writeString(dir.resolve("postseal.conf"), "postseal.milter.limits.max-header-fields = 250\n");
        assertEquals(250, MilterSettings.load(Optional.of(conf), Map.of(), dir).limits().maxHeaderFields());
    }

    @Test
    void aMaxHeaderFieldsBelowOneNamesFileAndLine() throws Exception {
        Path conf = Files.writeString(dir.resolve("postseal.conf"),
                "postseal.milter {\n  limits {\n    max-header-fields = 0\n  }\n}\n");
        ConfigException e = assertThrows(ConfigException.class,
                () -> MilterSettings.load(Optional.of(conf), Map.of(), dir));
        assertTrue(e.getMessage().contains("postseal.conf: 3") && e.getMessage().contains("max-header-fields"),
                e.getMessage());
    }

    @Test
    void shutdownTimeoutDefaultsToThirtySecondsIsReadAndMustBePositive() throws Exception {
        assertEquals(java.time.Duration.ofSeconds(30),
                MilterSettings.load(Optional.empty(), Map.of(), dir).shutdownTimeout());
        Path conf = Files.writeString(dir.resolve("postseal.conf"), "postseal.milter.shutdown-timeout = 2m\n");
        assertEquals(java.time.Duration.ofMinutes(2),
                MilterSettings.load(Optional.of(conf), Map.of(), dir).shutdownTimeout());
        Path bad = Files.writeString(dir.resolve("bad.conf"), "postseal.milter {\n  shutdown-timeout = 0s\n}\n");
        ConfigException e = assertThrows(ConfigException.class,
                () -> MilterSettings.load(Optional.of(bad), Map.of(), dir));
        assertTrue(e.getMessage().contains("bad.conf: 2") && e.getMessage().contains("shutdown-timeout"),
                e.getMessage());
    }

    @Test
    void maxSubmissionsDefaultsTo256AndIsReadAndCheckedWithFileAndLine() throws Exception {
        Path msmtprc = Files.writeString(dir.resolve("msmtprc"), "account default\nhost 127.0.0.1\n");
        Path key = Files.writeString(dir.resolve("k.private"), "unused");
        String section = "postseal.smarthost {\n  msmtprc = \"" + msmtprc + "\"\n  domain = example.org, selector = s,"
                + " key = \"" + key + "\"\n";
        Path defaults = Files.writeString(dir.resolve("defaults.conf"), section + "}\n");
        assertEquals(256, SmarthostSettings.load(Optional.of(defaults), Map.of(), dir).maxSubmissions());
        Path set = Files.writeString(dir.resolve("set.conf"), section + "  max-submissions = 32\n}\n");
        assertEquals(32, SmarthostSettings.load(Optional.of(set), Map.of(), dir).maxSubmissions());
        Path bad = Files.writeString(dir.resolve("bad.conf"), section + "  max-submissions = 0\n}\n");
        ConfigException e = assertThrows(ConfigException.class,
                () -> SmarthostSettings.load(Optional.of(bad), Map.of(), dir));
        assertTrue(e.getMessage().contains("bad.conf: 4") && e.getMessage().contains("max-submissions = 0 (expected: 1-65536)"),
                e.getMessage());
    }
}
