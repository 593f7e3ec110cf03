package org.postseal.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import org.postseal.dkim.CanonicalizationPair;
import org.postseal.dkim.SignatureAlgorithm;
import org.postseal.dkim.SignatureSpec;
import org.postseal.dns.DnsSettings;
import org.postseal.logging.SyslogTarget;
import org.postseal.policy.SigningPolicy;
import org.postseal.policy.VerificationActions;
import org.postseal.signing.KeyRules;
import org.postseal.signing.OnError;
import org.postseal.signing.SignatureSelector;
import org.postseal.signing.SignatureTemplate;
import org.postseal.signing.UnusableKeyException;

/**
 * Everything the milter runs with: where it listens, how it signs (canonicalization, header lists, algorithm, expiry),
 * the {@link SigningPolicy} built from the KeyTable, SigningTable and host lists, what happens to a message that
 * cannot be signed, and the warnings found while loading. Immutable. Key files are named, not read: the signing path
 * reads and checks them ({@code org.postseal.signing.SigningKeys}, by {@link #keyRules()}).
 *
 * <p>Loaded from postseal's own configuration ({@link #load}: {@code reference.conf} defaults, an application file,
 * environment variables) or from an existing {@code opendkim.conf} ({@link #fromOpenDkim}).
 */
public final class MilterSettings {
    /**
     * The milter's protection bounds as configured ({@code postseal.milter.limits}); the milter checks them when it
     * starts. opendkim.conf has no such options: it gets the defaults.
     *
     * @param maxConnections connections served at once
     * @param bufferMemoryBytes bytes of partial packets held across all connections
     * @param maxPacketBytes the largest milter packet
     * @param maxHeaderBytes the largest header kept for one message
     * @param maxHeaderFields the most header fields kept for one message
     * @param commandTimeout how long a packet may take to arrive whole
     * @param idleTimeout how long a connection may stay silent
     */
    public record Limits(int maxConnections, long bufferMemoryBytes, int maxPacketBytes, int maxHeaderBytes,
            int maxHeaderFields, Duration commandTimeout, Duration idleTimeout) {
        /** The defaults, as {@code reference.conf} sets them. */
        public static final Limits DEFAULTS = new Limits(1024, 64L << 20, 1 << 20, 1 << 20, 1000,
                Duration.ofSeconds(30), Duration.ofSeconds(600));
    }

    /**
     * How incoming mail is verified (Mode v): the actions on results ({@code On-BadSignature}...), how many
     * signatures are examined per message ({@code MaximumSignaturesToVerify}) and the largest signature field parsed.
     *
     * @param actions what to do with a message in each case
     * @param maxSignatures DKIM-Signature fields examined per message, top down
     * @param maxSignatureFieldBytes the longest DKIM-Signature field parsed
     */
    public record Verification(VerificationActions actions, int maxSignatures, int maxSignatureFieldBytes) {
        /** OpenDKIM's defaults (DNS errors accepted), 3 signatures, 8 KiB per signature field. */
        public static final Verification DEFAULTS = new Verification(VerificationActions.DEFAULTS, 3, 8192);

        /**
         * @throws IllegalArgumentException if a bound is below 1
         */
        public Verification {
            Objects.requireNonNull(actions, "actions");
            if (maxSignatures < 1 || maxSignatureFieldBytes < 1) {
                throw new IllegalArgumentException("maxSignatures: " + maxSignatures + ", maxSignatureFieldBytes: "
                        + maxSignatureFieldBytes + " (expected: >= 1)");
            }
        }
    }

    /** How long SIGTERM lets messages under way finish when nothing else is configured. */
    public static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofSeconds(30);

    private final SocketSpec socket;
    private final OptionalInt socketMode;
    private final Optional<String> socketGroup;
    private final Optional<String> user;
    private final Optional<Path> pidFile;
    private final boolean signing;
    private final boolean verifying;
    private final CanonicalizationPair canonicalization;
    private final List<String> signedHeaders;
    private final List<String> oversignedHeaders;
    private final Optional<SignatureAlgorithm> algorithm;
    private final Optional<Duration> signatureTtl;
    private final SigningPolicy policy;
    private final int minimumKeyBits;
    private final boolean requireSafeKeys;
    private final OnError onError;
    private final Optional<String> authservId;
    private final boolean softwareHeader;
    private final Limits limits;
    private final Duration shutdownTimeout;
    private final DnsSettings dns;
    private final Verification verification;
    private final Optional<MetricsAddress> metricsListen;
    private final String source;
    private final List<String> warnings;
    private final Optional<SyslogTarget> syslog;

