package org.postseal.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import ch.qos.logback.core.spi.ContextAwareBase;
import java.util.Locale;

/**
 * Logback's configuration, in code rather than in a {@code logback.xml}: Logback finds this class through
 * {@link java.util.ServiceLoader} ({@code META-INF/services/ch.qos.logback.classic.spi.Configurator}) the first time
 * something logs, and then reads no file at all (Joran's XML parsing would cost start-up time for nothing).
 *
 * <p>One appender, {@value #STDERR}, writes {@link StderrLayout}'s lines to stderr. The level is the system property
 * {@value #LEVEL_PROPERTY} ({@code debug}, {@code info}, {@code warn}, {@code error}; default {@code info}); the
 * command line sets it before anything logs. {@link Logs#toSyslog} adds syslog later, once the configuration is read.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_HIGH_PRIORITY)
public final class LogConfigurator extends ContextAwareBase implements Configurator {
    /** The system property that sets the level of every logger. */
    public static final String LEVEL_PROPERTY = "postseal.log.level";
    /** The name of the stderr appender. */
    static final String STDERR = "stderr";

    @Override
    public ExecutionStatus configure(LoggerContext context) {
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

    /** The level named, INFO when unset or unknown. */
    static Level level(String name) {
        return name == null ? Level.INFO : Level.toLevel(name.strip().toUpperCase(Locale.ROOT), Level.INFO);
    }
}
