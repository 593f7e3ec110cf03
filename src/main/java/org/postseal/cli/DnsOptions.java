package org.postseal.cli;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.postseal.dkim.KeyRecordLookup;
import org.postseal.dns.BlockingKeyLookup;
import org.postseal.dns.DnsKeyRecordSource;
import org.postseal.dns.DnsSettings;
import org.postseal.dns.NameServer;
import org.postseal.transport.ExitStatus;
import picocli.CommandLine.Option;

/**
 * The DNS options that {@code verify} and {@code testkey} share ({@code --nameserver}, {@code --dns-timeout}), and
 * the key lookup they make: the system's resolver unless name servers are given, each lookup bounded by the timeout.
 */
final class DnsOptions {
    @Option(names = "--nameserver", paramLabel = "ADDR[:PORT]",
            description = "A DNS server to ask for key records instead of /etc/resolv.conf's: an IP address,"
                + " IPv4:PORT or [IPv6]:PORT; repeatable, tried in order.")
    private List<String> nameservers = new ArrayList<>();

    @Option(names = "--dns-timeout", paramLabel = "SECONDS", defaultValue = "10",
            description = "How long one key lookup may take before it fails temporarily (default: ${DEFAULT-VALUE}).")
    private int timeoutSeconds;

    /** Whether name servers were given. */
    boolean hasNameservers() {
        return !nameservers.isEmpty();
    }

    /** A blocking key lookup over DNS as the options say; a malformed option ends the command with a usage error. */
    KeyRecordLookup lookup() {
        if (timeoutSeconds < 1 || timeoutSeconds > 3600) {
            throw new CommandFailure(ExitStatus.USAGE, "--dns-timeout " + timeoutSeconds
                    + " (expected: 1 to 3600 seconds)");
        }
        List<NameServer> servers = new ArrayList<>();
        for (String server : nameservers) {
            try {
                servers.add(NameServer.parse(server));
            } catch (IllegalArgumentException e) {
                throw new CommandFailure(ExitStatus.USAGE, "--nameserver: " + e.getMessage());
            }
        }
        DnsSettings settings = new DnsSettings(servers, Duration.ofSeconds(timeoutSeconds),
                DnsSettings.DEFAULT_CACHE_SIZE);
        // the source times out by itself; the margin only guards against a lookup that never completes
        return new BlockingKeyLookup(DnsKeyRecordSource.create(settings), settings.timeout().plusSeconds(1));
    }
}
