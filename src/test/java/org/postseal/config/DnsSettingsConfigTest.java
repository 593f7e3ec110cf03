package org.postseal.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postseal.dns.DnsSettings;
import org.postseal.dns.NameServer;

/** {@code postseal.milter.dns} and opendkim.conf's {@code Nameservers} and {@code DNSTimeout}, read into one value. */
class DnsSettingsConfigTest {
    private static final String SOCKET = "Socket local:/run/opendkim/opendkim.sock\n";

    @TempDir
    Path dir;

    private MilterSettings openDkim(String text) {
        return MilterSettings.fromOpenDkim(OpenDkimConf.read(Fixtures.write(dir, "opendkim.conf", SOCKET + text), dir));
    }

    private MilterSettings hocon(String text) {
        return MilterSettings.load(Optional.of(Fixtures.write(dir, "postseal.conf", text)), Map.of(), dir);
    }

    @Test
    void defaultsAreTheSystemResolverTenSecondsAndACacheOf4096Names() {
        assertEquals(DnsSettings.DEFAULTS, hocon("").dns());
        assertEquals(DnsSettings.DEFAULTS, openDkim("").dns());
        assertEquals(new DnsSettings(List.of(), Duration.ofSeconds(10), 4096), DnsSettings.DEFAULTS);
    }

    @Test
    void hoconTakesServersWithPortsATimeoutAndACacheSize() {
        DnsSettings dns = hocon("postseal.milter.dns { nameservers = [\"127.0.0.1:5353\", \"[::1]:53\", \"192.0.2.1\"]"
                + ", timeout = 2500ms, cache-size = 10 }").dns();
        assertEquals(List.of(NameServer.parse("127.0.0.1:5353"), NameServer.parse("[::1]"),
                NameServer.parse("192.0.2.1:53")), dns.nameservers());
        assertEquals(Duration.ofMillis(2500), dns.timeout());
        assertEquals(10, dns.cacheSize());
    }

    @Test
    void hoconErrorsNameTheFileAndSetting() {
        ConfigException bad = assertThrows(ConfigException.class,
                () -> hocon("postseal.milter.dns.nameservers = [\"dns.example.com\"]\n"));
        assertTrue(bad.getMessage().contains("postseal.conf: 1"), bad.getMessage());
        assertTrue(bad.getMessage().contains("name server: dns.example.com"), bad.getMessage());
        ConfigException unknown = assertThrows(ConfigException.class,
                () -> hocon("postseal.milter.dns.retries = 3\n"));
        assertTrue(unknown.getMessage().contains("unknown setting postseal.milter.dns.retries"), unknown.getMessage());
        assertThrows(ConfigException.class, () -> hocon("postseal.milter.dns.timeout = 0s\n"));
    }

    @Test
    void openDkimTakesItsCommaSeparatedNameserversWithOrWithoutPortsAndDnsTimeoutInSeconds() {
        MilterSettings settings = openDkim("Nameservers 127.0.0.1,192.0.2.1:5353, [2001:db8::1]:53\nDNSTimeout 3\n");
        assertEquals(List.of(NameServer.parse("127.0.0.1"), NameServer.parse("192.0.2.1:5353"),
                NameServer.parse("2001:db8::1")), settings.dns().nameservers());
        assertEquals(Duration.ofSeconds(3), settings.dns().timeout());
        assertFalse(settings.warnings().stream().anyMatch(w -> w.contains("Nameservers") || w.contains("DNSTimeout")),
                settings.warnings().toString());
    }

    @Test
    void openDkimErrorsNameTheLine() {
        ConfigException bad = assertThrows(ConfigException.class, () -> openDkim("Nameservers 127.0.0.1,ns1\n"));
        assertTrue(bad.getMessage().contains("opendkim.conf:2"), bad.getMessage());
        assertTrue(bad.getMessage().contains("name server: ns1"), bad.getMessage());
        assertThrows(ConfigException.class, () -> openDkim("DNSTimeout 0\n"));
    }
}
