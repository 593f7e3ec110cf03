package org.postseal.transport;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Finds the process listening on a socket, as {@code ss -lxp} and {@code ss -ltp} do on Linux: the socket's inode from
 * {@code /proc/net/unix} or {@code /proc/net/tcp} and {@code tcp6} (state LISTEN), then the process holding a file
 * descriptor on that inode under {@code /proc/PID/fd}. Only processes whose descriptors this user may read are seen:
 * all of them for root, one's own otherwise. {@code postseal reload} uses it when no pid file is configured.
 */
public final class ListeningProcess {
    /** {@code __SO_ACCEPTCON}: the unix socket listens. */
    private static final int ACCEPTING = 0x10000;
    /** TCP_LISTEN in {@code /proc/net/tcp}'s {@code st} column. */
    private static final String TCP_LISTEN = "0A";

    private final Path proc;

    ListeningProcess(Path proc) {
        this.proc = proc;
    }

    /** Looks in this machine's {@code /proc}. */
    public static ListeningProcess onThisMachine() {
        return new ListeningProcess(Path.of("/proc"));
    }

    /**
     * The process listening on the unix socket at {@code path}.
     *
     * @return empty if no process this user can see listens there
     * @throws IOException if {@code /proc} cannot be read, or several processes listen there
     */
    public Optional<Long> onUnixSocket(Path path) throws IOException {
        String wanted = path.toAbsolutePath().normalize().toString();
        Set<String> inodes = new HashSet<>();
        List<String> lines = Files.readAllLines(proc.resolve("net/unix"));
        for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
            String[] f = line.trim().split("\\s+");
            // Num RefCount Protocol Flags Type St Inode Path
            if (f.length >= 8 && f[7].equals(wanted) && (Integer.parseInt(f[3], 16) & ACCEPTING) != 0) {
                inodes.add(f[6]);
            }
        }
        return holder(inodes, "local:" + wanted);
    }

    /**
     * The process listening on TCP port {@code port}, IPv4 or IPv6, any address.
     *
     * @return empty if no process this user can see listens there
     * @throws IOException if {@code /proc} cannot be read, or several processes listen there
     */
    public Optional<Long> onTcpPort(int port) throws IOException {
        String hexPort = String.format(Locale.ROOT, "%04X", port);
        Set<String> inodes = new HashSet<>();
        for (String table : List.of("net/tcp", "net/tcp6")) {
            Path file = proc.resolve(table);
            if (!Files.isReadable(file)) {
                continue; // no IPv6 here
            }
            List<String> lines = Files.readAllLines(file);
            for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
                String[] f = line.trim().split("\\s+");
                // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
                if (f.length >= 10 && f[3].equals(TCP_LISTEN) && f[1].endsWith(":" + hexPort)) {
                    inodes.add(f[9]);
                }
            }
        }
        return holder(inodes, "TCP port " + port);
    }

    /** The one process holding one of these socket inodes. */
    private Optional<Long> holder(Set<String> inodes, String where) throws IOException {
        if (inodes.isEmpty()) {
            return Optional.empty();
        }
        Set<String> links = new HashSet<>();
        inodes.forEach(i -> links.add("socket:[" + i + "]"));
        Set<Long> pids = new TreeSet<>();
        try (DirectoryStream<Path> processes = Files.newDirectoryStream(proc, "[0-9]*")) {
            for (Path process : processes) {
                if (holds(process.resolve("fd"), links)) {
                    pids.add(Long.parseLong(process.getFileName().toString()));
                }
            }
        }
        if (pids.size() > 1) {
            throw new IOException("several processes listen on " + where + ": " + pids);
        }
        return pids.stream().findFirst();
    }

    private static boolean holds(Path fds, Set<String> links) {
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(fds)) {
            for (Path fd : stream) {
                try {
                    if (links.contains(Files.readSymbolicLink(fd).toString())) {
                        return true;
                    }
                } catch (IOException | UnsupportedOperationException e) {
                    // closed meanwhile, or not a link
                }
            }
        } catch (IOException e) {
            // another user's process, or gone
        }
        return false;
    }
}