    private MilterSettings(Builder b) {
        this.socket = b.socket;
        this.socketMode = b.socketMode;
        this.socketGroup = b.socketGroup;
        this.user = b.user;
        this.pidFile = b.pidFile;
        this.signing = b.signing;
        this.verifying = b.verifying;
        this.canonicalization = b.canonicalization;
        this.signedHeaders = List.copyOf(b.signedHeaders);
        this.oversignedHeaders = List.copyOf(b.oversignedHeaders);
        this.algorithm = b.algorithm;
        this.signatureTtl = b.signatureTtl;
        this.policy = b.policy;
        this.minimumKeyBits = b.minimumKeyBits;
        this.requireSafeKeys = b.requireSafeKeys;
        this.onError = b.onError;
        this.authservId = b.authservId;
        this.softwareHeader = b.softwareHeader;
        this.limits = b.limits;
        this.shutdownTimeout = b.shutdownTimeout;
        this.dns = b.dns;
        this.verification = b.verification;
        this.metricsListen = b.metricsListen;
        this.source = b.source;
        this.warnings = List.copyOf(b.warnings);
        this.syslog = b.syslog;
    }

    /**
     * Loads postseal's configuration: {@code reference.conf}, then {@code applicationFile} over it, with
     * {@code ${?VAR}} substitutions taken from {@code environment}; relative paths resolve against
     * {@code workingDirectory}.
     *
     * @param applicationFile the application file, or empty for the defaults (and environment) alone
     * @throws ConfigException naming the file, line and setting of the first error
     */
    public static MilterSettings load(Optional<Path> applicationFile, Map<String, String> environment,
            Path workingDirectory) {
        return HoconSettings.load(applicationFile, environment, workingDirectory, new Warnings());
    }

    /**
     * Loads postseal's configuration with the process's environment and working directory, as start-up does, with
     * {@code warnings} getting the warnings and deciding what a bad table line does
     * ({@link Warnings#collectingErrors()} notes it and goes on, for {@code postseal check}).
     *
     * @throws ConfigException naming the file, line and setting of the first error that cannot be skipped
     */
    public static MilterSettings load(Path applicationFile, Warnings warnings) {
        return HoconSettings.load(Optional.of(applicationFile), System.getenv(), Path.of("").toAbsolutePath(),
                warnings);
    }

    /**
     * Loads postseal's configuration with the process's environment and working directory.
     *
     * @throws ConfigException naming the file, line and setting of the first error
     */
    public static MilterSettings load(Path applicationFile) {
        return load(Optional.of(applicationFile), System.getenv(), Path.of("").toAbsolutePath());
    }

    /**
     * The settings an existing {@code opendkim.conf} describes, as OpenDKIM would apply them (its defaults included:
     * simple/simple canonicalization, nothing oversigned, InternalHosts 127.0.0.1 and ::1).
     *
     * @throws ConfigException for a missing Socket, a malformed value, or a table that cannot be used
     */
    public static MilterSettings fromOpenDkim(OpenDkimConf conf) {
        return fromOpenDkim(conf, System.getenv(), new Warnings());
    }

    /**
     * As {@link #fromOpenDkim(OpenDkimConf)}, with {@code environment} in place of the process's
     * ({@code POSTSEAL_SYSLOG_SOCKET}).
     *
     * @throws ConfigException for a missing Socket, a malformed value, or a table that cannot be used
     */
    public static MilterSettings fromOpenDkim(OpenDkimConf conf, Map<String, String> environment) {
        return fromOpenDkim(conf, environment, new Warnings());
    }

    /**
     * {@link #fromOpenDkim(OpenDkimConf)}, with {@code warnings} getting the warnings and deciding what a bad table
     * line does ({@link Warnings#collectingErrors()} notes it and goes on, for {@code postseal check}).
     *
     * @throws ConfigException for an error that cannot be skipped
     */
    public static MilterSettings fromOpenDkim(OpenDkimConf conf, Warnings warnings) {
        return fromOpenDkim(conf, System.getenv(), warnings);
    }

    private static MilterSettings fromOpenDkim(OpenDkimConf conf, Map<String, String> environment,
            Warnings warnings) {
        return OpenDkimSettings.translate(conf, environment, warnings);
    }

    public static Builder builder(SocketSpec socket, SigningPolicy policy) {
        return new Builder(socket, policy);
    }

    /** Where the milter listens. */
    public SocketSpec socket() {
        return socket;
    }

    /** The permission bits of a UNIX-domain socket, when configured (from OpenDKIM's UMask: 0777 minus it). */
    public OptionalInt socketMode() {
        return socketMode;
    }

    /** The group of a UNIX-domain socket, when configured. */
    public Optional<String> socketGroup() {
        return socketGroup;
    }

    /**
     * The user the configuration says the milter runs as (the user part of OpenDKIM's {@code UserID}), when it says
     * one. postseal does not change user: the service manager starts it as this user, and start-up warns when it
     * runs as another one.
     */
    public Optional<String> user() {
        return user;
    }

