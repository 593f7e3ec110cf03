package org.postseal.config;

import static org.postseal.config.HoconSettings.positiveDuration;
import static org.postseal.config.HoconSettings.string;
import static org.postseal.config.HoconSettings.where;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigResolveOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;
import org.postseal.dkim.CanonicalizationPair;
import org.postseal.logging.SyslogTarget;
import org.postseal.policy.DomainName;
import org.postseal.policy.SigningPolicy;
import org.postseal.signing.FixedKey;
import org.postseal.signing.KeyRules;
import org.postseal.signing.OnError;
import org.postseal.signing.SignatureSelector;
import org.postseal.signing.SignatureTemplate;
import org.postseal.signing.UnusableKeyException;

/**
 * The settings of {@code postseal smarthost}: {@code postseal.smarthost} in reference.conf, an application file
 * ({@code --config}) and the command-line options, which win. Immutable; every problem is a {@link ConfigException}
 * naming where it is.
 *
 * @param socket the unix socket to listen on
 * @param socketMode its permission bits, if set
 * @param socketGroup its group, if set
 * @param pidFile where the running smarthost writes its process id, if anywhere
 * @param msmtprc the msmtp configuration file
 * @param account the msmtp account, empty for msmtp's default
 * @param spool the spool directory
 * @param signing a fixed key, or a policy from tables
 * @param canonicalization c=
 * @param minimumKeyBits RSA keys shorter are refused
 * @param requireSafeKeys key files readable by others are refused
 * @param onError what happens to a message that cannot be signed
 * @param readEnvelopeFrom the envelope sender from the From field unless the client gives -f
 * @param hostname for Message-ID and an added From, empty for this machine's name
 * @param maxMessageBytes the largest message accepted
 * @param readTimeout the longest silence from a client
 * @param messageDeadline the longest time a client may take to send its whole message
 * @param maxSubmissions submissions (connections to the socket) served at once
 * @param relayWait how long a client waits for the first attempt
 * @param retryFirst first retry wait
 * @param retryMax longest retry wait
 * @param lifetime how long a message may stay queued
 * @param deliveryThreads deliveries at once
 * @param queueTick how often the queue runner looks
 * @param metricsListen where the metrics listener binds; empty for no metrics
 * @param warnings what was found odd, to log
 * @param syslog where lines go besides stderr ({@code postseal.logging.syslog}); empty for stderr only
 */
