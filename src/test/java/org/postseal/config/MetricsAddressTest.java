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

class MetricsAddressTest {
    @TempDir
    Path dir;

    @Test
    void aPortAloneIsLoopbackAndOtherHostsAreWrittenOut() {
        assertEquals(new MetricsAddress("127.0.0.1", 9891), MetricsAddress.parse("9891"));
        assertEquals(new MetricsAddress("localhost", 9891), MetricsAddress.parse("localhost:9891"));
        assertEquals(new MetricsAddress("0.0.0.0", 9891), MetricsAddress.parse(" 0.0.0.0:9891 "));
        assertEquals(new MetricsAddress("::1", 9891), MetricsAddress.parse("[::1]:9891"));
        assertEquals("[::1]:9891", MetricsAddress.parse("[::1]:9891").toString());
    }

    @Test
    void badAddressesAreRefusedWithAReason() {
        for (String bad : new String[] {"", ":9891", "host:", "host:0", "host:65536", "host:http", "::1:9891",
            "[::1]9891", "[::1"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MetricsAddress.parse(bad),
                    bad);
            assertTrue(e.getMessage().length() > 10, e.getMessage());
        }
    }

    @Test
    void theMilterReadsMetricsListenAndIsOffWithout() throws Exception {
        Path conf = Files.writeString(dir.resolve("postseal.conf"), "postseal.milter.metrics.listen = \"9891\"\n");
        assertEquals(Optional.of(new MetricsAddress("127.0.0.1", 9891)),
                MilterSettings.load(Optional.of(conf), Map.of(), dir).metricsListen());
        assertEquals(Optional.empty(), MilterSettings.load(Optional.empty(), Map.of(), dir).metricsListen());
        assertEquals(Optional.of(new MetricsAddress("::1", 9)), MilterSettings.load(Optional.empty(),
                Map.of("POSTSEAL_MILTER_METRICS_LISTEN", "[::1]:9"), dir).metricsListen());
    }

    @Test
    void aBadAddressOrSettingNamesFileAndLine() throws Exception {
        Path conf = Files.writeString(dir.resolve("postseal.conf"),
                "postseal.milter {\n  metrics {\n    listen = \"127.0.0.1:99999\"\n  }\n}\n");
        ConfigException e = assertThrows(ConfigException.class,
                () -> MilterSettings.load(Optional.of(conf), Map.of(), dir));
        assertTrue(e.getMessage().contains("postseal.conf: 3") && e.getMessage().contains("metrics.listen"),
                e.getMessage());
        Path typo = Files.writeString(dir.resolve("typo.conf"), "postseal.milter.metrics.lisen = \"9891\"\n");
        e = assertThrows(ConfigException.class, () -> MilterSettings.load(Optional.of(typo), Map.of(), dir));
        assertTrue(e.getMessage().contains("typo.conf: 1") && e.getMessage().contains("metrics.lisen"),
                e.getMessage());
    }

    @Test
    void theSmarthostReadsItsOwnSection() throws Exception {
        Path msmtprc = Files.writeString(dir.resolve("msmtprc"), "account default\nhost 127.0.0.1\n");
        Path key = dir.resolve("k.private");
        Files.writeString(key, "unused");
        Path conf = Files.writeString(dir.resolve("smarthost.conf"), String.join("\n",
                "postseal.smarthost {",
                "  msmtprc = \"" + msmtprc + "\"",
                "  domain = example.org, selector = mail, key = \"" + key + "\"",
                "  metrics.listen = \"127.0.0.1:9892\"",
                "}") + "\n");
        assertEquals(Optional.of(new MetricsAddress("127.0.0.1", 9892)),
                SmarthostSettings.load(Optional.of(conf), Map.of(), dir).metricsListen());
        assertEquals(Optional.of(new MetricsAddress("127.0.0.1", 9893)),
                SmarthostSettings.load(Optional.of(conf), Map.of("metrics.listen", "9893"), dir).metricsListen(),
                "the command line wins");
    }
}
