package org.postseal.config;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;
import org.postseal.dns.DnsSettings;
import org.postseal.dns.NameServer;

/**
 * Reads {@link DnsSettings}, in one place for both files: {@code postseal.milter.dns} in HOCON, and opendkim.conf's
 * {@code Nameservers} (comma-separated, as OpenDKIM takes it, each also as {@code ADDRESS:PORT} or
 * {@code [IPv6]:PORT}) and {@code DNSTimeout} (seconds). What is not set keeps {@link DnsSettings#DEFAULTS}.
 */
final class DnsSettingsReader {
    private static final Set<String> KEYS = Set.of("nameservers", "timeout", "cache-size");

    private DnsSettingsReader() {
    }

    /** {@code postseal.milter.dns}: {@code nameservers = [...]}, {@code timeout = 10s}, {@code cache-size = 4096}. */
    static DnsSettings fromHocon(Config milter) {
        if (!milter.hasPath("dns")) {
            return DnsSettings.DEFAULTS;
        }
        Config c = milter.getConfig("dns");
        for (String key : new TreeSet<>(c.root().keySet())) {
            if (!KEYS.contains(key)) {
                throw ConfigException.at(HoconSettings.where(c, key), "unknown setting " + HoconSettings.ROOT
                        + ".dns." + key);
            }
        }
        List<NameServer> servers = new ArrayList<>();
        if (c.hasPath("nameservers")) {
            for (String server : c.getStringList("nameservers")) {
                servers.add(checked(HoconSettings.where(c, "nameservers"), () -> NameServer.parse(server)));
            }
        }
        Duration timeout = c.hasPath("timeout") ? c.getDuration("timeout") : DnsSettings.DEFAULT_TIMEOUT;
        int cacheSize = c.hasPath("cache-size") ? c.getInt("cache-size") : DnsSettings.DEFAULT_CACHE_SIZE;
        return checked(HoconSettings.where(c, "timeout"), () -> new DnsSettings(servers, timeout, cacheSize));
    }

    /** opendkim.conf's {@code Nameservers} and {@code DNSTimeout}. */
    static DnsSettings fromOpenDkim(OpenDkimConf conf) {
        DnsSettings settings = DnsSettings.DEFAULTS;
        if (conf.string("Nameservers").isPresent()) {
            String value = conf.string("Nameservers").get();
            settings = settings.withNameservers(checked(conf.origin("Nameservers"), () -> NameServer.parseList(value)));
        }
        OptionalInt seconds = conf.integer("DNSTimeout");
        if (seconds.isPresent()) {
            if (seconds.getAsInt() < 1) {
                throw ConfigException.at(conf.origin("DNSTimeout"), "DNSTimeout " + seconds.getAsInt()
                        + " (expected: seconds, at least 1)");
            }
            settings = settings.withTimeout(Duration.ofSeconds(seconds.getAsInt()));
        }
        return settings;
    }

    private static <T> T checked(String where, java.util.function.Supplier<T> reading) {
        try {
            return reading.get();
        } catch (IllegalArgumentException e) {
            throw ConfigException.at(where, e.getMessage());
        }
    }
}
