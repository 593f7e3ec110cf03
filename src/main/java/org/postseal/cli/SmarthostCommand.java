package org.postseal.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import org.postseal.config.ConfigException;
import org.postseal.config.MsmtpAccount;
import org.postseal.config.MsmtpConfig;
import org.postseal.config.SmarthostSettings;
import org.postseal.config.Warnings;
import org.postseal.dkim.CryptoProviders;
import org.postseal.events.MailEvents;
import org.postseal.sendmail.MessagePreparer;
import org.postseal.smarthost.MessageSigner;
import org.postseal.smarthost.OutgoingMessages;
import org.postseal.smarthost.RetrySchedule;
import org.postseal.smarthost.Smarthost;
import org.postseal.smarthost.SmarthostServer;
import org.postseal.smarthost.Spool;
import org.postseal.smarthost.SpoolLock;
import org.postseal.smarthost.SpoolSteps;
import org.postseal.smarthost.SubmissionLimits;
import org.postseal.smtp.SmtpClient;
import org.postseal.smtp.SmtpEndpoint;
import org.postseal.transport.ExitStatus;
import org.postseal.transport.PidFile;
import org.postseal.transport.UnixSockets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code postseal smarthost}: the daemon on the unix socket that replaces the seed's
 * {@code socat UNIX-LISTEN ... EXEC:"dkimsign ... | msmtp -t -i --read-envelope-from"}. It signs each message,
 * spools it durably and relays it with the msmtp account's server; the client is told the truth. SIGHUP re-reads the
 * signing setup, its keys and the msmtp account ({@link SmarthostConfiguration}).
 */
@Command(name = "smarthost", mixinStandardHelpOptions = true,
        description = {"Take messages from 'postseal sendmail' on a unix socket, sign them, relay them over SMTP "
                + "(msmtp configuration) and keep them in a spool until the server has them."})