    /** Where the running milter writes its process id, for {@code postseal reload}; empty for nowhere. */
    public Optional<Path> pidFile() {
        return pidFile;
    }

    /** Whether messages are signed (Mode s). */
    public boolean signing() {
        return signing;
    }

    /** Whether mail this milter does not sign is verified (Mode v). */
    public boolean verifying() {
        return verifying;
    }

    public CanonicalizationPair canonicalization() {
        return canonicalization;
    }

    /** The header fields to sign. */
    public List<String> signedHeaders() {
        return signedHeaders;
    }

    /** The header fields to oversign. */
    public List<String> oversignedHeaders() {
        return oversignedHeaders;
    }

    /** The algorithm every key must have, when one is configured. */
    public Optional<SignatureAlgorithm> algorithm() {
        return algorithm;
    }

    /** How long signatures are valid ({@code x=}), when limited. */
    public Optional<Duration> signatureTtl() {
        return signatureTtl;
    }

    /** What every signature has in common: canonicalization, header lists, expiry. */
    public SignatureTemplate signatureTemplate() {
        return new SignatureTemplate(canonicalization, signedHeaders, oversignedHeaders, signatureTtl, false);
    }

    /** The checks every key must pass: minimum size, RequireSafeKeys, SignatureAlgorithm (warned about). */
    public KeyRules keyRules() {
        return KeyRules.configured(minimumKeyBits, requireSafeKeys, algorithm);
    }

    /**
     * The signatures these settings make: the policy's, every key it names read and checked now.
     *
     * @throws UnusableKeyException if a key cannot be used
     */
    public SignatureSelector signatureSelector() {
        return SignatureSelector.byPolicy(policy, keyRules(), signatureTemplate());
    }

    /** Who gets signed, with which keys. */
    public SigningPolicy policy() {
        return policy;
    }

    /** The shortest RSA key accepted, in bits. */
    public int minimumKeyBits() {
        return minimumKeyBits;
    }

    /** Whether key files others can read are refused (OpenDKIM's RequireSafeKeys). */
    public boolean requireSafeKeys() {
        return requireSafeKeys;
    }

    public OnError onError() {
        return onError;
    }

    /** The authserv-id, when configured ({@code HOSTNAME} means the host name, as in OpenDKIM). */
    public Optional<String> authservId() {
        return authservId;
    }

    /** Whether to add a DKIM-Filter header field. */
    public boolean softwareHeader() {
        return softwareHeader;
    }

    /** The milter's protection bounds. */
    public Limits limits() {
        return limits;
    }

    /**
     * How long SIGTERM lets the messages under way finish before the connections still inside one are cut
     * ({@code postseal.milter.shutdown-timeout}; opendkim.conf has no such option and gets the default, 30s).
     */
    public Duration shutdownTimeout() {
        return shutdownTimeout;
    }

    /** How key records are looked up: name servers, timeout, cache size. */
    public DnsSettings dns() {
        return dns;
    }

    /** How incoming mail is verified, when {@link #verifying()}. */
    public Verification verification() {
        return verification;
    }

    /** Where the metrics listener binds ({@code metrics.listen}); empty for no metrics (the default). */
    public Optional<MetricsAddress> metricsListen() {
        return metricsListen;
    }

    /** The file(s) the settings came from, for the start-up log line. */
    public String source() {
        return source;
    }

    /** What was found odd while loading, one line each, to be logged at start-up. */
    public List<String> warnings() {
        return warnings;
    }

    /** Where lines go besides stderr ({@code Syslog yes}, {@code postseal.logging.syslog}); empty for stderr only. */
    public Optional<SyslogTarget> syslog() {
        return syslog;
    }

    @Override
    public String toString() {
        return "MilterSettings[" + source + ": socket=" + socket + ", c=" + canonicalization + ", " + policy
                + ", on-error=" + onError + "]";
    }

    /** Builds {@link MilterSettings}; defaults are postseal's (relaxed/relaxed, From oversigned, accept unsigned). */
    public static final class Builder {
        private final SocketSpec socket;
        private final SigningPolicy policy;
        private OptionalInt socketMode = OptionalInt.empty();
        private Optional<String> socketGroup = Optional.empty();
        private Optional<String> user = Optional.empty();
        private Optional<Path> pidFile = Optional.empty();
        private boolean signing = true;
        private boolean verifying;
        private CanonicalizationPair canonicalization = CanonicalizationPair.RELAXED_RELAXED;
        private List<String> signedHeaders = SignatureSpec.DEFAULT_SIGNED_HEADERS;
        private List<String> oversignedHeaders = SignatureSpec.DEFAULT_OVERSIGNED_HEADERS;
        private Optional<SignatureAlgorithm> algorithm = Optional.empty();
        private Optional<Duration> signatureTtl = Optional.empty();
        private int minimumKeyBits = 1024;
        private boolean requireSafeKeys = true;
        private OnError onError = OnError.ACCEPT;
        private Optional<String> authservId = Optional.empty();
        private boolean softwareHeader;
        private Limits limits = Limits.DEFAULTS;
        private Duration shutdownTimeout = DEFAULT_SHUTDOWN_TIMEOUT;
        private DnsSettings dns = DnsSettings.DEFAULTS;
        private Verification verification = Verification.DEFAULTS;
        private Optional<MetricsAddress> metricsListen = Optional.empty();
        private String source = "(built)";
        private List<String> warnings = List.of();
        private Optional<SyslogTarget> syslog = Optional.empty();

