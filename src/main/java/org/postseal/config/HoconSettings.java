package org.postseal.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException.Missing;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigResolveOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.postseal.dkim.SignatureSpec;
import org.postseal.policy.SigningPolicy;
import org.postseal.policy.VerificationActions;

/**
 * Reads {@link MilterSettings} from postseal's own configuration, {@code postseal.milter} in HOCON:
 * {@code reference.conf} for the defaults, the application file over it, and {@code ${?VAR}} substitutions (written in
 * {@code reference.conf}) taken from the environment given, so that tests need not touch the real one.
 */
final class HoconSettings {
    static final String ROOT = "postseal.milter";
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Set<String> KNOWN = Set.of("socket", "socket-mode", "socket-group", "pid-file", "mode",
            "dns",
            "canonicalization", "sign-headers", "oversign-headers", "signature-algorithm", "signature-ttl",
            "key-table", "signing-table", "multiple-signatures", "domain", "selector", "key-file", "sub-domains",
            "internal-hosts", "peer-list", "external-ignore-list", "macro-list", "mta", "minimum-key-bits",
            "require-safe-keys", "on-error", "authserv-id", "software-header", "limits", "metrics",
            "shutdown-timeout",
            // verification
            "on-default", "on-bad-signature", "on-key-not-found", "on-dns-error", "on-no-signature",
            "on-internal-error", "on-security", "maximum-signatures-to-verify", "max-signature-field");
    /** OpenDKIM's option names (used by {@link PolicyInputs}) and the settings that stand for them here. */
    private static final Map<String, String> BY_OPENDKIM_NAME = Map.of("KeyTable", "key-table", "SigningTable",
            "signing-table", "Domain", "domain", "Selector", "selector", "KeyFile", "key-file", "SubDomains",
            "sub-domains");

    private HoconSettings() {
    }

    static MilterSettings load(Optional<Path> applicationFile, Map<String, String> environment, Path base,
            Warnings warnings) {
        Config reference = ConfigFactory.parseResources(HoconSettings.class.getClassLoader(), "reference.conf");
        Config app = ConfigFactory.empty();
        String source = "reference.conf";
        try {
            if (applicationFile.isPresent()) {
                Path file = base.resolve(applicationFile.get());
                app = parseFile(file, warnings);
                source = file.toString();
            }
            // the environment sits at the root, where ${?VAR} looks; postseal.milter ignores it
            Config resolved = app.withFallback(reference).withFallback(environment(environment))
                    .resolve(ConfigResolveOptions.noSystem());
            return read(resolved.getConfig(ROOT), base, source, warnings)
                    .syslog(LoggingSettings.fromHocon(resolved, warnings)).warnings(warnings.list()).build();
        } catch (com.typesafe.config.ConfigException e) {
            throw new ConfigException(e.getMessage(), e);
        }
    }

    private static Config environment(Map<String, String> environment) {
        Map<String, String> usable = new HashMap<>();
        environment.forEach((name, value) -> {
            if (ENV_NAME.matcher(name).matches()) {
                usable.put(name, value);
            }
        });
        return ConfigFactory.parseMap(usable, "environment");
    }

    /**
     * Parses a HOCON file once {@link ConfigFiles} has accepted it (a regular file within the size limit); a leading
     * byte-order mark, which HOCON skips as white space, adds a warning as it does for every other file.
     */
    static Config parseFile(Path file, Warnings warnings) {
        ConfigFiles.read(file, file.toString(), "configuration file", warnings);
        return ConfigFactory.parseFile(file.toFile(), ConfigParseOptions.defaults().setAllowMissing(false));
    }

