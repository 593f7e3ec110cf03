package org.postseal.cli;

import io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Clock;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import org.postseal.config.ConfigException;
import org.postseal.config.MilterSettings;
import org.postseal.config.OpenDkimConf;
import org.postseal.config.SocketSpec;
import org.postseal.milter.MilterLimits;
import org.postseal.milter.MilterServer;
import org.postseal.milter.MilterSessions;
import org.postseal.milter.SigningPort;
import org.postseal.milter.VerificationSettings;
import org.postseal.dkim.VerificationLimits;
import org.postseal.dns.DnsKeyRecordSource;
import org.postseal.dns.KeyRecordSource;
import org.postseal.signing.SignatureSelector;
import org.postseal.transport.ExitStatus;
import org.postseal.transport.UnixSockets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code postseal milter}: the milter Postfix calls. Reads postseal's configuration ({@code --config}), an existing
 * {@code opendkim.conf} ({@code --opendkim-conf}), or with neither runs a built-in demonstration setup. Every key is
 * read and checked before the socket opens; a bad table line or key stops start-up with exit 78.
 */
@Command(name = "milter", mixinStandardHelpOptions = true,
        description = {"Run the DKIM signing milter for Postfix (smtpd_milters / non_smtpd_milters).",
            "With no configuration it listens on inet:8891@127.0.0.1 with a demonstration key."})
