package org.postseal.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The datagram as glibc's syslog(3) writes it, with Postfix's words for warnings and errors. */
class SyslogFormatTest {
    private static final int MAIL = new SyslogTarget("mail", "postseal",
            new SyslogTarget.Udp("localhost", 514)).facilityCode();

    private static String datagram(SyslogFormat format, Level level, String message) {
        return new String(format.datagram(LogEvents.event("org.postseal.milter.MilterSession", level, message, null)),
                StandardCharsets.UTF_8);
    }

    @Test
    void anInformationalLineOnTheLocalSocket() {
        SyslogFormat local = new SyslogFormat(MAIL, "postseal[1234]", Optional.empty(), ZoneOffset.UTC);
        assertEquals("<22>Mar  3 12:00:00 postseal[1234]: 3F2A1C0D: signed from=example.org d=example.org s=mail",
                datagram(local, Level.INFO, "3F2A1C0D: signed from=example.org d=example.org s=mail"),
                "mail (2) * 8 + info (6)");
    }

    @Test
    void warningsAndErrorsAreWordedAsPostfixWordsThem() {
        SyslogFormat local = new SyslogFormat(MAIL, "postseal[1]", Optional.empty(), ZoneOffset.UTC);
        assertEquals("<20>Mar  3 12:00:00 postseal[1]: warning: Q: not signed: why",
                datagram(local, Level.WARN, "Q: not signed: why"));
        assertEquals("<19>Mar  3 12:00:00 postseal[1]: error: boom", datagram(local, Level.ERROR, "boom"));
        assertEquals("<23>Mar  3 12:00:00 postseal[1]: debug: detail", datagram(local, Level.DEBUG, "detail"));
    }

    @Test
    void overTheNetworkTheHostNameFollowsTheTime() {
        int local3 = new SyslogTarget("local3", "postseal", new SyslogTarget.Udp("localhost", 514)).facilityCode();
        SyslogFormat udp = new SyslogFormat(local3, "postseal[7]", Optional.of("mx1"), ZoneOffset.UTC);
        assertEquals("<158>Mar  3 12:00:00 mx1 postseal[7]: hello", datagram(udp, Level.INFO, "hello"),
                "local3 (19) * 8 + info (6)");
    }

    @Test
    void theMessageIsEscapedAndCut() {
        SyslogFormat local = new SyslogFormat(MAIL, "postseal[1]", Optional.empty(), ZoneOffset.UTC);
        assertEquals("<22>Mar  3 12:00:00 postseal[1]: a\\nb\\x00", datagram(local, Level.INFO, "a\nb\u0000"));
        String line = datagram(local, Level.INFO, "x".repeat(10_000));
        assertTrue(line.endsWith("x..."), line);
        assertEquals(SyslogFormat.MAX_TEXT + 3, line.length() - line.indexOf(": ") - 2);
    }
}