    private static MilterSettings.Builder read(Config c, Path base, String source, Warnings warnings) {
        for (String key : new TreeSet<>(c.root().keySet())) {
            if (!KNOWN.contains(key)) {
                warnings.at(where(c, key), "unknown setting " + ROOT + "." + key + " ignored");
            }
        }
        SocketSpec socket;
        try {
            socket = SocketSpec.parse(c.getString("socket"));
        } catch (IllegalArgumentException e) {
            throw ConfigException.at(where(c, "socket"), e.getMessage());
        }
        OpenDkimMode mode = OpenDkimMode.parse(c.getString("mode"), where(c, "mode"));

        PolicyInputs inputs = PolicyInputs.builder(option -> where(c, BY_OPENDKIM_NAME.getOrDefault(option,
                        "key-table")))
                .keyTable(table(c, "key-table", base))
                .signingTable(table(c, "signing-table", base))
                .domain(dataSet(c, "domain", base, warnings))
                .selector(string(c, "selector"))
                .keyFile(string(c, "key-file").map(p -> base.resolve(p).normalize().toString()))
                .internalHosts(dataSet(c, "internal-hosts", base, warnings))
                .peerList(dataSet(c, "peer-list", base, warnings))
                .externalIgnoreList(dataSet(c, "external-ignore-list", base, warnings))
                .macroList(dataSet(c, "macro-list", base, warnings))
                .mta(dataSet(c, "mta", base, warnings))
                .subDomains(c.getBoolean("sub-domains"))
                .multipleSignatures(c.getBoolean("multiple-signatures"))
                .build();
        SigningPolicy policy = SettingReaders.policy(inputs, base, warnings);

        MilterSettings.Builder settings = MilterSettings.builder(socket, policy)
                .source(source)
                .mode(mode.signs(), mode.verifies())
                .canonicalization(SettingReaders.canonicalization(c.getString("canonicalization"),
                        where(c, "canonicalization")))
                .signedHeaders(dataSet(c, "sign-headers", base, warnings)
                        .map(s -> TableFile.headerNames(s, SignatureSpec.DEFAULT_SIGNED_HEADERS, warnings))
                        .orElse(SignatureSpec.DEFAULT_SIGNED_HEADERS))
                .oversignedHeaders(dataSet(c, "oversign-headers", base, warnings)
                        .map(s -> TableFile.headerNames(s, List.of(), warnings)).orElse(List.of()))
                .minimumKeyBits(c.getInt("minimum-key-bits"))
                .requireSafeKeys(c.getBoolean("require-safe-keys"))
                .softwareHeader(c.getBoolean("software-header"))
                .onError(SettingReaders.onError(c.getString("on-error"), where(c, "on-error"), warnings));
        string(c, "signature-algorithm").ifPresent(v -> settings.algorithm(
                SettingReaders.algorithm(v, where(c, "signature-algorithm"))));
        if (c.hasPath("signature-ttl")) {
            try {
                settings.signatureTtl(c.getDuration("signature-ttl"));
            } catch (IllegalArgumentException e) {
                throw ConfigException.at(where(c, "signature-ttl"), e.getMessage());
            }
        }
        settings.limits(limits(c));
        settings.shutdownTimeout(positiveDuration(c, "shutdown-timeout"));
        settings.dns(DnsSettingsReader.fromHocon(c));
        metrics(c, ROOT).ifPresent(settings::metricsListen);
        settings.verification(verification(c));
        string(c, "authserv-id").ifPresent(settings::authservId);
        string(c, "socket-group").ifPresent(settings::socketGroup);
        pidFile(c, base).ifPresent(settings::pidFile);
        string(c, "socket-mode").ifPresent(v -> {
            if (!v.matches("0?[0-7]{1,3}")) {
                throw ConfigException.at(where(c, "socket-mode"), "'" + v + "' is not an octal mode such as 0660");
            }
            settings.socketMode(Integer.parseInt(v, 8));
        });
        return settings;
    }

    /** The actions on verification results, the signatures examined and the largest signature field. */
    private static MilterSettings.Verification verification(Config c) {
        VerificationActions actions = VerificationOptions.actions(
                o -> string(c, VerificationOptions.hoconName(o)), o -> where(c, VerificationOptions.hoconName(o)));
        return new MilterSettings.Verification(actions, positiveInt(c, "maximum-signatures-to-verify", 1),
                (int) bytes(c, "max-signature-field", 256, 1 << 20));
    }

    private static final Set<String> LIMITS = Set.of("max-connections", "buffer-memory", "max-packet",
            "max-header", "max-header-fields", "command-timeout", "idle-timeout");

    /** {@code limits}: each a positive number, size or duration. */
    private static MilterSettings.Limits limits(Config c) {
        Config l = c.getConfig("limits");
        for (String key : new TreeSet<>(l.root().keySet())) {
            if (!LIMITS.contains(key)) {
                throw ConfigException.at(where(l, key), "unknown setting " + ROOT + ".limits." + key);
            }
        }
        return new MilterSettings.Limits(positiveInt(l, "max-connections", 1),
                bytes(l, "buffer-memory", 65536, Long.MAX_VALUE), (int) bytes(l, "max-packet", 65536, 1 << 30),
                (int) bytes(l, "max-header", 1024, 1 << 30), positiveInt(l, "max-header-fields", 1),
                positiveDuration(l, "command-timeout"), positiveDuration(l, "idle-timeout"));
    }

