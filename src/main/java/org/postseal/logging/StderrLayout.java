package org.postseal.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.StackTraceElementProxy;
import ch.qos.logback.core.LayoutBase;

/**
 * The line written on stderr: level, component, message, and nothing of the JVM (no thread, no class name, no
 * timestamp: journald and the terminal add their own). The component is the postseal package that logged
 * ({@code milter}, {@code smarthost}, {@code config}...), or the logger's full name for a library.
 *
 * <pre>
 * INFO milter: 3F2A1C0D: signed from=example.org d=example.org s=mail a=rsa-sha256
 * WARN config: /etc/opendkim.conf:12: LogWhy is ignored: ...
 * </pre>
 *
 * <p>The whole message is escaped with {@link LogText}, whatever the caller did, so that no text from outside can
 * start a line of its own or send a terminal escape; an exception's stack trace follows on lines that begin with a
 * tab, its messages escaped too.
 */
public final class StderrLayout extends LayoutBase<ILoggingEvent> {
    private static final String PREFIX = "org.postseal.";

    @Override
    public String doLayout(ILoggingEvent event) {
        StringBuilder line = new StringBuilder(128).append(event.getLevel()).append(' ')
                .append(component(event.getLoggerName())).append(": ")
                .append(LogText.escape(event.getFormattedMessage())).append('\n');
        for (IThrowableProxy t = event.getThrowableProxy(); t != null; t = t.getCause()) {
            line.append(t == event.getThrowableProxy() ? "\t" : "\tcaused by ")
                    .append(LogText.escape(t.getClassName()));
            if (t.getMessage() != null) {
                line.append(": ").append(LogText.escape(t.getMessage()));
            }
            line.append('\n');
            StackTraceElementProxy[] frames = t.getStackTraceElementProxyArray();
            for (int i = 0; i < frames.length - t.getCommonFrames(); i++) {
                line.append("\tat ").append(LogText.escape(frames[i].getStackTraceElement().toString())).append('\n');
            }
        }
        return line.toString();
    }

    /** {@code org.postseal.milter.MilterSession} is {@code milter}; a library's logger keeps its name. */
    static String component(String loggerName) {
        if (loggerName.startsWith(PREFIX)) {
            int dot = loggerName.indexOf('.', PREFIX.length());
            return dot < 0 ? loggerName.substring(PREFIX.length()) : loggerName.substring(PREFIX.length(), dot);
        }
        return loggerName;
    }
}
