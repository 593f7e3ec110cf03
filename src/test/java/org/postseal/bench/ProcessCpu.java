package org.postseal.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time a process has used so far, all its threads together: {@code utime + stime} from {@code /proc/PID/stat},
 * in clock ticks ({@code getconf CLK_TCK}, 100 on Linux).
 */
final class ProcessCpu {
    private ProcessCpu() {
    }

    /**
     * utime + stime of {@code pid}, in clock ticks.
     *
     * @throws IOException if the process is gone or the file cannot be read
     */
    static long ticks(long pid) throws IOException {
        String stat = new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "stat")),
                StandardCharsets.US_ASCII);
        // the command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'
        String[] after = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
        // after[0] is field 3 (state); utime is field 14, stime field 15
        return Long.parseLong(after[14 - 3]) + Long.parseLong(after[15 - 3]);
    }
}