    /**
     * {@code metrics.listen}, the metrics listener's address, if set (the section {@code root} names it in errors).
     *
     * @throws ConfigException naming file and line for a bad address or an unknown setting under {@code metrics}
     */
    static Optional<MetricsAddress> metrics(Config c, String root) {
        if (!c.hasPath("metrics")) {
            return Optional.empty();
        }
        Config m;
        try {
            m = c.getConfig("metrics");
        } catch (com.typesafe.config.ConfigException.WrongType e) {
            throw ConfigException.at(where(c, "metrics"), root + ".metrics must be a section: metrics { listen = "
                    + "\"127.0.0.1:9891\" }");
        }
        for (String key : new TreeSet<>(m.root().keySet())) {
            if (!key.equals("listen")) {
                throw ConfigException.at(where(m, key), "unknown setting " + root + ".metrics." + key);
            }
        }
        Optional<String> listen = string(m, "listen").map(String::strip).filter(v -> !v.isEmpty());
        try {
            return listen.map(MetricsAddress::parse);
        } catch (IllegalArgumentException e) {
            throw ConfigException.at(where(m, "listen"), root + ".metrics.listen: " + e.getMessage());
        }
    }

    private static int positiveInt(Config c, String key, int min) {
        int value = c.getInt(key);
        if (value < min) {
            throw ConfigException.at(where(c, key), key + " = " + value + " (expected: >= " + min + ")");
        }
        return value;
    }

    private static long bytes(Config c, String key, long min, long max) {
        long value = c.getBytes(key);
        if (value < min || value > max) {
            throw ConfigException.at(where(c, key), key + " = " + value + " bytes (expected: " + min + " to " + max
                    + ")");
        }
        return value;
    }

    /** A duration setting that must be more than zero; either error names the file and line. */
    static java.time.Duration positiveDuration(Config c, String key) {
        java.time.Duration value;
        try {
            value = c.getDuration(key);
        } catch (com.typesafe.config.ConfigException e) {
            throw ConfigException.at(where(c, key), e.getMessage());
        }
        if (value.isNegative() || value.isZero()) {
            throw ConfigException.at(where(c, key), key + " = " + value + " (expected: more than 0)");
        }
        return value;
    }

    /** A string setting, absent when missing or null. */
    /** {@code pid-file}, resolved against {@code base}; unset or empty for none. */
    static Optional<Path> pidFile(Config c, Path base) {
        return string(c, "pid-file").filter(p -> !p.isBlank()).map(p -> base.resolve(p).normalize());
    }

    static Optional<String> string(Config c, String key) {
        return c.hasPath(key) ? Optional.of(c.getString(key)) : Optional.empty();
    }

    /** A table setting: a path, {@code file:path} or {@code refile:path}. */
    private static Optional<DataSet> table(Config c, String key, Path base) {
        return string(c, key).map(v -> DataSet.parseFile(v, base, where(c, key) + " (" + ROOT + "." + key + ")"));
    }

    /**
     * A list setting ({@link DataSet#of}), or a string one: a file (named by a prefix or because it exists), or
     * else a comma-separated list, as environment variables give them.
     */
    private static Optional<DataSet> dataSet(Config c, String key, Path base, Warnings warnings) {
        if (!c.hasPath(key)) {
            return Optional.empty();
        }
        ConfigValue value = c.getValue(key);
        String origin = where(c, key) + " (" + ROOT + "." + key + ")";
        if (value.valueType() == ConfigValueType.LIST) {
            List<String> entries = new ArrayList<>();
            for (String entry : c.getStringList(key)) {
                if (!entry.isBlank()) {
                    entries.add(entry.strip());
                }
            }
            return Optional.of(DataSet.of(entries, origin));
        }
        String text = c.getString(key).strip();
        if (!text.isEmpty() && text.indexOf(':') < 0 && text.indexOf(',') < 0
                && Files.isRegularFile(base.resolve(text))) {
            return Optional.of(DataSet.file(base.resolve(text).normalize(), false, origin));
        }
        return Optional.of(DataSet.parse(text, base, origin, warnings));
    }

    /** Where a setting came from: {@code /etc/postseal/postseal.conf: 12}, or the root when it is not set. */
    static String where(Config c, String key) {
        try {
            return c.hasPath(key) ? c.getValue(key).origin().description() : c.origin().description();
        } catch (Missing e) {
            return c.origin().description();
        }
    }
}
