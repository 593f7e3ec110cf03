package org.postseal.config;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.postseal.logging.SyslogTarget;

/**
 * Where the milter and the smarthost log besides stderr: syslog, read from opendkim.conf ({@code Syslog},
 * {@code SyslogFacility}, {@code SyslogName}) or from postseal's {@code postseal.logging.syslog}. Bad values are
 * errors naming the file and line; a facility given without syslog switched on is a warning.
 */
final class LoggingSettings {
    static final String ROOT = "postseal.logging";
    /** The environment variable naming another local syslog socket than /dev/log (a container's, a test's). */
    static final String SOCKET_VARIABLE = "POSTSEAL_SYSLOG_SOCKET";
    private static final Set<String> KNOWN = Set.of("syslog");
    private static final Set<String> KNOWN_SYSLOG = Set.of("enabled", "facility", "name", "socket", "host", "port");

    private LoggingSettings() {
    }

    /**
     * {@code Syslog yes}: lines go to the local syslog socket, {@code /dev/log} (or {@value #SOCKET_VARIABLE}), with
     * {@code SyslogFacility} (default mail, as OpenDKIM) and {@code SyslogName} (default postseal).
     *
     * @throws ConfigException for an unknown facility or a bad name
     */
    static Optional<SyslogTarget> fromOpenDkim(OpenDkimConf conf, Map<String, String> environment,
            Warnings warnings) {
        if (!conf.syslog()) {
            for (String option : new String[] {"SyslogFacility", "SyslogName"}) {
                if (conf.has(option)) {
                    warnings.at(conf.origin(option), "no effect without Syslog yes");
                }
            }
            return Optional.empty();
        }
        String facility = conf.string("SyslogFacility").orElse("mail");
        String name = conf.string("SyslogName").orElse("postseal");
        Path socket = Optional.ofNullable(environment.get(SOCKET_VARIABLE)).filter(s -> !s.isEmpty()).map(Path::of)
                .orElse(SyslogTarget.DEV_LOG);
        try {
            return Optional.of(new SyslogTarget(facility, name, new SyslogTarget.Socket(socket)));
        } catch (IllegalArgumentException e) {
            String option = e.getMessage().startsWith("syslog name") ? "SyslogName" : "SyslogFacility";
            throw ConfigException.at(conf.origin(option), e.getMessage());
        }
    }

    /**
     * {@code postseal.logging.syslog} of a resolved configuration (reference.conf beneath it): with {@code enabled =
     * true}, lines go to {@code host}:{@code port} over UDP when a host is set, else to the local {@code socket}.
     *
     * @throws ConfigException for a bad value, naming the file and line
     */
    static Optional<SyslogTarget> fromHocon(Config root, Warnings warnings) {
        if (!root.hasPath(ROOT)) {
            return Optional.empty();
        }
        Config logging = root.getConfig(ROOT);
        unknown(logging, KNOWN, ROOT, warnings);
        Config c = logging.getConfig("syslog");
        unknown(c, KNOWN_SYSLOG, ROOT + ".syslog", warnings);
        if (!c.getBoolean("enabled")) {
            return Optional.empty();
        }
        SyslogTarget.Address address;
        try {
            address = c.hasPath("host") ? new SyslogTarget.Udp(c.getString("host").strip(), c.getInt("port"))
                    : new SyslogTarget.Socket(Path.of(c.getString("socket")));
        } catch (IllegalArgumentException e) {
            throw ConfigException.at(HoconSettings.where(c, c.hasPath("host") ? "port" : "socket"), e.getMessage());
        }
        try {
            return Optional.of(new SyslogTarget(c.getString("facility"), c.getString("name"), address));
        } catch (IllegalArgumentException e) {
            throw ConfigException.at(HoconSettings.where(c, e.getMessage().startsWith("syslog name") ? "name"
                    : "facility"), e.getMessage());
        }
    }

    private static void unknown(Config c, Set<String> known, String path, Warnings warnings) {
        for (String key : new TreeSet<>(c.root().keySet())) {
            if (!known.contains(key)) {
                warnings.at(HoconSettings.where(c, key), "unknown setting " + path + "." + key + " ignored");
            }
        }
    }
}
