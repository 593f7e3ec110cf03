package org.postseal.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.postseal.config.DaemonAddress;
import org.postseal.config.SocketSpec;
import org.postseal.transport.ExitStatus;
import org.postseal.transport.ListeningProcess;
import org.postseal.transport.PidFile;

/**
 * A running postseal daemon, found as {@code postseal reload} finds it: by the pid file given or configured, else by
 * the process listening on its socket. A pid file naming a process that is gone, or one that is not postseal (a
 * stale file whose number was reused), is refused rather than signalled.
 *
 * @param pid the process id
 * @param foundBy how it was found, for the message: "pid file F" or "listening on S"
 */
record RunningDaemon(long pid, String foundBy) {
    /**
     * Finds the daemon.
     *
     * @param name "milter" or "smarthost", for messages
     * @param pidFile a pid file given on the command line, which wins over the configuration's
     * @param address the configuration's pid file and socket
     * @throws CommandFailure 69 if no such daemon runs, 66 for a pid file that cannot be read
     */
    static RunningDaemon find(String name, Optional<Path> pidFile, DaemonAddress address) {
        Optional<Path> file = pidFile.or(address::pidFile);
        if (file.isPresent()) {
            Optional<Long> pid = read(file.get());
            if (pid.isPresent()) {
                return checked(name, pid.get(), "pid file " + file.get());
            }
            if (pidFile.isPresent()) {
                throw new CommandFailure(ExitStatus.UNAVAILABLE, file.get() + " does not exist: is postseal " + name
                        + " running?");
            }
        }
        SocketSpec socket = address.socket();
        Optional<Long> pid;
        try {
            ListeningProcess processes = ListeningProcess.onThisMachine();
            pid = socket.isUnix() ? processes.onUnixSocket(socket.path().orElseThrow())
                    : processes.onTcpPort(socket.port());
        } catch (IOException e) {
            throw new CommandFailure(ExitStatus.UNAVAILABLE, "cannot tell which process listens on " + socket + ": "
                    + e.getMessage());
        }
        if (pid.isEmpty()) {
            throw new CommandFailure(ExitStatus.UNAVAILABLE, "no process listens on " + socket
                    + file.map(f -> " and " + f + " does not exist").orElse("") + ": is postseal " + name
                    + " running? (a daemon of another user is seen only by root)");
        }
        return checked(name, pid.get(), "listening on " + socket);
    }

    private static Optional<Long> read(Path file) {
        try {
            return PidFile.read(file);
        } catch (IOException e) {
            throw new CommandFailure(ExitStatus.NO_INPUT, "pid file " + e.getMessage());
        }
    }

    /** The process must be alive, and, where its command line can be read, be postseal. */
    private static RunningDaemon checked(String name, long pid, String foundBy) {
        if (ProcessHandle.of(pid).filter(ProcessHandle::isAlive).isEmpty()) {
            throw new CommandFailure(ExitStatus.UNAVAILABLE, foundBy + " names process " + pid + ", which is not "
                    + "running: postseal " + name + " is not running (stale pid file)");
        }
        commandLine(pid).filter(c -> !c.contains("postseal")).ifPresent(c -> {
            throw new CommandFailure(ExitStatus.UNAVAILABLE, foundBy + " names process " + pid + ", which is not "
                    + "postseal (" + c + "): stale pid file?");
        });
        return new RunningDaemon(pid, foundBy);
    }

    /** {@code /proc/PID/cmdline}, arguments joined by spaces; empty if it cannot be read. */
    private static Optional<String> commandLine(long pid) {
        try {
            byte[] bytes = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"));
            String text = new String(bytes, StandardCharsets.UTF_8).replace('\0', ' ').strip();
            return text.isEmpty() ? Optional.empty() : Optional.of(text.length() > 200
                    ? text.substring(0, 200) + "..." : text);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * Sends SIGHUP. Java has no API to signal another process, so this runs {@code kill -HUP PID}, as
     * {@code systemctl reload} does through {@code ExecReload}.
     *
     * @throws CommandFailure 77 if this user may not signal it, 69 if kill fails otherwise
     */
    void hangUp() {
        String kill = Files.isExecutable(Path.of("/bin/kill")) ? "/bin/kill" : "kill";
        Process process;
        String output;
        try {
            process = new ProcessBuilder(kill, "-HUP", Long.toString(pid)).redirectErrorStream(true).start();
            process.getOutputStream().close();
            output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            process.waitFor();
        } catch (IOException e) {
            throw new CommandFailure(ExitStatus.UNAVAILABLE, "cannot run " + kill + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CommandFailure(ExitStatus.TEMP_FAIL, "interrupted while running " + kill);
        }
        if (process.exitValue() != 0) {
            throw new CommandFailure(output.contains("not permitted") ? ExitStatus.NO_PERMISSION
                    : ExitStatus.UNAVAILABLE, kill + " -HUP " + pid + " (" + foundBy + "): " + output);
        }
    }
}
