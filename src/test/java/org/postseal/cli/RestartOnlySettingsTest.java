package org.postseal.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postseal.config.MilterSettings;
import org.postseal.config.OpenDkimConf;
import org.postseal.config.SmarthostSettings;

/**
 * Syslog is set up once, before the first line; a reload that changes it keeps the running set-up and says in its
 * WARN line that the change needs a restart, as for the socket and the pid file.
 */
class RestartOnlySettingsTest {
    @TempDir
    Path dir;

    private MilterSettings openDkim(String lines) throws IOException {
        Path file = Files.writeString(dir.resolve("opendkim.conf"), "Socket inet:41100@127.0.0.1\nMode v\n" + lines);
        return MilterSettings.fromOpenDkim(OpenDkimConf.read(file), Map.of());
    }

    private SmarthostSettings smarthost(String hocon) throws IOException {
        Path file = Files.writeString(dir.resolve("postseal.conf"), hocon);
        return SmarthostSettings.load(Optional.of(file), Map.of("msmtprc", "msmtprc", "domain", "example.org",
                "selector", "mail", "key", "mail.private"), dir);
    }

    @Test
    void aMilterReloadThatChangesSyslogNeedsARestart() throws IOException {
        MilterSettings stderrOnly = openDkim("");
        MilterSettings syslog = openDkim("Syslog yes\n");
        String needsRestart = "syslog (Syslog, SyslogFacility, SyslogName / postseal.logging.syslog)";

        assertEquals(List.of(), MilterConfiguration.restartOnly(stderrOnly, openDkim("")));
        assertEquals(List.of(needsRestart), MilterConfiguration.restartOnly(stderrOnly, syslog));
        assertEquals(List.of(needsRestart), MilterConfiguration.restartOnly(syslog, stderrOnly));
        assertEquals(List.of(needsRestart), MilterConfiguration.restartOnly(syslog,
                openDkim("Syslog yes\nSyslogFacility local3\n")));
        assertEquals(List.of(), MilterConfiguration.restartOnly(syslog, openDkim("Syslog yes\nSyslogSuccess yes\n")));
    }

    @Test
    void aSmarthostReloadThatChangesSyslogNeedsARestart() throws IOException {
        SmarthostSettings stderrOnly = smarthost("");
        SmarthostSettings syslog = smarthost("postseal.logging.syslog.enabled = true\n");

        assertEquals(List.of(), SmarthostConfiguration.restartOnly(stderrOnly, smarthost("")));
        assertEquals(List.of("postseal.logging.syslog"), SmarthostConfiguration.restartOnly(stderrOnly, syslog));
        assertEquals(List.of("postseal.logging.syslog"), SmarthostConfiguration.restartOnly(syslog,
                smarthost("postseal.logging.syslog { enabled = true, name = opendkim }\n")));
    }
}
