package org.postseal.smtp;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Where and how to relay: the server, its TLS and authentication, the name given in EHLO and the time allowed for
 * each step. Built from an msmtp account; immutable.
 *
 * @param host server host name or address; also the name the certificate must match
 * @param port TCP port
 * @param tls plain, STARTTLS or implicit TLS
 * @param trustFile PEM file of trusted CA certificates; empty means the JDK's default trust store
 * @param certCheck verify the server certificate (chain and host name); false only with msmtp {@code tls_certcheck off}
 * @param fingerprints accepted certificate fingerprints (SHA-256, or SHA-1, hex with colons); when not empty they
 *     replace chain verification, as msmtp's {@code tls_fingerprint} does
 * @param auth the mechanism, {@link AuthMechanism#NONE} for none
 * @param user the AUTH user name, empty when there is no authentication
 * @param password where the password comes from, empty when there is no authentication
 * @param heloName the name sent in EHLO (msmtp {@code domain}, default {@code localhost})
 * @param timeout the longest wait for one read or write (msmtp {@code timeout})
 */
public record SmtpEndpoint(String host, int port, TlsMode tls, Optional<Path> trustFile, boolean certCheck,
        List<String> fingerprints, AuthMechanism auth, Optional<String> user, Optional<PasswordSource> password,
        String heloName, Duration timeout) {
    public SmtpEndpoint {
        Objects.requireNonNull(host, "host");
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port: " + port + " (expected: 1-65535)");
        }
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(trustFile, "trustFile");
        fingerprints = List.copyOf(fingerprints);
        Objects.requireNonNull(auth, "auth");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(password, "password");
        Objects.requireNonNull(heloName, "heloName");
        Objects.requireNonNull(timeout, "timeout");
        if (auth != AuthMechanism.NONE && (user.isEmpty() || password.isEmpty())) {
            throw new IllegalArgumentException("auth " + auth + " needs a user and a password");
        }
    }

    /** Plain SMTP to host:port, no TLS, no AUTH, EHLO localhost, 5-minute steps. */
    public static SmtpEndpoint plain(String host, int port) {
        return new SmtpEndpoint(host, port, TlsMode.NONE, Optional.empty(), true, List.of(), AuthMechanism.NONE,
                Optional.empty(), Optional.empty(), "localhost", Duration.ofMinutes(5));
    }

    @Override
    public String toString() {
        return host + ":" + port + " tls=" + tls + " auth=" + auth + user.map(u -> " user=" + u).orElse("");
    }
}
