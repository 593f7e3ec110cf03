package org.postseal.policy;

import java.net.InetAddress;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What the MTA told about the SMTP client a message came from: its address, its host name, whether it authenticated,
 * and the macros the signing policy may look at ({@code {daemon_name}}, and whatever MacroList names).
 *
 * @param address the client's IP address; empty when the MTA gave none (a local submission, an unknown peer)
 * @param hostName the client's host name as the MTA reports it: a verified name, or the bracketed address (Postfix
 *     sends {@code [192.0.2.7]} or {@code unknown} when the name did not verify); may be empty
 * @param authType the SASL mechanism ({@code {auth_type}}); the client authenticated when this is present and not
 *     empty, which is OpenDKIM's test
 * @param authenticatedAs the SASL login ({@code {auth_authen}}), for log lines only
 * @param macros macro values by name, with or without braces
 */
public record Client(Optional<InetAddress> address, String hostName, Optional<String> authType,
        Optional<String> authenticatedAs, Map<String, String> macros) {
    public Client {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(hostName, "hostName");
        Objects.requireNonNull(authType, "authType");
        Objects.requireNonNull(authenticatedAs, "authenticatedAs");
        macros = Map.copyOf(macros);
    }

    /** An unauthenticated client with no macros. */
    public static Client of(InetAddress address, String hostName) {
        return new Client(Optional.ofNullable(address), hostName == null ? "" : hostName, Optional.empty(),
                Optional.empty(), Map.of());
    }

    /** This client, authenticated with {@code mechanism} as {@code login}. */
    public Client authenticated(String mechanism, String login) {
        return new Client(address, hostName, Optional.of(mechanism), Optional.ofNullable(login), macros);
    }

    /** This client, with these macros. */
    public Client withMacros(Map<String, String> values) {
        return new Client(address, hostName, authType, authenticatedAs, values);
    }

    /** Whether the MTA says the client authenticated: {@code {auth_type}} set and not empty. */
    public boolean isAuthenticated() {
        return authType.filter(t -> !t.isEmpty()).isPresent();
    }

    /** The value of a macro, named with or without braces. */
    public Optional<String> macro(String name) {
        String bare = MacroList.stripBraces(name);
        String value = macros.get(bare);
        return Optional.ofNullable(value != null ? value : macros.get("{" + bare + "}"));
    }

    /** For log lines: {@code mail.example.com [192.0.2.7]}, or just the address when there is no real name. */
    public String describe() {
        String text = address.map(a -> IpText.format(a.getAddress())).orElse("");
        boolean named = !hostName.isEmpty() && !hostName.startsWith("[");
        if (text.isEmpty()) {
            return named ? hostName : "(local)";
        }
        return named ? hostName + " [" + text + "]" : text;
    }
}
