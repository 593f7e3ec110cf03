package org.postseal.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigResolveOptions;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * Where a running milter or smarthost can be found, read from its configuration without the rest of it: the pid file
 * it writes, if one is configured, and the socket it listens on. {@code postseal reload} uses it, so that a
 * configuration whose tables were just broken still leads to the running process (which then refuses them and keeps
 * the configuration it has).
 *
 * @param pidFile where the daemon writes its process id, if anywhere
 * @param socket where it listens
 */
public record DaemonAddress(Optional<Path> pidFile, SocketSpec socket) {
    public DaemonAddress {
        Objects.requireNonNull(pidFile, "pidFile");
        Objects.requireNonNull(socket, "socket");
    }

    /**
     * The milter of an opendkim.conf: {@code PidFile} and {@code Socket}.
     *
     * @throws ConfigException if the file cannot be read, or has no usable Socket
     */
    public static DaemonAddress ofOpenDkim(Path conf) {
        OpenDkimConf read = OpenDkimConf.read(conf);
        SocketSpec socket = read.socket().orElseThrow(() -> ConfigException.at(conf.toString(),
                "Socket is not set; the milter cannot be found without it or a PidFile"));
        return new DaemonAddress(read.pidFile(), socket);
    }

    /**
     * The milter of postseal's configuration ({@code postseal.milter.pid-file} and {@code socket}; the defaults of
     * {@code reference.conf} when {@code file} is empty), relative paths resolved against {@code base}.
     *
     * @throws ConfigException if the file cannot be read or the socket is malformed
     */
    public static DaemonAddress ofMilter(Optional<Path> file, Path base) {
        Config c = section(file, base, HoconSettings.ROOT);
        try {
            return new DaemonAddress(HoconSettings.pidFile(c, base), SocketSpec.parse(c.getString("socket")));
        } catch (IllegalArgumentException e) {
            throw ConfigException.at(HoconSettings.where(c, "socket"), e.getMessage());
        }
    }

    /**
     * The smarthost of postseal's configuration ({@code postseal.smarthost.pid-file} and {@code socket}).
     *
     * @throws ConfigException if the file cannot be read
     */
    public static DaemonAddress ofSmarthost(Optional<Path> file, Path base) {
        Config c = section(file, base, SmarthostSettings.ROOT);
        Path socket = base.resolve(c.getString("socket")).normalize();
        return new DaemonAddress(HoconSettings.pidFile(c, base), SocketSpec.parse("local:" + socket));
    }

    private static Config section(Optional<Path> file, Path base, String root) {
        Config reference = ConfigFactory.parseResources(DaemonAddress.class.getClassLoader(), "reference.conf");
        Warnings ignored = new Warnings();
        try {
            Config app = file.isPresent() ? HoconSettings.parseFile(base.resolve(file.get()), ignored)
                    : ConfigFactory.empty();
            return app.withFallback(reference).withFallback(ConfigFactory.systemEnvironment())
                    .resolve(ConfigResolveOptions.noSystem()).getConfig(root);
        } catch (com.typesafe.config.ConfigException e) {
            throw new ConfigException(e.getMessage(), e);
        }
    }
}
