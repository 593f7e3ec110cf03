package org.postseal.config;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Every directive (msmtp calls them commands) msmtp 1.8.23 accepts in a configuration file, except {@code defaults},
 * {@code account} and {@code eval}, which shape the file rather than an account: how its argument is checked (its
 * {@link MsmtpSyntax}, as msmtp checks it) and what postseal does with it. Directives are matched with case, as msmtp
 * matches them.
 */
enum MsmtpDirective {
    HOST("host", MsmtpSyntax.REQUIRED, Use.USED, ""),
    PORT("port", MsmtpSyntax.PORT, Use.USED, ""),
    TIMEOUT("timeout", MsmtpSyntax.TIMEOUT, Use.USED, ""),
    /** msmtp's alias of {@code timeout}, kept for versions before 1.4.1. */
    CONNECT_TIMEOUT("connect_timeout", MsmtpSyntax.TIMEOUT, Use.USED, ""),
    PROTOCOL("protocol", MsmtpSyntax.PROTOCOL, Use.USED, ""),
    DOMAIN("domain", MsmtpSyntax.TEXT, Use.USED, ""),
    FROM("from", MsmtpSyntax.TEXT, Use.USED, ""),
    AUTH("auth", MsmtpSyntax.AUTH, Use.USED, ""),
    USER("user", MsmtpSyntax.TEXT, Use.USED, ""),
    PASSWORD("password", MsmtpSyntax.TEXT, Use.USED, ""),
    PASSWORDEVAL("passwordeval", MsmtpSyntax.TEXT, Use.USED, ""),
    TLS("tls", MsmtpSyntax.BOOLEAN, Use.USED, ""),
    TLS_STARTTLS("tls_starttls", MsmtpSyntax.BOOLEAN, Use.USED, ""),
    /** msmtp 1.2's {@code tls_starttls off}. */
    TLS_NOSTARTTLS("tls_nostarttls", MsmtpSyntax.FLAG, Use.USED, ""),
    TLS_TRUST_FILE("tls_trust_file", MsmtpSyntax.TRUST_FILE, Use.USED, ""),
    TLS_FINGERPRINT("tls_fingerprint", MsmtpSyntax.FINGERPRINT, Use.USED, ""),
    TLS_CERTCHECK("tls_certcheck", MsmtpSyntax.BOOLEAN, Use.USED, ""),
    /** msmtp 1.2's {@code tls_certcheck off}. */
    TLS_NOCERTCHECK("tls_nocertcheck", MsmtpSyntax.FLAG, Use.USED, ""),
    LOGFILE("logfile", MsmtpSyntax.FILE, Use.USED, ""),
    SYSLOG("syslog", MsmtpSyntax.SYSLOG, Use.USED, ""),

    SOCKET("socket", MsmtpSyntax.TEXT, Use.REFUSED, "postseal connects to host and port only, not to a local socket"),
    PROXY_HOST("proxy_host", MsmtpSyntax.TEXT, Use.REFUSED, "postseal does not connect through a SOCKS proxy"),
    TLS_CERT_FILE("tls_cert_file", MsmtpSyntax.FILE, Use.REFUSED, "postseal sends no TLS client certificate"),
    TLS_KEY_FILE("tls_key_file", MsmtpSyntax.FILE, Use.REFUSED, "postseal sends no TLS client certificate"),
    TLS_HOST_OVERRIDE("tls_host_override", MsmtpSyntax.TEXT, Use.REFUSED,
            "postseal checks the certificate against the host name only"),

