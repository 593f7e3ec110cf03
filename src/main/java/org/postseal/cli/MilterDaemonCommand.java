package org.postseal.cli;

import io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import org.postseal.config.ConfigException;
import org.postseal.config.MetricsAddress;
import org.postseal.config.MilterSettings;
import org.postseal.config.OpenDkimConf;
import org.postseal.config.SocketSpec;
import org.postseal.config.Warnings;
import org.postseal.milter.MilterLimits;
import org.postseal.milter.MilterServer;
import org.postseal.milter.MilterSessions;
import org.postseal.dns.DnsKeyRecordSource;
import org.postseal.dns.DnsSettings;
import org.postseal.dns.KeyRecordSource;
import org.postseal.events.MailEvents;
import org.postseal.transport.ExitStatus;
import org.postseal.transport.PidFile;
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
 * read and checked before the socket opens; a bad table line or key stops start-up with exit 78. SIGHUP re-reads the
 * configuration, tables and keys ({@link MilterConfiguration}). SIGTERM stops it gracefully: no new connection is
 * accepted, the messages under way finish (for at most {@code shutdown-timeout}), one line gives the counts, and the
 * process exits 0.
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

    @Option(names = "--metrics-listen", paramLabel = "HOST:PORT",
            description = "Serve Prometheus metrics, /health and /ready over HTTP there (a port alone: 127.0.0.1); "
                    + "overrides metrics.listen. Off by default.")
    private String metricsListen;

    @Option(names = "--data-directory", paramLabel = "DIR",
            description = "Where the built-in setup keeps its demonstration key (default: /var/lib/postseal for "
                    + "root, ~/.postseal otherwise; or $POSTSEAL_DATA_DIR).")
    private Path dataDirectory;

    @Option(names = "--pid-file", paramLabel = "FILE",
            description = "Write the process id here once listening, for 'postseal reload' (overrides PidFile / "
                    + "pid-file of the configuration).")
    private Path pidFile;

    @Spec
    private CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (config != null && openDkimConf != null) {
            throw new CommandFailure(ExitStatus.USAGE, "give --config or --opendkim-conf, not both");
        }
        PrintWriter err = spec.commandLine().getErr();
        // the settings read here serve the first load; each reload reads the files again
        MilterSettings first;
        try {
            first = settings(err);
        } catch (ConfigException e) {
            throw new CommandFailure(ExitStatus.CONFIG, e.getMessage());
        }
        // syslog before anything else is logged: the configuration's warnings, then every message's line
        first.syslog().ifPresent(LogSetup::toSyslog);
        // made here, not in a static field: picocli builds every command, and --version must not start Logback
        Logger log = LoggerFactory.getLogger(MilterDaemonCommand.class);
        DaemonMetrics metrics = DaemonMetrics.start(metricsListen != null ? Optional.of(parseMetrics(metricsListen))
                : first.metricsListen(), java.time.Instant.now());
        java.util.concurrent.atomic.AtomicBoolean firstRead = new java.util.concurrent.atomic.AtomicBoolean(true);
        MilterConfiguration configuration;
        try {
            configuration = MilterConfiguration.load(() -> firstRead.getAndSet(false) ? first : settings(err),
                    dns -> keyRecords(dns, metrics.events()), Clock.systemUTC());
        } catch (CommandFailure e) {
            metrics.close();
            throw e;
        }
        MilterSettings settings = configuration.settings();
        metrics.configurationLoaded(configuration.loadedAt(), configuration.selector());
        SocketSpec socket = listen != null ? parseSocket(listen) : settings.socket();
        MilterSessions sessions = new MilterSessions(configuration.handling(), limits(settings),
                Math.max(1, Runtime.getRuntime().availableProcessors()), Clock.systemUTC(), metrics.events());
        MilterServer server;
        try {
            server = MilterServer.start(address(socket), sessions, socketMode(settings), settings.socketGroup());
        } catch (IOException | IllegalStateException e) {
            metrics.close();
            throw new CommandFailure(ExitStatus.CONFIG, e.getMessage());
        }
        // once it serves: a start-up refused for a bad file says one line, this is about the running milter
        RunningUser.current().warnings("the milter", settings.user()).forEach(w -> log.warn("{}", w));
        metrics.ifOn(m -> m.milterSessions(server::openConnections));
        HangupSignal.onHangup(() -> {
            if (configuration.reload()) {
                metrics.configurationLoaded(configuration.loadedAt(), configuration.selector());
            }
        });
        Optional<PidFile> pid = writePidFile(pidFile != null ? Optional.of(pidFile) : settings.pidFile());
        metrics.ready(true);
        log.info("postseal milter ready ({}, {}, {} key(s), {}){}", settings.source(),
                MilterConfiguration.mode(settings), configuration.keyCount(),
                org.postseal.dkim.CryptoProviders.description(),
                pid.map(p -> "; pid file " + p.file() + ", SIGHUP reloads").orElse("; SIGHUP reloads"));
        // SIGTERM drains and the command returns (exit 0); SIGINT or an -Xrs JVM drains in the shutdown hook
        FutureTask<Void> stop = new FutureTask<>(() -> {
            metrics.ready(false);
            Duration timeout = configuration.settings().shutdownTimeout();
            try {
                log.info("postseal milter stopped: {} (shutdown-timeout)", server.drain(timeout).describe());
            } catch (InterruptedException e) {
                server.close();
                Thread.currentThread().interrupt();
            } finally {
                metrics.close();
                pid.ifPresent(MilterDaemonCommand::remove);
            }
        }, null);
        TerminationSignal.onTerminate(stop);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stop.run(); // does nothing if SIGTERM ran it
            try {
                awaitQuietly(stop);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "postseal-shutdown"));
        awaitQuietly(stop);
        return ExitStatus.OK;
    }

    private static void awaitQuietly(FutureTask<Void> stop) throws InterruptedException {
        try {
            stop.get();
        } catch (ExecutionException e) {
            LoggerFactory.getLogger(MilterDaemonCommand.class).error("stopping the milter failed", e.getCause());
        }
    }

    /**
     * What start-up builds from the settings before it opens the socket: every key read and test-signed, the
     * limits, the verification settings ({@link MilterConfiguration#prepare}). {@code postseal check} runs exactly
     * this, so that it passes a configuration only if the milter would start with it.
     *
     * @throws CommandFailure with exit 78 and the file and line, where start-up stops
     */
    static MilterConfiguration.Prepared prepare(MilterSettings settings) {
        limits(settings);
        return CommandFailure.onUnusableKey(ExitStatus.CONFIG, () -> MilterConfiguration.prepare(settings,
                dns -> keyRecords(dns, MailEvents.NONE), Optional.empty()));
    }

    /**
     * Writes the pid file, if one is configured. One that cannot be written is an ERROR line, and the daemon goes on,
     * as OpenDKIM does ("can't write pid to ..."): {@code postseal reload} then finds it by its socket.
     */
    static Optional<PidFile> writePidFile(Optional<Path> file) {
        if (file.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(PidFile.write(file.get()));
        } catch (IOException e) {
            LoggerFactory.getLogger(MilterDaemonCommand.class).error("cannot write the pid file {}: {}; "
                    + "'postseal reload' will look for the process on its socket", file.get(), e.getMessage());
            return Optional.empty();
        }
    }

    static void remove(PidFile pid) {
        try {
            pid.close();
        } catch (IOException e) {
            LoggerFactory.getLogger(MilterDaemonCommand.class).warn("could not remove the pid file {}: {}", pid.file(),
                    e.toString());
        }
    }

    private static MilterLimits limits(MilterSettings settings) {
        MilterSettings.Limits l = settings.limits();
        try {
            return new MilterLimits(l.maxConnections(), l.bufferMemoryBytes(), l.maxPacketBytes(),
                    l.maxHeaderBytes(), l.maxHeaderFields(), l.commandTimeout(), l.idleTimeout());
        } catch (IllegalArgumentException e) {
            throw new CommandFailure(ExitStatus.CONFIG, "postseal.milter.limits: " + e.getMessage());
        }
    }

    /**
     * Where verification gets key records: DNS through the configured resolver, with its cache, both made when the
     * first signed message comes (an idle milter does not hold them).
     */
    static KeyRecordSource keyRecords(DnsSettings dns, MailEvents events) {
        return KeyRecordSource.whenFirstUsed(() -> DnsKeyRecordSource.create(dns, events));
    }

    private MilterSettings settings(PrintWriter err) throws IOException {
        if (openDkimConf == null && config == null) {
            return BuiltInSetup.settings(dataDirectory(), err);
        }
        return readSettings(Optional.ofNullable(config), Optional.ofNullable(openDkimConf), new Warnings());
    }

    /**
     * Reads postseal's configuration ({@code config}) or an opendkim.conf, as start-up does.
     *
     * @param warnings gets the warnings, and decides what a bad table line does (start-up: stop there)
     * @throws CommandFailure with exit 78 if the file is missing or unreadable
     * @throws ConfigException naming the file and line of an error
     */
    static MilterSettings readSettings(Optional<Path> config, Optional<Path> openDkimConf, Warnings warnings) {
        Path file = openDkimConf.or(() -> config).orElseThrow();
        if (!Files.isReadable(file)) {
            throw new CommandFailure(ExitStatus.CONFIG, file + ": no such readable file");
        }
        return openDkimConf.isPresent() ? MilterSettings.fromOpenDkim(OpenDkimConf.read(file), warnings)
                : MilterSettings.load(file, warnings);
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

    private static MetricsAddress parseMetrics(String value) {
        try {
            return MetricsAddress.parse(value);
        } catch (IllegalArgumentException e) {
            throw new CommandFailure(ExitStatus.USAGE, "--metrics-listen: " + e.getMessage());
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
