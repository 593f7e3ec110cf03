package org.postseal.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import org.postseal.files.BoundedFile;
import org.postseal.smtp.AuthMechanism;
import org.postseal.smtp.PasswordSource;
import org.postseal.smtp.SmtpEndpoint;
import org.postseal.smtp.TlsMode;

/**
 * One account of an msmtp configuration file, with every setting msmtp would use for it: its own lines, those of the
 * accounts it inherits from ({@code account NAME : OTHER,...}) and the {@code defaults} in force where it was
 * defined. Values are as msmtp stores them: file names have {@code ~} replaced by the home directory, fingerprints
 * are upper case with colons, and an empty optional means msmtp's "(not set)". Immutable.
 *
 * @param name the account name
 * @param definedAt {@code file:line} of its {@code account} command (or of its first setting, for the account
 *     {@code default} msmtp makes of settings written before any {@code account} or {@code defaults})
 * @param host {@code host}; msmtp refuses to use an account without it
 * @param port {@code port}, empty for msmtp's default (see {@link #effectivePort()})
 * @param timeout {@code timeout} in seconds; empty for {@code off}
 * @param protocol {@code smtp} (the default) or {@code lmtp}
 * @param domain {@code domain}, the EHLO argument as written ({@code localhost} by default; may hold {@code %H},
 *     {@code %C}, {@code %M})
 * @param from {@code from}, the envelope sender as written: it may hold substitution patterns ({@code %U}...) or
 *     wildcards ({@code *}, {@code ?}, {@code [})
 * @param auth {@code off} (the default), {@code on} (choose a method), or a method name in lower case ({@code plain},
 *     {@code login}, {@code cram-md5}...)
 * @param user {@code user}
 * @param password {@code password} (see {@link #toString()}: never shown)
 * @param passwordEval {@code passwordeval}, a shell command
 * @param tls {@code tls}, off by default
 * @param tlsStartTls {@code tls_starttls}, on by default
 * @param tlsTrustFile {@code tls_trust_file}: {@value #SYSTEM_TRUST} (the default) for the system's trusted CAs,
 *     empty for none, or a file name (relative ones are relative to the working directory)
 * @param tlsCertCheck {@code tls_certcheck}, on by default
 * @param tlsFingerprint {@code tls_fingerprint}, {@code AB:CD:...}
 * @param logfile {@code logfile}; {@code -} is standard output
 * @param syslog {@code syslog}: the facility ({@code LOG_USER} for {@code on}); empty for off
 * @param otherSettings the commands postseal reads but does not use, with their values (empty ones left out)
 * @param origins for each command set for this account, the {@code file:line} that set it
 */
