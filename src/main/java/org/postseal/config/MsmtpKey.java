package org.postseal.config;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Every command msmtp 1.8.23 accepts in a configuration file, except {@code defaults}, {@code account} and
 * {@code eval}, which shape the file rather than an account: how its argument is checked (as msmtp checks it) and
 * what postseal does with it. Commands are matched with case, as msmtp matches them.
 */
enum MsmtpKey {
    HOST("host", Syntax.REQUIRED, Use.USED, ""),
    PORT("port", Syntax.PORT, Use.USED, ""),
    TIMEOUT("timeout", Syntax.TIMEOUT, Use.USED, ""),
    /** msmtp's alias of {@code timeout}, kept for versions before 1.4.1. */
    CONNECT_TIMEOUT("connect_timeout", Syntax.TIMEOUT, Use.USED, ""),
    PROTOCOL("protocol", Syntax.PROTOCOL, Use.USED, ""),
    DOMAIN("domain", Syntax.TEXT, Use.USED, ""),
    FROM("from", Syntax.TEXT, Use.USED, ""),
    AUTH("auth", Syntax.AUTH, Use.USED, ""),
    USER("user", Syntax.TEXT, Use.USED, ""),
    PASSWORD("password", Syntax.TEXT, Use.USED, ""),
    PASSWORDEVAL("passwordeval", Syntax.TEXT, Use.USED, ""),
    TLS("tls", Syntax.BOOLEAN, Use.USED, ""),
    TLS_STARTTLS("tls_starttls", Syntax.BOOLEAN, Use.USED, ""),
    /** msmtp 1.2's {@code tls_starttls off}. */
    TLS_NOSTARTTLS("tls_nostarttls", Syntax.FLAG, Use.USED, ""),
    TLS_TRUST_FILE("tls_trust_file", Syntax.FILE, Use.USED, ""),
    TLS_FINGERPRINT("tls_fingerprint", Syntax.FINGERPRINT, Use.USED, ""),
    TLS_CERTCHECK("tls_certcheck", Syntax.BOOLEAN, Use.USED, ""),
    /** msmtp 1.2's {@code tls_certcheck off}. */
    TLS_NOCERTCHECK("tls_nocertcheck", Syntax.FLAG, Use.USED, ""),
    LOGFILE("logfile", Syntax.FILE, Use.USED, ""),
    SYSLOG("syslog", Syntax.SYSLOG, Use.USED, ""),

    SOCKET("socket", Syntax.TEXT, Use.REFUSED, "postseal connects to host and port only, not to a local socket"),
    PROXY_HOST("proxy_host", Syntax.TEXT, Use.REFUSED, "postseal does not connect through a SOCKS proxy"),
    TLS_CERT_FILE("tls_cert_file", Syntax.FILE, Use.REFUSED, "postseal sends no TLS client certificate"),
    TLS_KEY_FILE("tls_key_file", Syntax.FILE, Use.REFUSED, "postseal sends no TLS client certificate"),
    TLS_HOST_OVERRIDE("tls_host_override", Syntax.TEXT, Use.REFUSED,
            "postseal checks the certificate against the host name only"),

    ALLOW_FROM_OVERRIDE("allow_from_override", Syntax.choice("on", "off"), Use.WARNED,
            "postseal relays the envelope sender Postfix gives it"),
    SET_FROM_HEADER("set_from_header", Syntax.choice("", "auto", "on", "off"), Use.WARNED,
            "postseal never changes the header (the message is signed as it is)"),
    SET_DATE_HEADER("set_date_header", Syntax.choice("", "auto", "off"), Use.WARNED,
            "postseal never adds headers (the message is signed as it is)"),
    SET_MSGID_HEADER("set_msgid_header", Syntax.choice("", "auto", "off"), Use.WARNED,
            "postseal never adds headers (the message is signed as it is)"),
    ADD_MISSING_FROM_HEADER("add_missing_from_header", Syntax.BOOLEAN, Use.WARNED,
            "postseal never adds headers (the message is signed as it is)"),
    ADD_MISSING_DATE_HEADER("add_missing_date_header", Syntax.BOOLEAN, Use.WARNED,
            "postseal never adds headers (the message is signed as it is)"),
    REMOVE_BCC_HEADERS("remove_bcc_headers", Syntax.BOOLEAN, Use.WARNED,
            "postseal relays the message as Postfix gives it (Postfix has removed Bcc already)"),
    UNDISCLOSED_RECIPIENTS("undisclosed_recipients", Syntax.BOOLEAN, Use.WARNED,
            "postseal never changes the headers (the message is signed as it is)"),
    KEEPBCC("keepbcc", Syntax.BOOLEAN, Use.WARNED,
            "postseal relays the message as Postfix gives it"),
    DSN_NOTIFY("dsn_notify", Syntax.DSN_NOTIFY, Use.WARNED, "postseal sends no DSN parameters"),
    DSN_RETURN("dsn_return", Syntax.choice("off", "headers", "full"), Use.WARNED,
            "postseal sends no DSN parameters"),
    LOGFILE_TIME_FORMAT("logfile_time_format", Syntax.TEXT, Use.WARNED, "postseal's log lines have their own format"),
    ALIASES("aliases", Syntax.FILE, Use.WARNED, "the recipients come from Postfix, which has expanded aliases"),
    AUTO_FROM("auto_from", Syntax.BOOLEAN, Use.WARNED, "the envelope sender comes from Postfix"),
    MAILDOMAIN("maildomain", Syntax.TEXT, Use.WARNED, "the envelope sender comes from Postfix"),
    NTLMDOMAIN("ntlmdomain", Syntax.TEXT, Use.WARNED, "it serves auth ntlm only, which postseal does not support"),
    TLS_CRL_FILE("tls_crl_file", Syntax.FILE, Use.WARNED, "postseal does not read certificate revocation lists"),
    TLS_PRIORITIES("tls_priorities", Syntax.TEXT, Use.WARNED,
            "it is a GnuTLS priority string; postseal uses the JDK's TLS settings"),
    TLS_MIN_DH_PRIME_BITS("tls_min_dh_prime_bits", Syntax.OPTIONAL_POSITIVE, Use.WARNED,
            "postseal uses the JDK's TLS settings"),
    TLS_FORCE_SSLV3("tls_force_sslv3", Syntax.ANYTHING, Use.WARNED, "SSLv3 is never used (msmtp ignores it too)"),
    SOURCE_IP("source_ip", Syntax.TEXT, Use.WARNED, "postseal lets the system choose the source address"),
    PROXY_PORT("proxy_port", Syntax.OPTIONAL_PORT, Use.WARNED, "postseal does not connect through a SOCKS proxy");

