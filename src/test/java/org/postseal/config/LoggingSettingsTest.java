package org.postseal.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postseal.logging.SyslogTarget;

/** opendkim.conf's Syslog, SyslogFacility and SyslogName, and postseal.logging.syslog in HOCON. */
class LoggingSettingsTest {
    private static final SyslogTarget.Socket DEV_LOG = new SyslogTarget.Socket(Path.of("/dev/log"));

    @TempDir
    Path dir;

    private MilterSettings openDkim(String lines, Map<String, String> environment) {
        Path conf = Fixtures.write(dir, "opendkim.conf", "Socket inet:41100@127.0.0.1\n" + lines);
        return MilterSettings.fromOpenDkim(OpenDkimConf.read(conf, dir), environment);
    }

    private MilterSettings hocon(String text) {
        return MilterSettings.load(Optional.of(Fixtures.write(dir, "postseal.conf", text)), Map.of(), dir);
    }

    @Test
    void withoutSyslogYesLinesStayOnStderr() {
        assertEquals(Optional.empty(), openDkim("", Map.of()).syslog());
        assertEquals(Optional.empty(), openDkim("Syslog no\n", Map.of()).syslog());
    }

    @Test
    void syslogYesIsTheMailFacilityOnDevLogAsInOpenDkim() {
        assertEquals(Optional.of(new SyslogTarget("mail", "postseal", DEV_LOG)),
                openDkim("Syslog yes\n", Map.of()).syslog());
    }

    @Test
    void facilityAndNameAreTakenAnyCase() {
        assertEquals(Optional.of(new SyslogTarget("local3", "opendkim", DEV_LOG)),
                openDkim("Syslog true\nSyslogFacility LOCAL3\nSyslogName opendkim\n", Map.of()).syslog());
    }

    @Test
    void theEnvironmentMayNameAnotherSocket() {
        assertEquals(Optional.of(new SyslogTarget("mail", "postseal", new SyslogTarget.Socket(Path.of("/x/log")))),
                openDkim("Syslog yes\n", Map.of("POSTSEAL_SYSLOG_SOCKET", "/x/log")).syslog());
    }

    @Test
    void anUnknownFacilityIsAnErrorWithFileAndLine() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> openDkim("Syslog yes\nSyslogFacility mial\n", Map.of()));
        assertTrue(e.getMessage().startsWith(dir.resolve("opendkim.conf") + ":3 (SyslogFacility): unknown syslog "
                + "facility 'mial'"), e.getMessage());
    }

    @Test
    void aNameThatWouldBreakTheTagIsAnError() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> openDkim("Syslog yes\nSyslogName post seal\n", Map.of()));
        assertTrue(e.getMessage().startsWith(dir.resolve("opendkim.conf") + ":3 (SyslogName): syslog name"),
                e.getMessage());
    }

    @Test
    void aFacilityWithoutSyslogYesIsAWarning() {
        MilterSettings settings = openDkim("SyslogFacility local3\n", Map.of());
        assertEquals(Optional.empty(), settings.syslog());
        assertTrue(settings.warnings().contains(dir.resolve("opendkim.conf")
                + ":2 (SyslogFacility): no effect without Syslog yes"), settings.warnings().toString());
    }

    @Test
    void hoconSyslogIsOffByDefault() {
        assertEquals(Optional.empty(), hocon("postseal.milter { }\n").syslog());
    }

    @Test
    void hoconSyslogOnTheLocalSocket() {
        assertEquals(Optional.of(new SyslogTarget("mail", "postseal", DEV_LOG)),
                hocon("postseal.logging.syslog.enabled = true\n").syslog());
        assertEquals(Optional.of(new SyslogTarget("daemon", "postseal", new SyslogTarget.Socket(Path.of("/s")))),
                hocon("postseal.logging.syslog { enabled = true, facility = daemon, socket = \"/s\" }\n").syslog());
    }

    @Test
    void hoconSyslogOverUdpWhenAHostIsSet() {
        assertEquals(Optional.of(new SyslogTarget("local3", "mta-dkim", new SyslogTarget.Udp("127.0.0.1", 41101))),
                hocon("postseal.logging.syslog {\n enabled = true\n facility = local3\n name = mta-dkim\n"
                        + " host = \"127.0.0.1\"\n port = 41101\n}\n").syslog());
    }

    @Test
    void hoconBadValuesNameTheFileAndLine() {
        ConfigException facility = assertThrows(ConfigException.class,
                () -> hocon("postseal.logging.syslog {\n enabled = true\n facility = mial\n}\n"));
        assertTrue(facility.getMessage().contains("postseal.conf: 3") && facility.getMessage().contains(
                "unknown syslog facility 'mial'"), facility.getMessage());
        ConfigException port = assertThrows(ConfigException.class,
                () -> hocon("postseal.logging.syslog {\n enabled = true\n host = localhost\n port = 0\n}\n"));
        assertTrue(port.getMessage().contains("postseal.conf: 4") && port.getMessage().contains(
                "syslog port: 0 (expected: 1 to 65535)"), port.getMessage());
    }

    @Test
    void theSmarthostReadsTheSameSection() {
        Fixtures.write(dir, "msmtprc", "account default\nhost 127.0.0.1\n");
        Path conf = Fixtures.write(dir, "smarthost.conf", "postseal.smarthost { msmtprc = msmtprc, domain = "
                + "example.org, selector = mail, key = mail.private }\npostseal.logging.syslog { enabled = true, "
                + "facility = local3 }\n");
        assertEquals(Optional.of(new SyslogTarget("local3", "postseal", DEV_LOG)),
                SmarthostSettings.load(Optional.of(conf), Map.of(), dir).syslog());
    }

    @Test
    void hoconUnknownSettingsAreWarnings() {
        MilterSettings settings = hocon("postseal.logging.syslog.facilty = local3\n");
        assertTrue(settings.warnings().stream().anyMatch(w -> w.endsWith(
                "unknown setting postseal.logging.syslog.facilty ignored")), settings.warnings().toString());
    }
}