public record SmarthostSettings(Path socket, OptionalInt socketMode, Optional<String> socketGroup,
        Optional<Path> pidFile, Path msmtprc,
        Optional<String> account, Path spool, Signing signing, CanonicalizationPair canonicalization,
        int minimumKeyBits, boolean requireSafeKeys, OnError onError, boolean readEnvelopeFrom,
        Optional<String> hostname,
        long maxMessageBytes, Duration readTimeout, Duration messageDeadline, int maxSubmissions, Duration relayWait,
        Duration retryFirst,
        Duration retryMax, Duration lifetime, int deliveryThreads, Duration queueTick,
        Optional<MetricsAddress> metricsListen, List<String> warnings, Optional<SyslogTarget> syslog) {
    static final String ROOT = "postseal.smarthost";
    private static final Set<String> KNOWN = Set.of("socket", "socket-mode", "socket-group", "pid-file", "msmtprc",
            "account", "spool", "domain", "selector", "key", "key-table", "signing-table", "multiple-signatures",
            "canonicalization", "minimum-key-bits", "require-safe-keys", "on-error", "hostname", "max-message-size",
            "read-timeout", "message-deadline", "max-submissions", "relay-wait", "retry", "delivery-threads",
            "queue-tick",
            "read-envelope-from", "metrics");

    public SmarthostSettings {
        warnings = List.copyOf(warnings);
    }

    /** How messages are signed: one fixed key, or OpenDKIM's tables. */
    public sealed interface Signing {
        /**
         * The signatures this setup makes, its keys read and checked now.
         *
         * @throws UnusableKeyException if a key cannot be used
         */
        SignatureSelector selector(KeyRules rules, SignatureTemplate template);
    }

    /** {@code dkimsign SELECTOR DOMAIN KEYFILE}: every message with this key, whatever its From. */
    public record Fixed(FixedKey key) implements Signing {
        @Override
        public SignatureSelector selector(KeyRules rules, SignatureTemplate template) {
            return SignatureSelector.fixed(key, rules, template);
        }
    }

    /** KeyTable and SigningTable: the From address picks the keys. */
    public record Tables(SigningPolicy policy) implements Signing {
        @Override
        public SignatureSelector selector(KeyRules rules, SignatureTemplate template) {
            return SignatureSelector.byPolicy(policy, rules, template);
        }
    }

    /**
     * Loads the settings.
     *
     * @param applicationFile the {@code --config} file, if any
     * @param overrides settings from the command line, by name under {@code postseal.smarthost} (values as strings)
     * @param base the directory relative paths are resolved against
     * @throws ConfigException for a missing file, a bad value, a bad table line or a missing setting
     */
    public static SmarthostSettings load(Optional<Path> applicationFile, Map<String, String> overrides, Path base) {
        Config reference = ConfigFactory.parseResources(SmarthostSettings.class.getClassLoader(), "reference.conf");
        Config app = ConfigFactory.empty();
        Map<String, Object> cli = new HashMap<>();
        Warnings warnings = new Warnings();
        overrides.forEach((k, v) -> cli.put(ROOT + "." + k, v));
        try {
            if (applicationFile.isPresent()) {
                app = HoconSettings.parseFile(base.resolve(applicationFile.get()), warnings);
            }
            Config resolved = ConfigFactory.parseMap(cli, "command line").withFallback(app).withFallback(reference)
                    .withFallback(ConfigFactory.systemEnvironment()).resolve(ConfigResolveOptions.noSystem());
            Optional<SyslogTarget> syslog = LoggingSettings.fromHocon(resolved, warnings);
            return read(resolved.getConfig(ROOT), base, warnings, syslog);
        } catch (com.typesafe.config.ConfigException e) {
            throw new ConfigException(e.getMessage(), e);
        }
    }

    private static SmarthostSettings read(Config c, Path base, Warnings warnings, Optional<SyslogTarget> syslog) {
        for (String key : new TreeSet<>(c.root().keySet())) {
            if (!KNOWN.contains(key)) {
                warnings.at(where(c, key), "unknown setting " + ROOT + "." + key + " ignored");
            }
        }
        Path msmtprc = path(c, "msmtprc", base).orElseThrow(() -> ConfigException.at(where(c, "msmtprc"),
                "no msmtp configuration: give --msmtprc FILE (or " + ROOT + ".msmtprc)"));
        OptionalInt mode = OptionalInt.empty();
        Optional<String> modeText = string(c, "socket-mode");
        if (modeText.isPresent()) {
            if (!modeText.get().matches("0?[0-7]{1,3}")) {
                throw ConfigException.at(where(c, "socket-mode"), "'" + modeText.get()
                        + "' is not an octal mode such as 0660");
            }
            mode = OptionalInt.of(Integer.parseInt(modeText.get(), 8));
        }
        long max = c.getBytes("max-message-size");
        if (max < 1 || max > Integer.MAX_VALUE - 64) {
            throw ConfigException.at(where(c, "max-message-size"), max + " bytes (expected: 1 to 2G)");
        }
        int submissions = c.getInt("max-submissions");
        if (submissions < 1 || submissions > 65536) {
            throw ConfigException.at(where(c, "max-submissions"), "max-submissions = " + submissions
                    + " (expected: 1-65536)");
        }
        int threads = c.getInt("delivery-threads");
        if (threads < 1 || threads > 256) {
            throw ConfigException.at(where(c, "delivery-threads"), threads + " (expected: 1-256)");
        }
        return new SmarthostSettings(path(c, "socket", base).orElseThrow(), mode, string(c, "socket-group"),
                HoconSettings.pidFile(c, base), msmtprc, string(c, "account"), path(c, "spool", base).orElseThrow(),
                signing(c, base, warnings),
                SettingReaders.canonicalization(c.getString("canonicalization"), where(c, "canonicalization")),
                c.getInt("minimum-key-bits"), c.getBoolean("require-safe-keys"),
                SettingReaders.onError(c.getString("on-error"), where(c, "on-error"), warnings),
                c.getBoolean("read-envelope-from"), string(c, "hostname"), max,
                positiveDuration(c, "read-timeout"), positiveDuration(c, "message-deadline"), submissions,
                positiveDuration(c, "relay-wait"), positiveDuration(c, "retry.first"), positiveDuration(c, "retry.max"),
                positiveDuration(c, "retry.lifetime"), threads, positiveDuration(c, "queue-tick"),
                HoconSettings.metrics(c, ROOT), warnings.list(), syslog);
    }

    private static Signing signing(Config c, Path base, Warnings warnings) {
        boolean single = c.hasPath("domain") || c.hasPath("selector") || c.hasPath("key");
        boolean tables = c.hasPath("key-table") || c.hasPath("signing-table");
        if (single && tables) {
            throw ConfigException.at(where(c, "domain"), "give either domain/selector/key or "
                    + "key-table/signing-table, not both");
        }
        if (single) {
            for (String key : List.of("domain", "selector", "key")) {
                if (!c.hasPath(key)) {
                    throw ConfigException.at(where(c, key), "the single-key setup needs --domain, --selector and "
                            + "--key; " + key + " is missing");
                }
            }
            String domain = c.getString("domain").strip();
            if (!DomainName.isValid(domain)) {
                throw ConfigException.at(where(c, "domain"), "'" + domain + "' is not a domain name");
            }
            String selector = c.getString("selector").strip();
            if (!DomainName.isValid(selector)) {
                throw ConfigException.at(where(c, "selector"), "'" + selector + "' is not a selector");
            }
            return new Fixed(FixedKey.of(domain, selector, path(c, "key", base).orElseThrow()));
        }
        if (!c.hasPath("key-table") || !c.hasPath("signing-table")) {
            throw ConfigException.at(where(c, c.hasPath("key-table") ? "key-table" : "signing-table"),
                    "nothing to sign with: give --domain, --selector and --key, or --key-table and "
                            + "--signing-table");
        }
        String origin = ROOT + ".";
        PolicyInputs inputs = PolicyInputs.builder(option -> where(c, "key-table"))
                .keyTable(Optional.of(DataSet.parseFile(c.getString("key-table"), base, where(c, "key-table")
                        + " (" + origin + "key-table)")))
                .signingTable(Optional.of(DataSet.parseFile(c.getString("signing-table"), base,
                        where(c, "signing-table") + " (" + origin + "signing-table)")))
                .multipleSignatures(c.getBoolean("multiple-signatures"))
                .build();
        return new Tables(SettingReaders.policy(inputs, base, warnings));
    }

    /** The signature template for these settings: canonicalization, OpenDKIM's header lists. */
    public SignatureTemplate signatureTemplate() {
        return SignatureTemplate.of(canonicalization);
    }

    /** The checks every key must pass: minimum size, RequireSafeKeys. */
    public KeyRules keyRules() {
        return KeyRules.configured(minimumKeyBits, requireSafeKeys, Optional.empty());
    }

    /**
     * The signatures these settings make, every key read and checked now.
     *
     * @throws UnusableKeyException if a key cannot be used
     */
    public SignatureSelector signatureSelector() {
        return signing.selector(keyRules(), signatureTemplate());
    }

    private static Optional<Path> path(Config c, String key, Path base) {
        return string(c, key).map(v -> base.resolve(v).normalize());
    }
}
