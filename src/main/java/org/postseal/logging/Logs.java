package org.postseal.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.filter.ThresholdFilter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.ZoneId;
import java.util.Optional;
import org.slf4j.LoggerFactory;

/**
 * What the command line changes in the logging that {@link LogConfigurator} set up, once it has read the
 * configuration: syslog, when opendkim.conf says {@code Syslog yes} or postseal's configuration
 * {@code postseal.logging.syslog.enabled = true}.
 */
public final class Logs {
    /** The name of the syslog appender. */
    static final String SYSLOG = "syslog";

    private Logs() {
    }

    /**
     * From now on every line also goes to syslog, and stderr keeps only warnings and errors (the journal forwards
     * stderr to syslog too: each line would be there twice).
     *
     * @throws IllegalStateException if postseal's Logback set-up is not in use, or the local socket needs a
     *     transport this machine lacks
     * @throws IllegalArgumentException if the UDP host does not resolve
     * @throws java.io.UncheckedIOException if no socket can be opened
     */
    public static void toSyslog(SyslogTarget target) {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            throw new IllegalStateException("syslog: the logger is not Logback but "
                    + LoggerFactory.getILoggerFactory().getClass().getName());
        }
        DatagramSink sink;
        Optional<String> hostName;
        if (target.address() instanceof SyslogTarget.Socket socket) {
            sink = new UnixSocketSink(socket);
            hostName = Optional.empty();
        } else {
            sink = new UdpSink((SyslogTarget.Udp) target.address());
            hostName = Optional.of(hostName());
        }
        SyslogFormat format = new SyslogFormat(target.facilityCode(),
                target.name() + "[" + ProcessHandle.current().pid() + "]", hostName, ZoneId.systemDefault());
        SyslogAppender syslog = new SyslogAppender(format, sink, target.address().toString());
        syslog.setContext(context);
        syslog.setName(SYSLOG);
        syslog.start();
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        Appender<ILoggingEvent> stderr = root.getAppender(LogConfigurator.STDERR);
        if (stderr != null) {
            ThresholdFilter warnings = new ThresholdFilter();
            warnings.setLevel(Level.WARN.levelStr);
            warnings.start();
            stderr.addFilter(warnings);
        }
        Appender<ILoggingEvent> earlier = root.getAppender(SYSLOG);
        root.addAppender(syslog);
        if (earlier != null) {
            root.detachAppender(earlier);
            earlier.stop();
        }
    }

    /** This machine's name without its domain, as syslog daemons write it; "localhost" when it has none. */
    private static String hostName() {
        try {
            String name = InetAddress.getLocalHost().getHostName();
            int dot = name.indexOf('.');
            return name.isEmpty() || name.contains(" ") ? "localhost" : dot > 0 ? name.substring(0, dot) : name;
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }
}