final class SmarthostCommand implements Callable<Integer> {
    @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "postseal configuration (HOCON), "
            + "section postseal.smarthost; the options below override it.")
    private Path config;

    @Option(names = "--socket", paramLabel = "PATH", description = "Unix socket to listen on "
            + "(default /run/postseal/smarthost.sock).")
    private String socket;

    @Option(names = "--socket-mode", paramLabel = "MODE", description = "Socket permissions, octal (default 0660).")
    private String socketMode;

    @Option(names = "--socket-group", paramLabel = "GROUP", description = "Socket group (www-data for PHP).")
    private String socketGroup;

    @Option(names = {"--msmtprc", "-C"}, paramLabel = "FILE", description = "msmtp configuration file.")
    private String msmtprc;

    @Option(names = {"--account", "-a"}, paramLabel = "NAME", description = "msmtp account (default: default).")
    private String account;

    @Option(names = "--spool", paramLabel = "DIR", description = "Spool directory (default /var/spool/postseal).")
    private String spool;

    @Option(names = "--domain", paramLabel = "DOMAIN", description = "Sign every message with this d= ...")
    private String domain;

    @Option(names = "--selector", paramLabel = "SELECTOR", description = "... this s= ...")
    private String selector;

    @Option(names = "--key", paramLabel = "FILE", description = "... and this private key (as dkimsign).")
    private String key;

    @Option(names = "--key-table", paramLabel = "FILE", description = "OpenDKIM KeyTable ...")
    private String keyTable;

    @Option(names = "--signing-table", paramLabel = "[refile:]FILE", description = "... and SigningTable.")
    private String signingTable;

    @Option(names = "--max-message-size", paramLabel = "BYTES", description = "Largest message (default 10M).")
    private String maxMessageSize;

    @Option(names = "--metrics-listen", paramLabel = "HOST:PORT", description = "Serve Prometheus metrics, /health "
            + "and /ready over HTTP there (a port alone: 127.0.0.1). Off by default.")
    private String metricsListen;

    @Option(names = "--pid-file", paramLabel = "FILE", description = "Write the process id here once listening, "
            + "for 'postseal reload smarthost' (overrides pid-file of the configuration).")
    private Path pidFile;

    private final SpoolSteps spoolSteps;

    SmarthostCommand() {
        this(SpoolSteps.NONE);
    }

    /** @param spoolSteps hears each step of the spool (a crash test stops the process at one of them) */
    SmarthostCommand(SpoolSteps spoolSteps) {
        this.spoolSteps = spoolSteps;
    }

    @Override
    public Integer call() throws Exception {
        // made here, not in a static field: picocli builds every command, and --version must not start Logback
        Logger log = LoggerFactory.getLogger(SmarthostCommand.class);
        // the settings read here serve the first load; each reload reads the files again
        SmarthostSettings first;
        try {
            first = SmarthostSettings.load(Optional.ofNullable(config), overrides(), Path.of(""));
        } catch (ConfigException e) {
            throw new CommandFailure(ExitStatus.CONFIG, e.getMessage());
        }
        // syslog before anything else is logged: the configuration's warnings, then every message's line
        first.syslog().ifPresent(LogSetup::toSyslog);
        SmarthostSettings settings = first;
        Spool spoolDir;
        Optional<SpoolLock> lock;
        try {
            spoolDir = Spool.open(settings.spool(), spoolSteps);
            lock = SpoolLock.tryAcquire(settings.spool());
        } catch (IOException e) {
            throw new CommandFailure(ExitStatus.CONFIG, "spool " + settings.spool() + ": " + e.getMessage());
        }
        if (lock.isEmpty()) {
            throw new CommandFailure(ExitStatus.CONFIG, "spool " + settings.spool() + " is in use by another "
                    + "smarthost");
        }
        DaemonMetrics metrics;
        SmarthostConfiguration configuration;
        try {
            metrics = DaemonMetrics.start(settings.metricsListen(), java.time.Instant.now());
        } catch (CommandFailure e) {
            lock.get().close();
            throw e;
        }
        try {
            AtomicBoolean firstRead = new AtomicBoolean(true);
            configuration = SmarthostConfiguration.load(() -> firstRead.getAndSet(false) ? first
                    : SmarthostSettings.load(Optional.ofNullable(config), overrides(), Path.of("")),
                    Clock.systemUTC(), metrics.events());
        } catch (CommandFailure e) {
            lock.get().close();
            metrics.close();
            throw e;
        }
        metrics.configurationLoaded(configuration.loadedAt(), Optional.of(configuration.selector()));
        SmtpClient client = new SmtpClient();
        Supplier<SmtpEndpoint> endpoint = configuration.endpoint();
        Smarthost smarthost = new Smarthost(spoolDir, configuration.outgoing(),
                (envelope, message) -> client.deliver(endpoint.get(), envelope, message),
                new RetrySchedule(settings.retryFirst(), settings.retryMax(), settings.lifetime()),
                Clock.systemDefaultZone(), settings.relayWait(), settings.deliveryThreads());
        SmarthostServer server;
        Optional<PidFile> pid;
        try {
            smarthost.start(settings.queueTick());
            server = SmarthostServer.start(settings.socket(),
                    settings.socketMode().stream().mapToObj(UnixSockets::permissions).findFirst(),
                    settings.socketGroup(), smarthost, new SubmissionLimits(settings.maxMessageBytes(),
                            settings.readTimeout(), settings.messageDeadline(), settings.maxSubmissions()),
                    Math.max(4, settings.deliveryThreads() * 2));
        } catch (IOException | IllegalStateException e) {
            smarthost.close();
            client.close();
            lock.get().close();
            metrics.close();
            throw new CommandFailure(ExitStatus.CONFIG, e.getMessage());
        }
        RunningUser.current().warnings("the smarthost", Optional.empty()).forEach(w -> log.warn("{}", w));
        metrics.ifOn(m -> m.spool(smarthost::queuedCount, () -> failedCount(spoolDir), smarthost::oldestQueued));
        HangupSignal.onHangup(() -> {
            if (configuration.reload()) {
                metrics.configurationLoaded(configuration.loadedAt(), Optional.of(configuration.selector()));
            }
        });
        pid = MilterDaemonCommand.writePidFile(pidFile != null ? Optional.of(pidFile) : settings.pidFile());
        metrics.ready(true);
        log.info("postseal smarthost ready: socket {}, relay {}, signing {}, spool {} ({}){}", settings.socket(),
                endpoint.get(), configuration.signer(), settings.spool(), CryptoProviders.description(),
                pid.map(p -> "; pid file " + p.file() + ", SIGHUP reloads").orElse("; SIGHUP reloads"));
        SpoolLock held = lock.get();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            metrics.ready(false);
            server.close();
            smarthost.close();
            client.close();
            pid.ifPresent(MilterDaemonCommand::remove);
            try {
                held.close();
            } catch (IOException e) {
                // exiting
            }
            metrics.close();
        }, "postseal-shutdown"));
        server.awaitClose();
        return ExitStatus.OK;
    }

    private Map<String, String> overrides() {
        Map<String, String> map = new LinkedHashMap<>();
        put(map, "socket", socket);
        put(map, "socket-mode", socketMode);
        put(map, "socket-group", socketGroup);
        put(map, "msmtprc", msmtprc);
        put(map, "account", account);
        put(map, "spool", spool);
        put(map, "domain", domain);
        put(map, "selector", selector);
        put(map, "key", key);
        put(map, "key-table", keyTable);
        put(map, "signing-table", signingTable);
        put(map, "max-message-size", maxMessageSize);
        put(map, "metrics.listen", metricsListen);
        return map;
    }

    private static void put(Map<String, String> map, String name, String value) {
        if (value != null) {
            map.put(name, value);
        }
    }

    /**
     * The SMTP server of the msmtp account the settings name (msmtp's default account when none), with warnings for
     * the account's settings postseal reads but does not use.
     *
     * @throws ConfigException for a bad msmtp file or an unknown or unusable account
     */
    static SmtpEndpoint endpoint(SmarthostSettings settings, Warnings warnings) {
        MsmtpConfig msmtp = MsmtpConfig.read(settings.msmtprc(), warnings);
        MsmtpAccount chosen = settings.account().map(msmtp::requireAccount).orElseGet(msmtp::defaultAccount);
        SmtpEndpoint endpoint = chosen.toEndpoint();
        chosen.logfile().filter(f -> !f.equals("-")).ifPresent(f -> warnings.at(chosen.where("logfile"),
                "logfile " + f + " is not written: postseal logs every delivery on stderr (the journal)"));
        chosen.syslog().ifPresent(f -> warnings.at(chosen.where("syslog"),
                "syslog is not used: postseal logs every delivery on stderr (the journal), and to syslog with "
                        + "postseal.logging.syslog"));
        chosen.from().ifPresent(f -> warnings.at(chosen.where("from"), "from " + f + " is not used: the "
                + "envelope sender is -f, else the From field (read-envelope-from), else user@hostname"));
        return endpoint;
    }

    /** How submissions are prepared and signed under these settings. */
    static OutgoingMessages outgoing(SmarthostSettings settings, MessageSigner signer) {
        return outgoing(settings, signer, MailEvents.NONE);
    }

    /** How submissions are prepared and signed under these settings, telling {@code events} what became of each. */
    static OutgoingMessages outgoing(SmarthostSettings settings, MessageSigner signer, MailEvents events) {
        return new OutgoingMessages(MessagePreparer.forThisMachine(settings.hostname()), signer, settings.onError(),
                settings.readEnvelopeFrom(), events);
    }

    /** The failed messages in the spool, -1 if the directory cannot be read (the gauge then says so). */
    private static int failedCount(Spool spool) {
        try {
            return spool.failedCount();
        } catch (IOException e) {
            return -1;
        }
    }

    /** The signing the settings ask for, every key read and checked now (exit 78 on a bad one). */
    static MessageSigner signer(SmarthostSettings settings) {
        return MessageSigner.of(CommandFailure.onUnusableKey(ExitStatus.CONFIG, settings::signatureSelector),
                Clock.systemUTC());
    }
}
