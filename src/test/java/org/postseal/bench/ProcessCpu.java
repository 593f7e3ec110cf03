package org.postseal.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/**
 * CPU time a milter has used so far: {@code utime + stime} from {@code /proc/PID/stat}, in clock ticks
 * ({@code getconf CLK_TCK}, 100 on Linux), of the process, all its threads, and of the processes it started and that
 * still run (rspamd scans in the workers its main process forks; a worker's time reaches the main process's own
 * counters only when the worker has ended and been waited for).
 */
final class ProcessCpu {
    private ProcessCpu() {
    }

    /**
     * utime + stime of {@code pid} and of its living descendants, in clock ticks.
     *
     * @throws IOException if the process is gone or the file cannot be read
     */
    static long ticks(long pid) throws IOException {
        long total = ticksOf(pid);
        List<Long> descendants = ProcessHandle.of(pid).stream().flatMap(ProcessHandle::descendants)
                .map(ProcessHandle::pid).collect(Collectors.toList());
        for (long child : descendants) {
            try {
                total += ticksOf(child);
            } catch (NoSuchFileException gone) {
                // ended between the listing and the read: its time is lost to this count, as it would be anyway
            }
        }
        return total;
    }

    private static long ticksOf(long pid) throws IOException {
        String stat = new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "stat")),
                StandardCharsets.US_ASCII);
        // the command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'
        String[] after = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
        // after[0] is field 3 (state); utime is field 14, stime field 15
        return Long.parseLong(after[14 - 3]) + Long.parseLong(after[15 - 3]);
    }
}
