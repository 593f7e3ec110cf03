package org.postseal.config;

import java.util.Objects;

/**
 * Where the metrics listener binds ({@code --metrics-listen}, {@code metrics.listen}): {@code HOST:PORT},
 * {@code [IPv6]:PORT}, or a port alone, which means the loopback address {@code 127.0.0.1}. Any other address must
 * be written out, so that metrics are never reachable from the network unless an administrator says so.
 *
 * @param host a host name or address literal (without brackets)
 * @param port 1 to 65535
 */
public record MetricsAddress(String host, int port) {
    /** The host a port alone binds to. */
    public static final String LOOPBACK = "127.0.0.1";

    /**
     * @throws IllegalArgumentException if the host is empty or the port out of range
     */
    public MetricsAddress {
        Objects.requireNonNull(host, "host");
        if (host.isEmpty() || port < 1 || port > 65535) {
            throw new IllegalArgumentException("metrics address " + host + ":" + port
                    + " (expected: HOST:PORT with a port from 1 to 65535)");
        }
    }

    /**
     * Reads {@code HOST:PORT}, {@code [IPv6]:PORT} or {@code PORT}.
     *
     * @throws IllegalArgumentException with a one-line reason
     */
    public static MetricsAddress parse(String text) {
        String value = text.strip();
        String host;
        String port;
        if (value.startsWith("[")) {
            int close = value.indexOf(']');
            if (close < 0 || close + 1 >= value.length() || value.charAt(close + 1) != ':') {
                throw new IllegalArgumentException("'" + text + "' is not [IPv6]:PORT");
            }
            host = value.substring(1, close);
            port = value.substring(close + 2);
        } else if (value.indexOf(':') != value.lastIndexOf(':')) {
            throw new IllegalArgumentException("'" + text + "': write an IPv6 address in brackets, [::1]:PORT");
        } else if (value.indexOf(':') >= 0) {
            host = value.substring(0, value.indexOf(':'));
            port = value.substring(value.indexOf(':') + 1);
        } else {
            host = LOOPBACK;
            port = value;
        }
        if (host.isEmpty()) {
            throw new IllegalArgumentException("'" + text + "' names no host (a port alone means " + LOOPBACK + ")");
        }
        if (!port.matches("[0-9]{1,5}") || Integer.parseInt(port) < 1 || Integer.parseInt(port) > 65535) {
            throw new IllegalArgumentException("'" + text + "': port '" + port + "' (expected: 1 to 65535)");
        }
        return new MetricsAddress(host, Integer.parseInt(port));
    }

    @Override
    public String toString() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
