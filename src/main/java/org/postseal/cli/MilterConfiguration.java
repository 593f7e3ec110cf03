package org.postseal.cli;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Supplier;
import org.postseal.config.ConfigException;
import org.postseal.config.MilterSettings;
import org.postseal.dkim.VerificationLimits;
import org.postseal.dns.DnsSettings;
import org.postseal.dns.KeyRecordSource;
import org.postseal.logging.LogText;
import org.postseal.milter.MessageHandling;
import org.postseal.milter.SigningPort;
import org.postseal.milter.VerificationSettings;
import org.postseal.signing.SignatureSelector;
import org.postseal.signing.UnusableKeyException;
import org.postseal.transport.ExitStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The milter's configuration as it runs: read from its files at start-up, and again at each reload (SIGHUP, or
 * {@code postseal reload}), each time turned whole into the {@link MessageHandling} new messages get: settings,
 * tables and keys, every key read and test-signed. The new handling replaces the old one in one step (an
 * {@link AtomicReference}); a message under way keeps the one it started with.
 *
 * <p>A reload that fails (a bad table line, an unusable key, a file that cannot be read...) changes nothing: one log
 * line names the file and line, and the configuration already loaded keeps serving. What the server was built with
 * at start-up (the socket, its mode and group, the limits, the pid file, syslog) stays as it is; a reload that
 * changes it says in a warning that it takes effect at the next restart.
 */
final class MilterConfiguration {
    private static final Logger LOG = LoggerFactory.getLogger(MilterConfiguration.class);

    /** Reads the milter's settings from where the command line said: HOCON, opendkim.conf or the built-in setup. */
    @FunctionalInterface
    interface Source {
        /**
         * @throws ConfigException naming the file and line of the first error
         * @throws CommandFailure for a file that is not there, or a setting no milter can run with
         */
        MilterSettings read() throws IOException;
    }

    /**
     * One configuration, loaded.
     *
     * @param settings the settings read
     * @param handling what messages are handled with
     * @param keyCount the keys read and checked
     * @param keyRecords where verification gets key records (with its cache), if it verifies
     * @param loadedAt when it was loaded
     */
    private record Loaded(MilterSettings settings, MessageHandling handling, Optional<SignatureSelector> selector,
            int keyCount, Optional<KeyRecordSource> keyRecords, Instant loadedAt) {
    }

    /**
     * What messages need, built from settings: every key read and test-signed, the verification with its key
     * records. Start-up, each reload and {@code postseal check} build it here, so that check passes a configuration
     * only if the milter would start with it.
     *
     * @param signing what messages are signed with, or why not
     * @param selector the keys, when it signs
     * @param keyCount the keys read and checked
     * @param handling signing and verification together, as sessions take it
     * @param keyRecords where verification gets key records, when it verifies
     */
    record Prepared(SigningPort signing, Optional<SignatureSelector> selector, int keyCount, MessageHandling handling,
            Optional<KeyRecordSource> keyRecords) {
    }

    /**
     * Builds what messages need from {@code settings}.
     *
     * @param keyRecords makes the key record source for DNS settings, unless {@code reuse} holds one
     * @throws CommandFailure with exit 78 for a Mode that does nothing or a bad authserv-id
     * @throws UnusableKeyException for a key that cannot be read or cannot sign
     */
    static Prepared prepare(MilterSettings settings, Function<DnsSettings, KeyRecordSource> keyRecords,
            Optional<KeyRecordSource> reuse) {
        if (!settings.signing() && !settings.verifying()) {
            throw new CommandFailure(ExitStatus.CONFIG, settings.source() + ": Mode: neither s nor v; set Mode s, v"
                    + " or sv");
        }
        SigningPort signing;
        int keyCount = 0;
        SignatureSelector selector = null;
        if (settings.signing()) {
            selector = settings.signatureSelector();
            signing = SigningPort.of(selector);
            keyCount = selector.keyCount();
        } else {
            signing = SigningPort.none("Mode v: verifying only", settings.policy());
        }
        MessageHandling handling = MessageHandling.signingOnly(signing, settings.onError());
        Optional<KeyRecordSource> keys = Optional.empty();
        if (settings.verifying()) {
            KeyRecordSource source = reuse.orElseGet(() -> keyRecords.apply(settings.dns()));
            keys = Optional.of(source);
            handling = handling.withVerification(verification(settings, source));
        }
        return new Prepared(signing, Optional.ofNullable(selector), keyCount, handling, keys);
    }

    private final Source source;
    private final Function<DnsSettings, KeyRecordSource> keyRecords;
    private final Clock clock;
    private final AtomicReference<Loaded> current = new AtomicReference<>();

    private MilterConfiguration(Source source, Function<DnsSettings, KeyRecordSource> keyRecords, Clock clock) {
        this.source = source;
        this.keyRecords = keyRecords;
        this.clock = clock;
    }

