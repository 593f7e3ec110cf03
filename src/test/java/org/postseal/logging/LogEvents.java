package org.postseal.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;

/** Logging events for the layout and appender tests, made without touching the process's logging. */
final class LogEvents {
    private static final LoggerContext CONTEXT = new LoggerContext();

    private LogEvents() {
    }

    static LoggingEvent event(String logger, Level level, String message, Throwable error, Object... arguments) {
        LoggingEvent event = new LoggingEvent(LogEvents.class.getName(), CONTEXT.getLogger(logger), level, message,
                error, arguments);
        event.setTimeStamp(1_709_467_200_000L); // 2024-03-03T12:00:00Z
        return event;
    }

    static LoggerContext context() {
        return CONTEXT;
    }
}