    ALLOW_FROM_OVERRIDE("allow_from_override", Use.WARNED,
            "postseal relays the envelope sender Postfix gives it", "on", "off"),
    SET_FROM_HEADER("set_from_header", Use.WARNED,
            "postseal never changes the header (the message is signed as it is)", "", "auto", "on", "off"),
    SET_DATE_HEADER("set_date_header", Use.WARNED,
            "postseal never adds headers (the message is signed as it is)", "", "auto", "off"),
    SET_MSGID_HEADER("set_msgid_header", Use.WARNED,
            "postseal never adds headers (the message is signed as it is)", "", "auto", "off"),
    ADD_MISSING_FROM_HEADER("add_missing_from_header", MsmtpSyntax.BOOLEAN, Use.WARNED,
            "postseal never adds headers (the message is signed as it is)"),
    ADD_MISSING_DATE_HEADER("add_missing_date_header", MsmtpSyntax.BOOLEAN, Use.WARNED,
            "postseal never adds headers (the message is signed as it is)"),
    REMOVE_BCC_HEADERS("remove_bcc_headers", MsmtpSyntax.BOOLEAN, Use.WARNED,
            "postseal relays the message as Postfix gives it (Postfix has removed Bcc already)"),
    UNDISCLOSED_RECIPIENTS("undisclosed_recipients", MsmtpSyntax.BOOLEAN, Use.WARNED,
            "postseal never changes the headers (the message is signed as it is)"),
    KEEPBCC("keepbcc", MsmtpSyntax.BOOLEAN, Use.WARNED,
            "postseal relays the message as Postfix gives it"),
    DSN_NOTIFY("dsn_notify", MsmtpSyntax.DSN_NOTIFY, Use.WARNED, "postseal sends no DSN parameters"),
    DSN_RETURN("dsn_return", Use.WARNED,
            "postseal sends no DSN parameters", "off", "headers", "full"),
    LOGFILE_TIME_FORMAT("logfile_time_format", MsmtpSyntax.TEXT, Use.WARNED,
            "postseal's log lines have their own format"),
    ALIASES("aliases", MsmtpSyntax.FILE, Use.WARNED, "the recipients come from Postfix, which has expanded aliases"),
    AUTO_FROM("auto_from", MsmtpSyntax.BOOLEAN, Use.WARNED, "the envelope sender comes from Postfix"),
    MAILDOMAIN("maildomain", MsmtpSyntax.TEXT, Use.WARNED, "the envelope sender comes from Postfix"),
    NTLMDOMAIN("ntlmdomain", MsmtpSyntax.TEXT, Use.WARNED, "it serves auth ntlm only, which postseal does not support"),
    TLS_CRL_FILE("tls_crl_file", MsmtpSyntax.FILE, Use.WARNED, "postseal does not read certificate revocation lists"),
    TLS_PRIORITIES("tls_priorities", MsmtpSyntax.TEXT, Use.WARNED,
            "it is a GnuTLS priority string; postseal uses the JDK's TLS settings"),
    TLS_MIN_DH_PRIME_BITS("tls_min_dh_prime_bits", MsmtpSyntax.OPTIONAL_POSITIVE, Use.WARNED,
            "postseal uses the JDK's TLS settings"),
    TLS_FORCE_SSLV3("tls_force_sslv3", MsmtpSyntax.ANYTHING, Use.WARNED, "SSLv3 is never used (msmtp ignores it too)"),
    SOURCE_IP("source_ip", MsmtpSyntax.TEXT, Use.WARNED, "postseal lets the system choose the source address"),
    PROXY_PORT("proxy_port", MsmtpSyntax.OPTIONAL_PORT, Use.WARNED, "postseal does not connect through a SOCKS proxy");

    /** What postseal does with a directive. */
    enum Use {
        /** Read into {@link MsmtpAccount} and used. */
        USED,
        /**
         * Read, and refused by {@link MsmtpAccount#toEndpoint()} when the account sets it: ignoring it would send the
         * mail some other way than msmtp does.
         */
        REFUSED,
        /** Read and checked, then not used: each line adds a warning. */
        WARNED
    }

    private static final Map<String, MsmtpDirective> BY_NAME = new HashMap<>();

    static {
        for (MsmtpDirective key : values()) {
            BY_NAME.put(key.command, key);
        }
    }

    private final String command;
    private final MsmtpSyntax syntax;
    private final Use use;
    private final String why;
    private final Set<String> choices;

    MsmtpDirective(String command, MsmtpSyntax syntax, Use use, String why) {
        this.command = command;
        this.syntax = syntax;
        this.use = use;
        this.why = why;
        this.choices = Set.of();
    }

    /** A directive whose argument is one of {@code choices} exactly ({@link MsmtpSyntax#CHOICE}). */
    MsmtpDirective(String command, Use use, String why, String... choices) {
        this.command = command;
        this.syntax = MsmtpSyntax.CHOICE;
        this.use = use;
        this.why = why;
        this.choices = Set.of(choices);
    }

    /** The directive written {@code command} (with case), if msmtp knows it. */
    static Optional<MsmtpDirective> of(String command) {
        return Optional.ofNullable(BY_NAME.get(command));
    }

    /** The command as written in the file. */
    String command() {
        return command;
    }

    MsmtpSyntax syntax() {
        return syntax;
    }

    /** The words a {@link MsmtpSyntax#CHOICE} directive accepts ({@code ""}: nothing); empty for the others. */
    Set<String> choices() {
        return choices;
    }

    Use use() {
        return use;
    }

    /** Why postseal does not use it (empty for used keys). */
    String why() {
        return why;
    }

    /** The directive whose value this one sets: {@code timeout} for {@code connect_timeout}, and so on. */
    MsmtpDirective target() {
        switch (this) {
            case CONNECT_TIMEOUT:
                return TIMEOUT;
            case TLS_NOSTARTTLS:
                return TLS_STARTTLS;
            case TLS_NOCERTCHECK:
                return TLS_CERTCHECK;
            default:
                return this;
        }
    }

    @Override
    public String toString() {
        return command;
    }
}
