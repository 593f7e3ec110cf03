package org.postseal.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import ch.qos.logback.core.spi.ContextAwareBase;
import ch.qos.logback.core.status.Status;
import ch.qos.logback.core.status.StatusListener;
import java.util.Locale;

/**
 * Logback's configuration, in code rather than in a {@code logback.xml}: Logback finds this class through
 * {@link java.util.ServiceLoader} ({@code META-INF/services/ch.qos.logback.classic.spi.Configurator}) the first time
 * something logs, and then reads no file at all (Joran's XML parsing would cost start-up time for nothing).
 *
 * <p>One appender, {@value #STDERR}, writes {@link StderrLayout}'s lines to stderr. The level is the system property
 * {@value #LEVEL_PROPERTY} ({@code debug}, {@code info}, {@code warn}, {@code error}; default {@code info}); the
 * command line sets it before anything logs. {@link Logs#toSyslog} adds syslog later, once the configuration is read.
 * (No {@code @ConfiguratorRank}: it is the only configurator, and reading an annotation costs start-up time too.)
 */
public final class LogConfigurator extends ContextAwareBase implements Configurator {
    /** The system property that sets the level of every logger. */
    public static final String LEVEL_PROPERTY = "postseal.log.level";
    /** The name of the stderr appender. */
    static final String STDERR = "stderr";

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        // Logback's own warnings and errors on stderr as they happen; with a listener, Logback also skips its status
        // printer at start-up, whose date formatter loads the time-zone rules for nothing
        context.getStatusManager().add((StatusListener) LogConfigurator::status);

        LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
        encoder.setContext(context);
        StderrLayout layout = new StderrLayout();
        layout.setContext(context);
        layout.start();
        encoder.setLayout(layout);
        encoder.start();

        ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
        stderr.setContext(context);
        stderr.setName(STDERR);
        stderr.setTarget("System.err");
        stderr.setEncoder(encoder);
        stderr.start();

        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.detachAndStopAllAppenders();
        root.addAppender(stderr);
        root.setLevel(level(System.getProperty(LEVEL_PROPERTY)));
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    /** A warning or an error of Logback's own (an appender that failed, say), as a line on stderr. */
    private static void status(Status status) {
        if (status.getEffectiveLevel() >= Status.WARN) {
            System.err.print((status.getEffectiveLevel() >= Status.ERROR ? "ERROR" : "WARN") + " logging: "
                    + LogText.escape(status.getMessage() + (status.getThrowable() == null ? ""
                            : ": " + status.getThrowable())) + "\n");
        }
    }

    /** The level named, INFO when unset or unknown. */
    static Level level(String name) {
        return name == null ? Level.INFO : Level.toLevel(name.strip().toUpperCase(Locale.ROOT), Level.INFO);
    }
}
