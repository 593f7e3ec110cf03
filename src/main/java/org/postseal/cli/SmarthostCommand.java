package org.postseal.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.postseal.config.ConfigException;
import org.postseal.config.MsmtpAccount;
import org.postseal.config.MsmtpConfig;
import org.postseal.config.SmarthostSettings;
import org.postseal.config.Warnings;
import org.postseal.dkim.CryptoProviders;
import org.postseal.sendmail.MessagePreparer;
import org.postseal.smarthost.MessageSigner;
import org.postseal.smarthost.OutgoingMessages;
import org.postseal.smarthost.RetrySchedule;
import org.postseal.smarthost.Smarthost;
import org.postseal.smarthost.SmarthostServer;
import org.postseal.smarthost.Spool;
import org.postseal.smarthost.SpoolLock;
import org.postseal.smarthost.SubmissionLimits;
import org.postseal.smtp.SmtpClient;
import org.postseal.smtp.SmtpEndpoint;
import org.postseal.transport.ExitStatus;
import org.postseal.transport.UnixSockets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code postseal smarthost}: the daemon on the unix socket that replaces the seed's
 * {@code socat UNIX-LISTEN ... EXEC:"dkimsign ... | msmtp -t -i --read-envelope-from"}. It signs each message,
 * spools it durably and relays it with the msmtp account's server; the client is told the truth.
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

    @Override
    public Integer call() throws Exception {
        // made here, not in a static field: picocli builds every command, and --version must not start Logback
        Logger log = LoggerFactory.getLogger(SmarthostCommand.class);
        SmarthostSettings settings;
        SmtpEndpoint endpoint;
        try {
            settings = SmarthostSettings.load(Optional.ofNullable(config), overrides(), Path.of(""));
            Warnings warnings = new Warnings();
            endpoint = endpoint(settings, warnings);
            settings.syslog().ifPresent(LogSetup::toSyslog);
            settings.warnings().forEach(w -> log.warn("{}", w));
            warnings.list().forEach(w -> log.warn("{}", w));
        } catch (ConfigException e) {
            throw new CommandFailure(ExitStatus.CONFIG, e.getMessage());
        }
        MessageSigner signer = signer(settings);
        Spool spoolDir;
        Optional<SpoolLock> lock;
        try {
            spoolDir = Spool.open(settings.spool());
            lock = SpoolLock.tryAcquire(settings.spool());
        } catch (IOException e) {
            throw new CommandFailure(ExitStatus.CONFIG, "spool " + settings.spool() + ": " + e.getMessage());
        }
        if (lock.isEmpty()) {
            throw new CommandFailure(ExitStatus.CONFIG, "spool " + settings.spool() + " is in use by another "
                    + "smarthost");
        }
        SmtpClient client = new SmtpClient();
        Smarthost smarthost = new Smarthost(spoolDir, outgoing(settings, signer),
                (envelope, message) -> client.deliver(endpoint, envelope, message),
                new RetrySchedule(settings.retryFirst(), settings.retryMax(), settings.lifetime()),
                Clock.systemDefaultZone(), settings.relayWait(), settings.deliveryThreads());
        SmarthostServer server;
        try {
            smarthost.start(settings.queueTick());
            server = SmarthostServer.start(settings.socket(),
                    settings.socketMode().stream().mapToObj(UnixSockets::permissions).findFirst(),
                    settings.socketGroup(), smarthost, new SubmissionLimits(settings.maxMessageBytes(),
                            settings.readTimeout(), settings.messageDeadline()),
                    Math.max(4, settings.deliveryThreads() * 2));
        } catch (IOException | IllegalStateException e) {
            smarthost.close();
            client.close();
            lock.get().close();
            throw new CommandFailure(ExitStatus.CONFIG, e.getMessage());
        }
        log.info("postseal smarthost ready: socket {}, relay {}, signing {}, spool {} ({})", settings.socket(),
                endpoint, signer, settings.spool(), CryptoProviders.description());
        SpoolLock held = lock.get();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            smarthost.close();
            client.close();
            try {
                held.close();
            } catch (IOException e) {
                // exiting
            }
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
        return new OutgoingMessages(MessagePreparer.forThisMachine(settings.hostname()), signer, settings.onError(),
                settings.readEnvelopeFrom());
    }

    /** The signing the settings ask for, every key read and checked now (exit 78 on a bad one). */
    static MessageSigner signer(SmarthostSettings settings) {
        return MessageSigner.of(CommandFailure.onUnusableKey(ExitStatus.CONFIG, settings::signatureSelector),
                Clock.systemUTC());
    }
}
