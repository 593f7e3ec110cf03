package org.postseal.config;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * Where the milter listens, in OpenDKIM's (libmilter's) Socket syntax: {@code local:/path} or {@code unix:/path} (a
 * plain path too) for a UNIX-domain socket, {@code inet:port[@host]} and {@code inet6:port[@host]} for TCP. Without a
 * host the socket listens on every interface; the host is a name (resolved when the socket is opened) or an address,
 * which may be written in square brackets ({@code inet6:8891@[::1]}). Immutable; {@link #toString()} gives the syntax
 * back ({@code unix:} is written {@code local:}).
 */
public final class SocketSpec {
    /** The socket families. */
    public enum Family {
        /** A UNIX-domain socket at a path. */
        UNIX,
        /** TCP over IPv4 (a host name may still resolve to IPv6, as with libmilter). */
        INET,
        /** TCP over IPv6. */
        INET6
    }

    private final Family family;
    private final String path;
    private final int port;
    private final String host;
    private final boolean bracketed;

    private SocketSpec(Family family, String path, int port, String host, boolean bracketed) {
        this.family = family;
        this.path = path;
        this.port = port;
        this.host = host;
        this.bracketed = bracketed;
    }

    /** A UNIX-domain socket. */
    public static SocketSpec unix(Path path) {
        return new SocketSpec(Family.UNIX, path.toString(), 0, null, false);
    }

    /**
     * Parses the Socket syntax.
     *
     * @throws IllegalArgumentException naming the value and what was expected: an unknown type, an empty path, a
     *     port that is not a number from 1 to 65535, an empty or unclosed bracketed host, or Postfix's
     *     {@code inet:host:port} order
     */
    public static SocketSpec parse(String value) {
        Objects.requireNonNull(value, "value");
        String text = value.strip();
        int colon = text.indexOf(':');
        if (colon < 0) {
            return unixPath(text, value);
        }
        String type = text.substring(0, colon).toLowerCase(Locale.ROOT);
        String rest = text.substring(colon + 1);
        return switch (type) {
            case "", "local", "unix" -> unixPath(rest, value);
            case "inet" -> inet(Family.INET, rest, value);
            case "inet6" -> inet(Family.INET6, rest, value);
            default -> throw new IllegalArgumentException("socket: " + value
                    + " (expected: local:/path, inet:port[@host] or inet6:port[@host])");
        };
    }

    private static SocketSpec unixPath(String path, String value) {
        if (path.isEmpty()) {
            throw new IllegalArgumentException("socket: " + value + " (expected: a path after local:)");
        }
        return new SocketSpec(Family.UNIX, path, 0, null, false);
    }

    private static SocketSpec inet(Family family, String rest, String value) {
        int at = rest.indexOf('@');
        String portText = at < 0 ? rest : rest.substring(0, at);
        String hostText = at < 0 ? null : rest.substring(at + 1);
        int port = port(portText, hostText, value);
        if (hostText == null) {
            return new SocketSpec(family, null, port, null, false);
        }
        if (hostText.startsWith("[")) {
            if (!hostText.endsWith("]") || hostText.length() == 2) {
                throw new IllegalArgumentException("socket: " + value + " (expected: an address in [brackets])");
            }
            return new SocketSpec(family, null, port, hostText.substring(1, hostText.length() - 1), true);
        }
        if (hostText.isEmpty() || hostText.indexOf(' ') >= 0) {
            throw new IllegalArgumentException("socket: " + value + " (expected: a host name or address after @)");
        }
        return new SocketSpec(family, null, port, hostText, false);
    }

    private static int port(String text, String host, String value) {
        if (!text.isEmpty() && text.length() <= 5 && text.chars().allMatch(c -> c >= '0' && c <= '9')) {
            int port = Integer.parseInt(text);
            if (port >= 1 && port <= 65535) {
                return port;
            }
        }
        int colon = text.lastIndexOf(':');
        if (host == null && colon > 0) {
            throw new IllegalArgumentException("socket: " + value + " (expected: inet:port@host; Postfix writes"
                    + " inet:host:port, OpenDKIM inet:" + text.substring(colon + 1) + "@" + text.substring(0, colon)
                    + ")");
        }
        throw new IllegalArgumentException("socket: " + value + " (expected: a port from 1 to 65535)");
    }

    public Family family() {
        return family;
    }

    public boolean isUnix() {
        return family == Family.UNIX;
    }

    /** The socket path, for {@link Family#UNIX}. */
    public Optional<Path> path() {
        return family == Family.UNIX ? Optional.of(Path.of(path)) : Optional.empty();
    }

    /** The TCP port; 0 for a UNIX-domain socket. */
    public int port() {
        return port;
    }

    /** The host name or address to listen on, without brackets; empty for every interface. */
    public Optional<String> host() {
        return Optional.ofNullable(host);
    }

    /**
     * How Postfix's main.cf names this socket in {@code smtpd_milters} and {@code non_smtpd_milters}: {@code inet:}
     * host, colon, port ({@code localhost} when the milter listens on every interface, an IPv6 address in brackets),
     * or {@code unix:} and the path. A path under Postfix's default queue directory, {@code /var/spool/postfix}, is
     * written relative to it, as Postfix resolves it from there: a chrooted smtpd (Debian's default) sees nothing
     * else.
     */
    public String postfixSpelling() {
        if (family == Family.UNIX) {
            String queue = "/var/spool/postfix/";
            return "unix:" + (path.startsWith(queue) ? path.substring(queue.length()) : path);
        }
        String address = host == null ? "localhost" : host.indexOf(':') >= 0 ? "[" + host + "]" : host;
        return "inet:" + address + ":" + port;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SocketSpec other && other.family == family && Objects.equals(other.path, path)
                && other.port == port && Objects.equals(other.host, host);
    }

    @Override
    public int hashCode() {
        return Objects.hash(family, path, port, host);
    }

    @Override
    public String toString() {
        if (family == Family.UNIX) {
            return "local:" + path;
        }
        String prefix = (family == Family.INET ? "inet:" : "inet6:") + port;
        if (host == null) {
            return prefix;
        }
        return prefix + "@" + (bracketed ? "[" + host + "]" : host);
    }
}
