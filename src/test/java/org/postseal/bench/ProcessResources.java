package org.postseal.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What another process on this machine holds, read as an administrator would read it: resident memory from
 * {@code /proc/PID/status} (VmRSS), open file descriptors from {@code /proc/PID/fd}, and the live heap from
 * {@code jcmd PID GC.class_histogram}, which runs a full GC first and counts only what survives it. For the soak and
 * load commands and the tests that prove the milter gives back what a connection took.
 */
public final class ProcessResources {
    private static final Pattern ROW = Pattern.compile("^\\s*\\d+:\\s+(\\d+)\\s+(\\d+)\\s+(\\S+).*$");
    private static final Pattern TOTAL = Pattern.compile("^Total\\s+(\\d+)\\s+(\\d+)\\s*$");

    private ProcessResources() {
    }

    /** The live heap after a full GC: total bytes and instances, and instances per class name. */
    public record Histogram(long bytes, long instances, Map<String, Long> instancesByClass) {
        public Histogram {
            instancesByClass = Collections.unmodifiableMap(new HashMap<>(instancesByClass));
        }

        /** Instances of {@code className} (0 when none survived the GC). */
        public long count(String className) {
            return instancesByClass.getOrDefault(className, 0L);
        }

        /** Mebibytes, for printing. */
        public double mib() {
            return bytes / 1048576.0;
        }
    }

    /** Resident set size in KiB ({@code VmRSS}). */
    public static long residentKb(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        throw new IOException("no VmRSS in /proc/" + pid + "/status");
    }

    /** Open file descriptors: the entries of {@code /proc/PID/fd}. */
    public static int openFds(long pid) throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            return (int) fds.count();
        }
    }

    /**
     * Runs {@code jcmd PID GC.class_histogram} (a full GC, then the objects still reachable) and reads its rows and
     * its {@code Total} line. The first call on a JVM starts its attach listener, which keeps a socket open: measure
     * file descriptors after it.
     */
    public static Histogram liveHeap(long pid) throws IOException, InterruptedException {
        String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        if (!Files.isExecutable(Path.of(jcmd))) {
            jcmd = "jcmd";
        }
        Process process = new ProcessBuilder(jcmd, Long.toString(pid), "GC.class_histogram")
                .redirectErrorStream(true).start();
        byte[] output = process.getInputStream().readAllBytes();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException("jcmd " + pid + " GC.class_histogram did not finish in 60 s");
        }
        return parse(new String(output, StandardCharsets.UTF_8).lines().toList(), pid);
    }

    static Histogram parse(List<String> lines, long pid) throws IOException {
        Map<String, Long> counts = new HashMap<>();
        for (String line : lines) {
            Matcher total = TOTAL.matcher(line);
            if (total.matches()) {
                return new Histogram(Long.parseLong(total.group(2)), Long.parseLong(total.group(1)), counts);
            }
            Matcher row = ROW.matcher(line);
            if (row.matches()) {
                counts.merge(row.group(3), Long.parseLong(row.group(1)), Long::sum);
            }
        }
        throw new IOException("no Total line in the class histogram of " + pid + ": "
                + String.join("\n", lines.subList(0, Math.min(5, lines.size()))));
    }
}