    /**
     * Loads the configuration for start-up.
     *
     * @param keyRecords where verification gets key records, for the DNS settings given
     * @throws CommandFailure with exit 78 and the file and line, if the configuration cannot be used
     */
    static MilterConfiguration load(Source source, Function<DnsSettings, KeyRecordSource> keyRecords, Clock clock) {
        MilterConfiguration configuration = new MilterConfiguration(source, keyRecords, clock);
        Loaded first;
        try {
            first = configuration.read(Optional.empty());
        } catch (Refused e) {
            throw new CommandFailure(ExitStatus.CONFIG, e.getMessage());
        }
        configuration.current.set(first);
        return configuration;
    }

    /** The handling new messages get: the one loaded last, asked anew each time. */
    Supplier<MessageHandling> handling() {
        return () -> current.get().handling();
    }

    /** The settings loaded last. */
    MilterSettings settings() {
        return current.get().settings();
    }

    /** The keys the configuration loaded last signs with, if it signs. */
    Optional<SignatureSelector> selector() {
        return current.get().selector();
    }

    /** When the configuration loaded last was loaded. */
    Instant loadedAt() {
        return current.get().loadedAt();
    }

    /** The keys of the configuration loaded last. */
    int keyCount() {
        return current.get().keyCount();
    }

    /**
     * Reads the files again and, if the new configuration is usable, makes it the one new messages get; otherwise
     * logs one line saying why (with the file and line) and keeps the one loaded before. Safe to call from any thread;
     * calls do not overlap.
     *
     * @return whether the new configuration was taken
     */
    synchronized boolean reload() {
        Loaded before = current.get();
        Loaded after;
        try {
            after = read(Optional.of(before));
        } catch (Refused e) {
            LOG.error("reload refused, still serving the configuration loaded at {}: {}",
                    before.loadedAt().truncatedTo(java.time.temporal.ChronoUnit.SECONDS),
                    LogText.escape(e.getMessage()));
            return false;
        }
        current.set(after);
        List<String> bound = restartOnly(before.settings(), after.settings());
        if (!bound.isEmpty()) {
            LOG.warn("reload: {} changed; this takes effect at the next restart, the milter keeps its {}",
                    String.join(", ", bound), bound.size() == 1 ? "current one" : "current ones");
        }
        LOG.info("configuration reloaded from {} ({}, {} key(s)); new messages use it", after.settings().source(),
                mode(after.settings()), after.keyCount());
        return true;
    }

    /** Reads the settings and builds everything messages need from them; logs their warnings once it all worked. */
    private Loaded read(Optional<Loaded> previous) throws Refused {
        try {
            MilterSettings settings = source.read();
            Prepared prepared = prepare(settings, keyRecords,
                    previous.filter(p -> p.settings().dns().equals(settings.dns())).flatMap(Loaded::keyRecords));
            settings.warnings().forEach(w -> LOG.warn("{}", w));
            if (settings.softwareHeader()) {
                LOG.warn("software-header / SoftwareHeader: the DKIM-Filter field is not added by this version");
            }
            return new Loaded(settings, prepared.handling(), prepared.selector(), prepared.keyCount(),
                    prepared.keyRecords(), clock.instant());
        } catch (ConfigException | UnusableKeyException | CommandFailure e) {
            throw new Refused(e.getMessage());
        } catch (IOException | RuntimeException e) {
            throw new Refused(e.toString());
        }
    }

    /** How the milter verifies: the settings' actions and limits, keys from {@code keys}. */
    private static VerificationSettings verification(MilterSettings settings, KeyRecordSource keys) {
        MilterSettings.Verification v = settings.verification();
        try {
            return new VerificationSettings(keys, settings.authservId(), localHostName(), v.actions(),
                    new VerificationLimits(v.maxSignatures(), v.maxSignatureFieldBytes()));
        } catch (IllegalArgumentException e) {
            throw new CommandFailure(ExitStatus.CONFIG, "AuthservID / authserv-id: " + e.getMessage());
        }
    }

    /** This machine's host name, for an authserv-id when the MTA sends none; "localhost" if it has none. */
    private static String localHostName() {
        try {
            String name = InetAddress.getLocalHost().getHostName();
            return name.isEmpty() || name.contains(" ") ? "localhost" : name;
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }

    /** The settings the server was built with at start-up that differ between {@code a} and {@code b}. */
    static List<String> restartOnly(MilterSettings a, MilterSettings b) {
        List<String> changed = new ArrayList<>();
        if (!a.socket().equals(b.socket())) {
            changed.add("Socket (" + b.socket() + ")");
        }
        if (!a.socketMode().equals(b.socketMode()) || !a.socketGroup().equals(b.socketGroup())) {
            changed.add("the socket's mode or group (UMask, UserID)");
        }
        if (!a.limits().equals(b.limits())) {
            changed.add("limits");
        }
        if (!a.pidFile().equals(b.pidFile())) {
            changed.add("PidFile");
        }
        if (!a.syslog().equals(b.syslog())) {
            changed.add("syslog (Syslog, SyslogFacility, SyslogName / postseal.logging.syslog)");
        }
        return changed;
    }

    static String mode(MilterSettings settings) {
        return "Mode " + (settings.signing() ? "s" : "") + (settings.verifying() ? "v" : "");
    }

    /** Why a configuration cannot be used, in one line naming the file and line when there is one. */
    private static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;

        Refused(String message) {
            super(Objects.requireNonNullElse(message, "unknown error"), null, false, false);
        }
    }
}
