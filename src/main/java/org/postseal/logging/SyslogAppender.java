package org.postseal.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Sends each line to syslog ({@link SyslogFormat}) through a {@link DatagramSink}. A line syslog does not take (no
 * daemon on the socket, a full buffer) is not lost: it goes to stderr instead, after one warning saying so, and a
 * note on stderr says when syslog takes lines again.
 */
final class SyslogAppender extends AppenderBase<ILoggingEvent> {
    private final SyslogFormat format;
    private final DatagramSink sink;
    private final String where;
    private final StderrLayout fallback = new StderrLayout();
    private final AtomicBoolean failing = new AtomicBoolean();

    /**
     * @param where the daemon's address, for the warning when it cannot be reached
     */
    SyslogAppender(SyslogFormat format, DatagramSink sink, String where) {
        this.format = Objects.requireNonNull(format, "format");
        this.sink = Objects.requireNonNull(sink, "sink");
        this.where = Objects.requireNonNull(where, "where");
    }

    @Override
    protected void append(ILoggingEvent event) {
        byte[] datagram = format.datagram(event);
        sink.send(datagram, failure -> done(event, failure));
    }

    private void done(ILoggingEvent event, Throwable failure) {
        if (failure == null) {
            if (failing.compareAndSet(true, false)) {
                System.err.print("INFO logging: syslog at " + where + " takes lines again\n");
            }
            return;
        }
        StringBuilder text = new StringBuilder();
        if (failing.compareAndSet(false, true)) {
            text.append("WARN logging: cannot send to syslog at ").append(where).append(": ")
                    .append(LogText.escape(String.valueOf(failure.getMessage())))
                    .append("; lines go to stderr until it takes them again\n");
        }
        System.err.print(text.append(fallback.doLayout(event)));
    }

    @Override
    public void stop() {
        super.stop();
        sink.close();
    }
}