public record MsmtpAccount(String name, String definedAt, Optional<String> host, OptionalInt port,
        Optional<Duration> timeout, String protocol, String domain, Optional<String> from, String auth,
        Optional<String> user, Optional<String> password, Optional<String> passwordEval, boolean tls,
        boolean tlsStartTls, String tlsTrustFile, boolean tlsCertCheck, Optional<String> tlsFingerprint,
        Optional<String> logfile, Optional<String> syslog, Map<String, String> otherSettings,
        Map<String, String> origins) {

    /** The {@code tls_trust_file} value that means the system's trusted CAs. */
    public static final String SYSTEM_TRUST = "system";

    /**
     * How long each step may take when msmtp's {@code timeout} is {@code off} (its default). msmtp then waits as long
     * as the operating system lets it; postseal, which relays unattended, gives up after 5 minutes, as RFC 5321
     * section 4.5.3.2 suggests for most steps.
     */
    public static final Duration NO_TIMEOUT = Duration.ofMinutes(5);

    /** Checks and copies the values. */
    public MsmtpAccount {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(definedAt, "definedAt");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(port, "port");
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(domain, "domain");
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(auth, "auth");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(password, "password");
        Objects.requireNonNull(passwordEval, "passwordEval");
        Objects.requireNonNull(tlsTrustFile, "tlsTrustFile");
        Objects.requireNonNull(tlsFingerprint, "tlsFingerprint");
        Objects.requireNonNull(logfile, "logfile");
        Objects.requireNonNull(syslog, "syslog");
        otherSettings = Map.copyOf(otherSettings);
        origins = Map.copyOf(origins);
        if (port.isPresent() && (port.getAsInt() < 1 || port.getAsInt() > 65535)) {
            throw new IllegalArgumentException("port: " + port.getAsInt() + " (expected: 1-65535)");
        }
    }

    /**
     * The port msmtp connects to: {@code port} when set, otherwise 465 for TLS without STARTTLS, and 25 for the rest
     * (msmtp has no default for LMTP, which postseal does not speak anyway).
     */
    public int effectivePort() {
        return port.orElse(tls && !tlsStartTls ? 465 : 25);
    }

    /**
     * Where and how to relay, as msmtp would for this account.
     *
     * <ul>
     *   <li>{@code tls off} is {@link TlsMode#NONE}; {@code tls on} is {@link TlsMode#STARTTLS}, or
     *       {@link TlsMode#IMPLICIT} with {@code tls_starttls off}.
     *   <li>{@code auth off}, {@code on}, {@code plain}, {@code login} are {@link AuthMechanism#NONE}, {@code AUTO},
     *       {@code PLAIN}, {@code LOGIN}; the password comes from {@code password}, or else from
     *       {@code passwordeval}, run each time it is needed ({@link MsmtpPasswordEval}).
     *   <li>{@code domain} is the EHLO name, with {@code %H}, {@code %C} and {@code %M} replaced as msmtp does.
     *   <li>{@code timeout off} (msmtp's default) becomes {@link #NO_TIMEOUT}, 5 minutes.
     *   <li>{@code tls_trust_file system} is the JDK's default trust store; a relative file name is relative to the
     *       working directory, as for msmtp; {@code tls_certcheck off} drops the trust file and the fingerprint, which
     *       msmtp then ignores.
     * </ul>
     *
     * @throws ConfigException naming the {@code file:line} at fault when msmtp itself would refuse the account (no
     *     host, TLS with nothing to trust), or when it asks for something postseal does not do: LMTP, another auth
     *     method, a password from the key ring, {@code ~/.netrc} or the terminal, {@code auth on} without TLS, an MD5
     *     fingerprint, a socket, a proxy, a client certificate, a TLS host override
     */
    public SmtpEndpoint toEndpoint() {
        String accountName = "account " + name;
        String theHost = host.orElseThrow(() -> ConfigException.at(definedAt, accountName + ": host not set"));
        if (!protocol.equals("smtp")) {
            throw ConfigException.at(where("protocol"), "protocol " + protocol + " is not supported by postseal"
                    + " (expected: smtp)");
        }
        for (MsmtpDirective directive : MsmtpDirective.values()) {
            if (directive.use() == MsmtpDirective.Use.REFUSED && otherSettings.containsKey(directive.command())) {
                throw ConfigException.at(where(directive.command()), directive.command() + " is not supported by postseal: "
                        + directive.why());
            }
        }
        TlsMode tlsMode = !tls ? TlsMode.NONE : tlsStartTls ? TlsMode.STARTTLS : TlsMode.IMPLICIT;
        if (tls && tlsTrustFile.isEmpty() && tlsFingerprint.isEmpty() && tlsCertCheck) {
            throw ConfigException.at(where("tls_trust_file"), accountName + ": tls requires either tls_trust_file"
                    + " (highly recommended) or tls_fingerprint or a disabled tls_certcheck");
        }
        Optional<Path> trustFile = Optional.empty();
        List<String> fingerprints = List.of();
        if (tlsCertCheck) {
            if (!tlsTrustFile.isEmpty() && !tlsTrustFile.equals(SYSTEM_TRUST)) {
                trustFile = Optional.of(Path.of(tlsTrustFile).toAbsolutePath());
            }
            if (tlsFingerprint.isPresent()) {
                String fingerprint = tlsFingerprint.get();
                if (fingerprint.length() == 16 * 3 - 1) {
                    throw ConfigException.at(where("tls_fingerprint"), "tls_fingerprint " + fingerprint
                            + " is an MD5 fingerprint, which postseal does not accept (expected: SHA-256, 32 bytes)");
                }
                fingerprints = List.of(fingerprint);
            }
        }
        AuthMechanism mechanism = mechanism();
        Optional<String> authUser = Optional.empty();
        Optional<PasswordSource> authPassword = Optional.empty();
        if (mechanism != AuthMechanism.NONE) {
            if (mechanism == AuthMechanism.AUTO && !tls) {
                throw ConfigException.at(where("auth"), "auth on without tls: msmtp then chooses only methods that"
                        + " do not send the password in clear, and postseal has none; use tls on, or name the method"
                        + " (auth plain or auth login) to send the password unprotected");
            }
            authUser = Optional.of(user.orElseThrow(() -> ConfigException.at(where("auth"),
                    "auth " + auth + " needs a user name: add a user line to " + accountName)));
            if (password.isPresent()) {
                authPassword = Optional.of(PasswordSource.of(password.get()));
            } else if (passwordEval.isPresent()) {
                authPassword = Optional.of(MsmtpPasswordEval.of(passwordEval.get()));
            } else {
                throw ConfigException.at(where("auth"), accountName + " has no password and no passwordeval: msmtp"
                        + " would then look in the key ring and ~/.netrc, or ask on the terminal; postseal does none of"
                        + " these. Add passwordeval (a command that prints the password), or password in a file only"
                        + " its owner may read");
            }
        }
        return new SmtpEndpoint(theHost, effectivePort(), tlsMode, trustFile, tlsCertCheck, fingerprints, mechanism,
                authUser, authPassword, heloName(), timeout.orElse(NO_TIMEOUT));
    }

    /** The {@code file:line} that set {@code command} for this account, or where the account was defined. */
    public String where(String command) {
        return origins.getOrDefault(command, definedAt);
    }

    private AuthMechanism mechanism() {
        switch (auth) {
            case "off":
                return AuthMechanism.NONE;
            case "on":
                return AuthMechanism.AUTO;
            case "plain":
                return AuthMechanism.PLAIN;
            case "login":
                return AuthMechanism.LOGIN;
            default:
                throw ConfigException.at(where("auth"), "auth " + auth + " is not supported by postseal"
                        + " (expected: on, off, plain or login)");
        }
    }

    /** {@code domain} with msmtp's substitutions: %H host name, %C its canonical name, %M /etc/mailname. */
    private String heloName() {
        String name = domain;
        try {
            if (name.contains("%H") || name.contains("%C")) {
                String hostName = Optional.ofNullable(System.getenv("HOSTNAME")).filter(h -> !h.isEmpty())
                        .orElse(InetAddress.getLocalHost().getHostName());
                name = name.replace("%H", hostName);
                if (name.contains("%C")) {
                    name = name.replace("%C", InetAddress.getByName(hostName).getCanonicalHostName());
                }
            }
            if (name.contains("%M")) {
                List<String> lines = BoundedFile.read(Path.of("/etc/mailname"), "host name file",
                        BoundedFile.KEY_LIMIT).text().lines().toList();
                name = name.replace("%M", lines.isEmpty() ? "" : lines.get(0).strip());
            }
        } catch (UnknownHostException e) {
            throw ConfigException.at(where("domain"), "domain " + domain + ": cannot find the host name: " + e, e);
        } catch (BoundedFile.Refused e) {
            throw ConfigException.at(where("domain"), "domain " + domain + ": /etc/mailname " + e.getMessage(), e);
        }
        if (name.isBlank()) {
            throw ConfigException.at(where("domain"), "domain is empty: the EHLO command needs a name");
        }
        return name;
    }

    /** Like the record's, but the password is shown as {@code *}, as {@code msmtp --pretend} shows it. */
    @Override
    public String toString() {
        return "MsmtpAccount[name=" + name + ", definedAt=" + definedAt + ", host=" + host + ", port=" + port
                + ", timeout=" + timeout + ", protocol=" + protocol + ", domain=" + domain + ", from=" + from
                + ", auth=" + auth + ", user=" + user + ", password=" + password.map(p -> "*")
                + ", passwordEval=" + passwordEval + ", tls=" + tls + ", tlsStartTls=" + tlsStartTls
                + ", tlsTrustFile=" + tlsTrustFile + ", tlsCertCheck=" + tlsCertCheck + ", tlsFingerprint="
                + tlsFingerprint + ", logfile=" + logfile + ", syslog=" + syslog + ", otherSettings=" + otherSettings
                + "]";
    }
}
