package org.postseal.cli;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.postseal.config.ConfigException;
import org.postseal.config.SmarthostSettings;
import org.postseal.config.Warnings;
import org.postseal.logging.LogText;
import org.postseal.smarthost.MessageSigner;
import org.postseal.events.MailEvents;
import org.postseal.signing.SignatureSelector;
import org.postseal.smarthost.OutgoingMessages;
import org.postseal.smtp.SmtpEndpoint;
import org.postseal.transport.ExitStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The smarthost's configuration as it runs: read at start-up and again at each reload (SIGHUP, or
 * {@code postseal reload smarthost}). What a reload changes: how messages are signed (the key or the KeyTable and
 * SigningTable, every key read and checked again, canonicalization, on-error), how they are prepared
 * (read-envelope-from, hostname), and the msmtp file and account they are relayed with. Each submission takes the
 * signing current when it arrives; each delivery attempt, the relay current when it starts. A reload that fails
 * changes nothing: one log line names the file and line, and the configuration already loaded keeps serving. The
 * socket, the spool, the pid file, the limits on clients, the retry schedule, the delivery threads and syslog stay
 * as they were at start-up; a reload that changes one says in a warning that it needs a restart.
 */
final class SmarthostConfiguration {
    private static final Logger LOG = LoggerFactory.getLogger(SmarthostConfiguration.class);

    /** Reads the smarthost's settings from its file and command line. */
    @FunctionalInterface
    interface Source {
        /** @throws ConfigException naming the file and line of the first error */
        SmarthostSettings read();
    }

    /** One configuration, loaded: its settings, where it relays, how it prepares and signs, and when. */
    private record Loaded(SmarthostSettings settings, SmtpEndpoint endpoint, SignatureSelector selector,
            MessageSigner signer, OutgoingMessages outgoing, Instant loadedAt) {
    }

    private final Source source;
    private final Clock clock;
    private final MailEvents events;
    private final AtomicReference<Loaded> current = new AtomicReference<>();

    private SmarthostConfiguration(Source source, Clock clock, MailEvents events) {
        this.source = source;
        this.clock = clock;
        this.events = events;
    }

    /**
     * Loads the configuration for start-up.
     *
     * @param events hears what becomes of each message, under this configuration and the ones reloaded
     * @throws CommandFailure with exit 78 and the file and line, if the configuration cannot be used
     */
    static SmarthostConfiguration load(Source source, Clock clock, MailEvents events) {
        SmarthostConfiguration configuration = new SmarthostConfiguration(source, clock, events);
        try {
            configuration.current.set(configuration.read());
        } catch (ConfigException | CommandFailure e) {
            throw new CommandFailure(ExitStatus.CONFIG, e.getMessage());
        }
        return configuration;
    }

    /** The settings loaded last. */
    SmarthostSettings settings() {
        return current.get().settings();
    }

    /** The keys of the configuration loaded last. */
    SignatureSelector selector() {
        return current.get().selector();
    }

    /** When the configuration loaded last was loaded. */
    Instant loadedAt() {
        return current.get().loadedAt();
    }

    /** The signer loaded last, for the start-up line. */
    MessageSigner signer() {
        return current.get().signer();
    }

    /** How submissions are prepared and signed: the way loaded last, asked anew for each message. */
    Supplier<OutgoingMessages> outgoing() {
        return () -> current.get().outgoing();
    }

    /** Where messages are relayed: the msmtp account loaded last, asked anew for each delivery attempt. */
    Supplier<SmtpEndpoint> endpoint() {
        return () -> current.get().endpoint();
    }

    /**
     * Reads the files again and takes the new configuration if it is usable; otherwise logs one line saying why and
     * keeps the one loaded before. Calls do not overlap.
     *
     * @return whether the new configuration was taken
     */
    synchronized boolean reload() {
        Loaded before = current.get();
        Loaded after;
        try {
            after = read();
        } catch (RuntimeException e) {
            String why = e instanceof ConfigException || e instanceof CommandFailure ? e.getMessage() : e.toString();
            LOG.error("reload refused, still serving the configuration loaded at {}: {}",
                    before.loadedAt().truncatedTo(ChronoUnit.SECONDS), LogText.escape(why));
            return false;
        }
        current.set(after);
        List<String> bound = restartOnly(before.settings(), after.settings());
        if (!bound.isEmpty()) {
            LOG.warn("reload: {} changed; this takes effect at the next restart", String.join(", ", bound));
        }
        LOG.info("configuration reloaded: relay {}, signing {}; new messages use it", after.endpoint(),
                after.signer());
        return true;
    }

    private Loaded read() {
        SmarthostSettings settings = source.read();
        Warnings warnings = new Warnings();
        SmtpEndpoint endpoint = SmarthostCommand.endpoint(settings, warnings);
        SignatureSelector selector = CommandFailure.onUnusableKey(ExitStatus.CONFIG, settings::signatureSelector);
        MessageSigner signer = MessageSigner.of(selector, clock);
        OutgoingMessages outgoing = SmarthostCommand.outgoing(settings, signer, events);
        settings.warnings().forEach(w -> LOG.warn("{}", w));
        warnings.list().forEach(w -> LOG.warn("{}", w));
        return new Loaded(settings, endpoint, selector, signer, outgoing, clock.instant());
    }

    /** The settings the server and the queue were built with that differ between {@code a} and {@code b}. */
    static List<String> restartOnly(SmarthostSettings a, SmarthostSettings b) {
        List<String> changed = new ArrayList<>();
        if (!a.socket().equals(b.socket()) || !a.socketMode().equals(b.socketMode())
                || !a.socketGroup().equals(b.socketGroup())) {
            changed.add("the socket, its mode or group");
        }
        if (!a.spool().equals(b.spool())) {
            changed.add("spool");
        }
        if (!a.pidFile().equals(b.pidFile())) {
            changed.add("pid-file");
        }
        if (a.maxMessageBytes() != b.maxMessageBytes() || !a.readTimeout().equals(b.readTimeout())
                || !a.messageDeadline().equals(b.messageDeadline())) {
            changed.add("max-message-size, read-timeout or message-deadline");
        }
        if (!a.relayWait().equals(b.relayWait()) || !a.retryFirst().equals(b.retryFirst())
                || !a.retryMax().equals(b.retryMax()) || !a.lifetime().equals(b.lifetime())
                || a.deliveryThreads() != b.deliveryThreads() || !a.queueTick().equals(b.queueTick())) {
            changed.add("relay-wait, retry, delivery-threads or queue-tick");
        }
        if (!a.syslog().equals(b.syslog())) {
            changed.add("postseal.logging.syslog");
        }
        return changed;
    }
}
