package org.postseal.logging;

import ch.qos.logback.core.net.SyslogAppenderBase;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;

/**
 * Where and how postseal's lines go to syslog: the facility (OpenDKIM's {@code SyslogFacility}), the program name
 * the lines carry ({@code SyslogName}, {@code postseal[PID]:}), and the syslog daemon's address.
 *
 * @param facility the facility name as syslog.conf spells it: mail, daemon, user, local0 ... local7 (any case)
 * @param name the program name the lines carry
 * @param address the local syslog socket or a UDP address
 */
public record SyslogTarget(String facility, String name, Address address) {
    /** The local syslog socket on Linux, where syslog(3) writes. */
    public static final Path DEV_LOG = Path.of("/dev/log");

    /**
     * @throws IllegalArgumentException if the facility is unknown or the name is empty or holds a blank, a colon or
     *     a bracket (it would end the syslog tag early)
     */
    public SyslogTarget {
        facility = Objects.requireNonNull(facility, "facility").strip().toLowerCase(Locale.ROOT);
        facilityCode(facility);
        Objects.requireNonNull(name, "name");
        if (name.isEmpty() || !name.matches("[\\x21-\\x7e&&[^:\\[\\]]]{1,32}")) {
            throw new IllegalArgumentException("syslog name '" + LogText.escape(name) + "' (expected: 1 to 32 "
                    + "printable characters, no blank, colon or bracket)");
        }
        Objects.requireNonNull(address, "address");
    }

    /** The facility's code, already shifted as syslog(3) takes it ({@code LOG_MAIL} is 16). */
    public int facilityCode() {
        return facilityCode(facility);
    }

    private static int facilityCode(String facility) {
        try {
            return SyslogAppenderBase.facilityStringToint(facility.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown syslog facility '" + LogText.escape(facility)
                    + "' (expected: mail, daemon, user, auth, authpriv, local0 ... local7, ...)");
        }
    }

    /** Where the syslog daemon listens. */
    public sealed interface Address {
    }

    /**
     * A unix datagram socket, as syslog(3) uses: {@code /dev/log} on Linux, which rsyslog (imuxsock) and
     * systemd-journald serve.
     */
    public record Socket(Path path) implements Address {
        public Socket {
            Objects.requireNonNull(path, "path");
        }

        @Override
        public String toString() {
            return path.toString();
        }
    }

    /** UDP to a syslog daemon's network input (rsyslog's imudp, off by default on Debian). */
    public record Udp(String host, int port) implements Address {
        /**
         * @throws IllegalArgumentException if the host is empty or the port outside 1 to 65535
         */
        public Udp {
            Objects.requireNonNull(host, "host");
            if (host.isBlank()) {
                throw new IllegalArgumentException("syslog host: empty");
            }
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("syslog port: " + port + " (expected: 1 to 65535)");
            }
        }

        @Override
        public String toString() {
            return "udp:" + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
        }
    }
}
