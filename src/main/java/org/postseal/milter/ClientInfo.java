package org.postseal.milter;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Who the MTA's client is, from SMFIC_CONNECT: the host name (or {@code [address]} when it has none), the address
 * family ({@code 4}, {@code 6}, {@code L} for a local socket, {@code U} when unknown, as Postfix sends for a client
 * without an inet peer), the port, and the address when there is one.
 *
 * @param hostName the name Postfix reports, for example {@code localhost} or {@code [192.0.2.7]}
 * @param family the SMFIA family character
 * @param port the client port, 0 if none
 * @param address the client IP address, empty for local and unknown families
 */
public record ClientInfo(String hostName, char family, int port, Optional<InetAddress> address) {
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    /** A connection for which the MTA sent no CONNECT (the step was skipped): nothing known. */
    public static final ClientInfo UNKNOWN = new ClientInfo("unknown", 'U', 0, Optional.empty());

    /**
     * Reads a CONNECT payload.
     *
     * @throws MilterProtocolException if it is truncated or its address is not an IP literal of its family
     */
    static ClientInfo parse(MilterCommand command) {
        MilterPayload payload = command.reader();
        String hostName = payload.text();
        if (!payload.hasRemaining()) {
            return new ClientInfo(hostName, 'U', 0, Optional.empty());
        }
        char family = (char) payload.octet();
        if (family == 'U' || !payload.hasRemaining()) {
            return new ClientInfo(hostName, family, 0, Optional.empty());
        }
        int port = payload.uint16();
        String text = payload.hasRemaining() ? payload.text() : "";
        return switch (family) {
            case '4' -> new ClientInfo(hostName, family, port, Optional.of(literal(text, false)));
            case '6' -> new ClientInfo(hostName, family, port, Optional.of(literal(text, true)));
            default -> new ClientInfo(hostName, family, port, Optional.empty());
        };
    }

    private static InetAddress literal(String text, boolean ipv6) {
        String value = text.regionMatches(true, 0, "IPv6:", 0, 5) ? text.substring(5) : text;
        boolean looksRight = ipv6 ? value.indexOf(':') >= 0 && value.chars().allMatch(
                c -> Character.digit(c, 16) >= 0 || c == ':' || c == '.' || c == '%')
                : IPV4.matcher(value).matches();
        if (!looksRight) {
            throw new MilterProtocolException("CONNECT address is not an IPv" + (ipv6 ? "6" : "4") + " literal: "
                    + value);
        }
        try {
            return InetAddress.getByName(value); // a literal: no DNS lookup happens
        } catch (UnknownHostException e) {
            throw new MilterProtocolException("CONNECT address is not an IP literal: " + value);
        }
    }

    /** The address as text, or the host name when there is no address, for log lines. */
    public String describe() {
        return address.map(InetAddress::getHostAddress).orElse(hostName);
    }
}
