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

    /**
     * Reads a CONNECT payload. Families {@code U} and {@code L} are local clients, with no address (as in OpenDKIM);
     * {@code 4} and {@code 6} must carry a port and an IP literal of their family. Anything else (a missing family, a
     * family with nothing after it, an unknown family) is refused: an identity that cannot be read must never pass for
     * a local one.
     *
     * @throws MilterProtocolException if the payload is truncated, names an unknown family, or its address is not an
     *     IP literal of its family
     */
    static ClientInfo parse(MilterCommand command) {
        MilterPayload payload = command.reader();
        String hostName = payload.text();
        if (!payload.hasRemaining()) {
            throw new MilterProtocolException("CONNECT without an address family");
        }
        char family = (char) payload.octet();
        switch (family) {
            case 'U':
                return new ClientInfo(hostName, family, 0, Optional.empty());
            case 'L':
                int localPort = payload.hasRemaining() ? payload.uint16() : 0;
                if (payload.hasRemaining()) {
                    payload.cString(); // the socket's path, if sent, must at least be well formed
                }
                return new ClientInfo(hostName, family, localPort, Optional.empty());
            case '4':
            case '6':
                if (payload.remaining() < 3) {
                    throw new MilterProtocolException("CONNECT family " + family + " without a port and address");
                }
                int port = payload.uint16();
                String text = payload.text();
                return new ClientInfo(hostName, family, port, Optional.of(literal(text, family == '6')));
            default:
                throw new MilterProtocolException(String.format("CONNECT with unknown address family 0x%02x",
                        (int) family & 0xff));
        }
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