final class MilterDaemonCommand implements Callable<Integer> {
    @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "postseal configuration (HOCON).")
    private Path config;

    @Option(names = "--opendkim-conf", paramLabel = "FILE",
            description = "Read an existing opendkim.conf (and its KeyTable, SigningTable, host lists).")
    private Path openDkimConf;

    @Option(names = {"-l", "--listen"}, paramLabel = "SOCKETSPEC",
            description = "Where to listen, in OpenDKIM's Socket syntax: inet:8891@127.0.0.1, inet6:8891@[::1], "
                    + "local:/path (overrides the configuration).")
    private String listen;

    @Option(names = "--data-directory", paramLabel = "DIR",
            description = "Where the built-in setup keeps its demonstration key (default: /var/lib/postseal for "
                    + "root, ~/.postseal otherwise; or $POSTSEAL_DATA_DIR).")
    private Path dataDirectory;

    @Spec
    private CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (config != null && openDkimConf != null) {
            throw new CommandFailure(ExitStatus.USAGE, "give --config or --opendkim-conf, not both");
        }
        MilterSettings settings;
        try {
            settings = settings();
        } catch (ConfigException e) {
            throw new CommandFailure(ExitStatus.CONFIG, e.getMessage());
        }
        settings.syslog().ifPresent(LogSetup::toSyslog);
        // made here, not in a static field: picocli builds every command, and --version must not start Logback
        Logger log = LoggerFactory.getLogger(MilterDaemonCommand.class);
        settings.warnings().forEach(w -> log.warn("{}", w));
        if (!settings.signing() && !settings.verifying()) {
            throw new CommandFailure(ExitStatus.CONFIG, "Mode: neither s nor v; set Mode s, v or sv");
        }
        if (settings.softwareHeader()) {
            log.warn("software-header / SoftwareHeader: the DKIM-Filter field is not added by this version");
        }
        SigningPort signing;
        int keyCount = 0;
        if (settings.signing()) {
            SignatureSelector selector = CommandFailure.onUnusableKey(ExitStatus.CONFIG,
                    settings::signatureSelector);
            signing = SigningPort.of(selector);
            keyCount = selector.keyCount();
        } else {
            signing = SigningPort.none("Mode v: verifying only");
        }
        SocketSpec socket = listen != null ? parseSocket(listen) : settings.socket();
        MilterSessions sessions = new MilterSessions(signing, settings.onError(),
                limits(settings), Math.max(1, Runtime.getRuntime().availableProcessors()), Clock.systemUTC());
        if (settings.verifying()) {
            sessions = sessions.withVerification(verification(settings));
        }
        MilterServer server;
        try {
            server = MilterServer.start(address(socket), sessions, socketMode(settings),
                    settings.socketGroup());
        } catch (IOException | IllegalStateException e) {
            throw new CommandFailure(ExitStatus.CONFIG, e.getMessage());
        }
        log.info("postseal milter ready ({}, Mode {}{}, {} key(s), {})", settings.source(),
                settings.signing() ? "s" : "", settings.verifying() ? "v" : "", keyCount,
                org.postseal.dkim.CryptoProviders.description());
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "postseal-shutdown"));
        server.awaitClose();
        return ExitStatus.OK;
    }

    private static MilterLimits limits(MilterSettings settings) {
        MilterSettings.Limits l = settings.limits();
        try {
            return new MilterLimits(l.maxConnections(), l.bufferMemoryBytes(), l.maxPacketBytes(),
                    l.maxHeaderBytes(), l.commandTimeout(), l.idleTimeout());
        } catch (IllegalArgumentException e) {
            throw new CommandFailure(ExitStatus.CONFIG, "postseal.milter.limits: " + e.getMessage());
        }
    }

    /** How the milter verifies: the settings' actions and limits, keys from {@link #keyRecords}. */
    private static VerificationSettings verification(MilterSettings settings) {
        MilterSettings.Verification v = settings.verification();
        try {
            return new VerificationSettings(keyRecords(settings), settings.authservId(), localHostName(),
                    v.actions(), new VerificationLimits(v.maxSignatures(), v.maxSignatureFieldBytes()));
        } catch (IllegalArgumentException e) {
            throw new CommandFailure(ExitStatus.CONFIG, "AuthservID / authserv-id: " + e.getMessage());
        }
    }

    /** Where verification gets key records: DNS through the configured resolver, with its cache. */
    static KeyRecordSource keyRecords(MilterSettings settings) {
        return DnsKeyRecordSource.create(settings.dns());
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

    private MilterSettings settings() throws IOException {
        if (openDkimConf != null) {
            if (!Files.isReadable(openDkimConf)) {
                throw new CommandFailure(ExitStatus.CONFIG, openDkimConf + ": no such readable file");
            }
            return MilterSettings.fromOpenDkim(OpenDkimConf.read(openDkimConf));
        }
        if (config != null) {
            if (!Files.isReadable(config)) {
                throw new CommandFailure(ExitStatus.CONFIG, config + ": no such readable file");
            }
            return MilterSettings.load(config);
        }
        return BuiltInSetup.settings(dataDirectory(), spec.commandLine().getErr());
    }

    private Path dataDirectory() {
        if (dataDirectory != null) {
            return dataDirectory;
        }
        String env = System.getenv("POSTSEAL_DATA_DIR");
        if (env != null && !env.isEmpty()) {
            return Path.of(env);
        }
        boolean root = "root".equals(System.getProperty("user.name"));
        return root ? Path.of("/var/lib/postseal") : Path.of(System.getProperty("user.home"), ".postseal");
    }

    private static SocketSpec parseSocket(String value) {
        try {
            return SocketSpec.parse(value);
        } catch (ConfigException | IllegalArgumentException e) {
            throw new CommandFailure(ExitStatus.USAGE, "--listen: " + e.getMessage());
        }
    }

    private static SocketAddress address(SocketSpec socket) {
        if (socket.isUnix()) {
            return new DomainSocketAddress(socket.path().orElseThrow().toString());
        }
        String host = socket.host().orElse(null);
        if (host == null || host.isEmpty()) {
            return new InetSocketAddress(socket.port());
        }
        try {
            String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
            return new InetSocketAddress(InetAddress.getByName(bare), socket.port());
        } catch (UnknownHostException e) {
            throw new CommandFailure(ExitStatus.CONFIG, "Socket " + socket + ": unknown host " + host);
        }
    }

    private static Optional<Set<PosixFilePermission>> socketMode(MilterSettings settings) {
        if (settings.socketMode().isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(UnixSockets.permissions(settings.socketMode().getAsInt()));
    }
}
