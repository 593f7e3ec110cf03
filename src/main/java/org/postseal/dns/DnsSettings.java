package org.postseal.dns;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How key records are looked up: which name servers are asked, how long a lookup may take, and how many answers are
 * kept. Read from {@code postseal.milter.dns} in HOCON, from opendkim.conf's {@code Nameservers} and
 * {@code DNSTimeout}, or from {@code --nameserver} on the command line.
 *
 * @param nameservers the servers to ask, in order; empty for the system's ({@code /etc/resolv.conf})
 * @param timeout how long one lookup may take in all (every server and retry), after which it fails temporarily
 * @param cacheSize how many names' answers the cache keeps at most
 */
public record DnsSettings(List<NameServer> nameservers, Duration timeout, int cacheSize) {
    /** OpenDKIM's {@code DNSTimeout} default. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    /** The default cache size, in names. */
    public static final int DEFAULT_CACHE_SIZE = 4096;
    /** The system's name servers, OpenDKIM's timeout, the default cache size. */
    public static final DnsSettings DEFAULTS = new DnsSettings(List.of(), DEFAULT_TIMEOUT, DEFAULT_CACHE_SIZE);

    /**
     * Checks the values.
     *
     * @throws IllegalArgumentException if the timeout is under 1 ms or over an hour, or the cache size is negative
     */
    public DnsSettings {
        nameservers = List.copyOf(nameservers);
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.toMillis() < 1 || timeout.compareTo(Duration.ofHours(1)) > 0) {
            throw new IllegalArgumentException("DNS timeout: " + timeout + " (expected: 1 ms to 1 hour)");
        }
        if (cacheSize < 0) {
            throw new IllegalArgumentException("DNS cache size: " + cacheSize + " (expected: >= 0)");
        }
    }

    /** These settings with other name servers. */
    public DnsSettings withNameservers(List<NameServer> servers) {
        return new DnsSettings(servers, timeout, cacheSize);
    }

    /** These settings with another timeout. */
    public DnsSettings withTimeout(Duration value) {
        return new DnsSettings(nameservers, value, cacheSize);
    }
}
