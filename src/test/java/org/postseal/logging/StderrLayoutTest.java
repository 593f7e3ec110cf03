package org.postseal.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import org.junit.jupiter.api.Test;

/** stderr's line: level, component, message; whatever the caller passed, one event cannot forge a line. */
class StderrLayoutTest {
    private final StderrLayout layout = new StderrLayout();

    @Test
    void levelComponentMessage() {
        assertEquals("INFO milter: 3F2A: signed from=example.org d=example.org s=mail a=rsa-sha256\n",
                layout.doLayout(LogEvents.event("org.postseal.milter.MilterSession", Level.INFO, "{}",
                        null, "3F2A: signed from=example.org d=example.org s=mail a=rsa-sha256")));
        assertEquals("WARN config: f:1: x\n", layout.doLayout(LogEvents.event("org.postseal.config.Warnings",
                Level.WARN, "f:1: x", null)));
    }

    @Test
    void theComponentIsThePostsealPackageOrTheLibrarysLogger() {
        assertEquals("dkim", StderrLayout.component("org.postseal.dkim.canon.RelaxedBodyCanonicalizer"));
        assertEquals("cli", StderrLayout.component("org.postseal.cli.MilterDaemonCommand"));
        assertEquals("io.netty.util.ResourceLeakDetector",
                StderrLayout.component("io.netty.util.ResourceLeakDetector"));
    }

    @Test
    void aMessageThatForgotLogTextIsEscapedAllTheSame() {
        String line = layout.doLayout(LogEvents.event("org.postseal.smtp.SmtpSession", Level.INFO,
                "reply: {}", null, "250 ok\r\nINFO milter: 4F00: signed \u001b[2J"));
        assertEquals("INFO smtp: reply: 250 ok\\r\\nINFO milter: 4F00: signed \\x1b[2J\n", line);
    }

    @Test
    void aStackTraceFollowsOnIndentedLinesItsMessagesEscaped() {
        Exception cause = new IllegalStateException("inner\nINFO forged");
        String text = layout.doLayout(LogEvents.event("org.postseal.milter.MilterSession", Level.ERROR,
                "Q1: internal error", new RuntimeException("outer", cause)));
        String[] lines = text.split("\n");
        assertEquals("ERROR milter: Q1: internal error", lines[0]);
        assertEquals("\tjava.lang.RuntimeException: outer", lines[1]);
        for (int i = 1; i < lines.length; i++) {
            assertTrue(lines[i].startsWith("\t"), "line " + i + " is part of the trace: " + lines[i]);
        }
        assertTrue(text.contains("\tcaused by java.lang.IllegalStateException: inner\\nINFO forged\n"), text);
    }
}