        private Builder(SocketSpec socket, SigningPolicy policy) {
            this.socket = Objects.requireNonNull(socket, "socket");
            this.policy = Objects.requireNonNull(policy, "policy");
        }

        /**
         * The permission bits of a UNIX-domain socket.
         *
         * @throws IllegalArgumentException if not within 0 and 0777
         */
        public Builder socketMode(int mode) {
            if (mode < 0 || mode > 0777) {
                throw new IllegalArgumentException("socket mode: " + Integer.toOctalString(mode)
                        + " (expected: 0 to 0777)");
            }
            this.socketMode = OptionalInt.of(mode);
            return this;
        }

        public Builder socketGroup(String group) {
            this.socketGroup = Optional.of(group);
            return this;
        }

        /** The user the milter is meant to run as (OpenDKIM's UserID); see {@link MilterSettings#user()}. */
        public Builder user(String name) {
            this.user = Optional.of(name);
            return this;
        }

        /** Where the running milter writes its process id (OpenDKIM's PidFile). */
        public Builder pidFile(Path file) {
            this.pidFile = Optional.of(file);
            return this;
        }

        public Builder mode(boolean sign, boolean verify) {
            this.signing = sign;
            this.verifying = verify;
            return this;
        }

        public Builder canonicalization(CanonicalizationPair value) {
            this.canonicalization = Objects.requireNonNull(value, "canonicalization");
            return this;
        }

        public Builder signedHeaders(List<String> names) {
            this.signedHeaders = List.copyOf(names);
            return this;
        }

        public Builder oversignedHeaders(List<String> names) {
            this.oversignedHeaders = List.copyOf(names);
            return this;
        }

        public Builder algorithm(SignatureAlgorithm value) {
            this.algorithm = Optional.of(value);
            return this;
        }

        /**
         * How long signatures stay valid.
         *
         * @throws IllegalArgumentException if shorter than a second
         */
        public Builder signatureTtl(Duration value) {
            if (value.getSeconds() < 1) {
                throw new IllegalArgumentException("signature TTL: " + value + " (expected: at least 1 second)");
            }
            this.signatureTtl = Optional.of(value);
            return this;
        }

        public Builder minimumKeyBits(int bits) {
            this.minimumKeyBits = bits;
            return this;
        }

        public Builder requireSafeKeys(boolean value) {
            this.requireSafeKeys = value;
            return this;
        }

        public Builder onError(OnError value) {
            this.onError = Objects.requireNonNull(value, "onError");
            return this;
        }

        public Builder authservId(String value) {
            this.authservId = Optional.of(value);
            return this;
        }

        public Builder softwareHeader(boolean value) {
            this.softwareHeader = value;
            return this;
        }

        public Builder limits(Limits value) {
            this.limits = Objects.requireNonNull(value, "limits");
            return this;
        }

        /**
         * How long SIGTERM lets messages under way finish.
         *
         * @throws IllegalArgumentException if not more than zero
         */
        public Builder shutdownTimeout(Duration value) {
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException("shutdown timeout: " + value + " (expected: more than 0)");
            }
            this.shutdownTimeout = value;
            return this;
        }

        public Builder dns(DnsSettings value) {
            this.dns = Objects.requireNonNull(value, "dns");
            return this;
        }

        public Builder verification(Verification value) {
            this.verification = Objects.requireNonNull(value, "verification");
            return this;
        }

        public Builder metricsListen(MetricsAddress value) {
            this.metricsListen = Optional.of(value);
            return this;
        }

        public Builder source(String value) {
            this.source = Objects.requireNonNull(value, "source");
            return this;
        }

        public Builder warnings(List<String> lines) {
            this.warnings = List.copyOf(lines);
            return this;
        }

        public Builder syslog(Optional<SyslogTarget> target) {
            this.syslog = Objects.requireNonNull(target, "syslog");
            return this;
        }

        public MilterSettings build() {
            return new MilterSettings(this);
        }
    }
}