    /** What postseal does with a command. */
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

    /** How msmtp checks the argument. */
    static final class Syntax {
        /** Any argument, the empty one too. */
        static final Syntax TEXT = new Syntax("text");
        /** Anything at all, not even checked by msmtp. */
        static final Syntax ANYTHING = new Syntax("anything");
        /** A non-empty argument. */
        static final Syntax REQUIRED = new Syntax("required");
        /** A file name: {@code ~} is replaced by the home directory; empty unsets. */
        static final Syntax FILE = new Syntax("file");
        /** {@code on}, {@code off}, or nothing (on). */
        static final Syntax BOOLEAN = new Syntax("boolean");
        /** No argument at all. */
        static final Syntax FLAG = new Syntax("flag");
        /** A port number 1-65535, as strtol reads it. */
        static final Syntax PORT = new Syntax("port");
        /** Empty, or a port number. */
        static final Syntax OPTIONAL_PORT = new Syntax("optional port");
        /** Empty, or a positive integer. */
        static final Syntax OPTIONAL_POSITIVE = new Syntax("optional positive");
        /** {@code off} or a positive number of seconds. */
        static final Syntax TIMEOUT = new Syntax("timeout");
        /** {@code smtp} or {@code lmtp}. */
        static final Syntax PROTOCOL = new Syntax("protocol");
        /** {@code on}, {@code off}, nothing, or a method name. */
        static final Syntax AUTH = new Syntax("auth");
        /** Empty, or hex bytes separated by colons or spaces (SHA-256, SHA-1 or MD5). */
        static final Syntax FINGERPRINT = new Syntax("fingerprint");
        /** {@code on}, {@code off}, nothing, or a facility {@code LOG_USER}, {@code LOG_MAIL}, {@code LOG_LOCAL0-7}. */
        static final Syntax SYSLOG = new Syntax("syslog");
        /** {@code off}, {@code never}, or a comma list of {@code failure}, {@code delay}, {@code success}. */
        static final Syntax DSN_NOTIFY = new Syntax("dsn_notify");

        private final String name;
        private final Set<String> choices;

        private Syntax(String name) {
            this(name, Set.of());
        }

        private Syntax(String name, Set<String> choices) {
            this.name = name;
            this.choices = choices;
        }

        /** One of these words exactly; {@code ""} among them allows an empty argument. */
        static Syntax choice(String... words) {
            return new Syntax("choice", Set.of(words));
        }

        Set<String> choices() {
            return choices;
        }

        boolean isChoice() {
            return !choices.isEmpty();
        }

        @Override
        public String toString() {
            return isChoice() ? "one of " + choices : name;
        }
    }

    /** The auth methods msmtp 1.8.23 knows, besides on and off. */
    static final Set<String> AUTH_METHODS = Set.of("plain", "scram-sha-1", "scram-sha-256", "external", "gssapi",
            "cram-md5", "digest-md5", "login", "ntlm", "oauthbearer", "xoauth2");

    private static final Map<String, MsmtpKey> BY_NAME = new HashMap<>();

    static {
        for (MsmtpKey key : values()) {
            BY_NAME.put(key.command, key);
        }
    }

    private final String command;
    private final Syntax syntax;
    private final Use use;
    private final String why;

    MsmtpKey(String command, Syntax syntax, Use use, String why) {
        this.command = command;
        this.syntax = syntax;
        this.use = use;
        this.why = why;
    }

    /** The key written {@code command} (with case), if msmtp knows it. */
    static Optional<MsmtpKey> of(String command) {
        return Optional.ofNullable(BY_NAME.get(command));
    }

    /** The command as written in the file. */
    String command() {
        return command;
    }

    Syntax syntax() {
        return syntax;
    }

    Use use() {
        return use;
    }

    /** Why postseal does not use it (empty for used keys). */
    String why() {
        return why;
    }

    /** The key whose value this one sets: {@code timeout} for {@code connect_timeout}, and so on. */
    MsmtpKey target() {
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
