package org.postseal.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.postseal.config.ConfigException;
import org.postseal.config.DaemonAddress;
import org.postseal.transport.ExitStatus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code postseal reload [milter|smarthost]}: makes the running daemon re-read its configuration, tables and keys by
 * sending it SIGHUP, as {@code systemctl reload} does. The process is the one the pid file names ({@code --pid-file},
 * or the configuration's {@code PidFile} / {@code pid-file}), or else the one listening on the configuration's socket.
 * The daemon logs whether it took the new configuration; a bad one is refused there, and the old one keeps serving.
 */
@Command(name = "reload", mixinStandardHelpOptions = true,
        description = {"Make a running 'postseal milter' (or 'postseal smarthost') re-read its configuration, tables "
                + "and keys: SIGHUP to the process of its pid file, or to the one listening on its socket.",
            "The daemon's log says whether it took the new configuration; a bad one is refused and the old one "
                    + "keeps serving."})
final class ReloadCommand implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", paramLabel = "milter|smarthost", defaultValue = "milter",
            description = "Which daemon (default: ${DEFAULT-VALUE}).")
    private String daemon;

    @Option(names = "--pid-file", paramLabel = "FILE", description = "The daemon's pid file.")
    private Path pidFile;

    @Option(names = {"-c", "--config"}, paramLabel = "FILE",
            description = "The daemon's postseal configuration (HOCON): its pid-file, else its socket.")
    private Path config;

    @Option(names = "--opendkim-conf", paramLabel = "FILE",
            description = "The milter's opendkim.conf: its PidFile, else its Socket.")
    private Path openDkimConf;

    @Spec
    private CommandSpec spec;

    @Override
    public Integer call() {
        if (!daemon.equals("milter") && !daemon.equals("smarthost")) {
            throw new CommandFailure(ExitStatus.USAGE, "'" + daemon + "': expected milter or smarthost");
        }
        if (config != null && openDkimConf != null) {
            throw new CommandFailure(ExitStatus.USAGE, "give --config or --opendkim-conf, not both");
        }
        if (openDkimConf != null && daemon.equals("smarthost")) {
            throw new CommandFailure(ExitStatus.USAGE, "--opendkim-conf configures the milter, not the smarthost");
        }
        RunningDaemon running = RunningDaemon.find(daemon, Optional.ofNullable(pidFile), address());
        running.hangUp();
        spec.commandLine().getOut().println("sent SIGHUP to postseal " + daemon + " (pid " + running.pid() + ", "
                + running.foundBy() + "); its log says whether it took the new configuration");
        return ExitStatus.OK;
    }

    /** Where the daemon is, from its configuration (the defaults when none is given). */
    private DaemonAddress address() {
        Path base = Path.of("").toAbsolutePath();
        for (Path file : new Path[] {config, openDkimConf}) {
            if (file != null && !Files.isReadable(file)) {
                throw new CommandFailure(ExitStatus.CONFIG, file + ": no such readable file");
            }
        }
        try {
            if (openDkimConf != null) {
                return DaemonAddress.ofOpenDkim(openDkimConf);
            }
            return daemon.equals("milter") ? DaemonAddress.ofMilter(Optional.ofNullable(config), base)
                    : DaemonAddress.ofSmarthost(Optional.ofNullable(config), base);
        } catch (ConfigException | IllegalArgumentException e) {
            throw new CommandFailure(ExitStatus.CONFIG, e.getMessage());
        }
    }
}
