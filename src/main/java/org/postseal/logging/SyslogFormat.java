package org.postseal.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.util.LevelToSyslogSeverity;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Optional;

/**
 * One log line as a syslog datagram, in the traditional (RFC 3164) form glibc's syslog(3) sends:
 * {@code <PRI>Mmm dd hh:mm:ss postseal[PID]: text}, with the host name after the time when the line goes over the
 * network (a local socket's daemon knows the host). The text is the message as Postfix writes its own: nothing
 * before an informational line, {@code warning: }, {@code error: } or {@code debug: } before the others, so that
 * {@code grep warning: /var/log/mail.log} finds postseal's warnings beside Postfix's. The message is escaped
 * ({@link LogText}) and cut at {@value #MAX_TEXT} characters; an exception's stack trace stays on stderr.
 */
final class SyslogFormat {
    /** rsyslog's default maximum message size is 8 KiB; 2,000 characters of UTF-8 stay well within it. */
    static final int MAX_TEXT = 2000;
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("MMM ppd HH:mm:ss", Locale.ROOT);

    private final int facility;
    private final String tag;
    private final Optional<String> hostName;
    private final ZoneId zone;

    /**
     * @param facility the facility code, shifted ({@link SyslogTarget#facilityCode()})
     * @param tag the program name and process id: {@code postseal[1234]}
     * @param hostName written after the time (for the network), or empty (for the local socket)
     */
    SyslogFormat(int facility, String tag, Optional<String> hostName, ZoneId zone) {
        this.facility = facility;
        this.tag = tag;
        this.hostName = hostName;
        this.zone = zone;
    }

    byte[] datagram(ILoggingEvent event) {
        int priority = facility + LevelToSyslogSeverity.convert(event);
        StringBuilder line = new StringBuilder(160).append('<').append(priority).append('>')
                .append(TIME.format(Instant.ofEpochMilli(event.getTimeStamp()).atZone(zone))).append(' ');
        hostName.ifPresent(h -> line.append(h).append(' '));
        line.append(tag).append(": ").append(text(event));
        return line.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** {@code warning: message}, as Postfix words it; the message alone at INFO. */
    static String text(ILoggingEvent event) {
        String message = LogText.escape(event.getFormattedMessage());
        if (message.length() > MAX_TEXT) {
            message = message.substring(0, MAX_TEXT) + "...";
        }
        Level level = event.getLevel();
        if (level.isGreaterOrEqual(Level.ERROR)) {
            return "error: " + message;
        } else if (level.isGreaterOrEqual(Level.WARN)) {
            return "warning: " + message;
        } else if (level.isGreaterOrEqual(Level.INFO)) {
            return message;
        }
        return "debug: " + message;
    }
}
