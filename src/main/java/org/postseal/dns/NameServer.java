package org.postseal.dns;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.xbill.DNS.Address;

/**
 * A DNS server to ask for key records: an IP address and a port. Written as OpenDKIM's {@code Nameservers} takes it
 * (an address alone, port 53), or with a port: {@code 192.0.2.1:5353}, {@code [2001:db8::1]:5353}. Only literal
 * addresses are accepted: resolving a name server's own name would need DNS.
 *
 * @param address the server's address
 * @param port its UDP and TCP port
 */
public record NameServer(InetAddress address, int port) {
    /** The DNS port. */
    public static final int DEFAULT_PORT = 53;

    /**
     * Checks the values.
     *
     * @throws IllegalArgumentException if the port is not within 1 and 65535
     */
    public NameServer {
        Objects.requireNonNull(address, "address");
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("name server port: " + port + " (expected: 1 to 65535)");
        }
    }

    /**
     * Parses {@code ADDRESS}, {@code IPv4:PORT}, {@code [IPv6]} or {@code [IPv6]:PORT}; a bare IPv6 address
     * ({@code ::1}) has no port.
     *
     * @throws IllegalArgumentException naming the text if it is none of these
     */
    public static NameServer parse(String text) {
        String value = text.strip();
        String host = value;
        int port = DEFAULT_PORT;
        if (value.startsWith("[")) {
            int close = value.indexOf(']');
            if (close < 0 || (close + 1 < value.length() && value.charAt(close + 1) != ':')) {
                throw invalid(text);
            }
            host = value.substring(1, close);
            if (close + 1 < value.length()) {
                port = port(value.substring(close + 2), text);
            }
        } else if (value.indexOf(':') >= 0 && value.indexOf(':') == value.lastIndexOf(':')) {
            host = value.substring(0, value.indexOf(':'));
            port = port(value.substring(value.indexOf(':') + 1), text);
        }
        try {
            return new NameServer(Address.getByAddress(host), port);
        } catch (java.net.UnknownHostException e) {
            throw invalid(text);
        }
    }

    /**
     * Parses OpenDKIM's {@code Nameservers} value: name servers separated by commas (each as {@link #parse} takes it).
     *
     * @throws IllegalArgumentException naming the first server that does not parse
     */
    public static List<NameServer> parseList(String text) {
        List<NameServer> servers = new ArrayList<>();
        for (String item : text.split(",")) {
            if (!item.isBlank()) {
                servers.add(parse(item));
            }
        }
        return List.copyOf(servers);
    }

    /** The address and port to send queries to. */
    public InetSocketAddress socketAddress() {
        return new InetSocketAddress(address, port);
    }

    @Override
    public String toString() {
        String host = address.getHostAddress();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    private static int port(String digits, String text) {
        if (!digits.matches("[0-9]{1,5}") || Integer.parseInt(digits) < 1 || Integer.parseInt(digits) > 65535) {
            throw invalid(text);
        }
        return Integer.parseInt(digits);
    }

    private static IllegalArgumentException invalid(String text) {
        return new IllegalArgumentException("name server: " + text
                + " (expected: an IP address, IPv4:PORT or [IPv6]:PORT)");
    }
}
