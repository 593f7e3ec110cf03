package org.postseal.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.postseal.smarthost.SpoolStep;
import org.postseal.smarthost.SpoolSteps;
import picocli.CommandLine;

/**
 * {@code postseal smarthost} exactly as the daemon runs it, but with a {@link SpoolSteps} listener that writes every
 * point it reaches (before or after a step, recovery at start-up left out) to a trace file, one numbered line each,
 * and halts the process at point N with {@link Runtime#halt}: no shutdown hook, no {@code finally}, no flush, as
 * with {@code kill -9}. The trace line of point N is written before the halt, so the trace says where it stopped.
 *
 * <p>System properties: {@value #CRASH_AT} (N, counted from 1; 0, the default, never halts) and {@value #TRACE}
 * (the file). Arguments: those of {@code postseal smarthost}. Run by {@code SpoolCrashIT}, one process per point.
 */
public final class CrashingSmarthost {
    public static final String CRASH_AT = "postseal.crash.at";
    public static final String TRACE = "postseal.crash.trace";
    /** The status a process killed by SIGKILL has in a shell (128 + 9). */
    public static final int HALTED = 137;

    private CrashingSmarthost() {
    }

    public static void main(String[] args) {
        Trace trace = new Trace(Path.of(System.getProperty(TRACE)), Integer.getInteger(CRASH_AT, 0));
        System.exit(new CommandLine(new SmarthostCommand(trace)).execute(args));
    }

    /** Numbers the points, writes them down, and halts at one. */
    private static final class Trace implements SpoolSteps {
        private final FileChannel file;
        private final int crashAt;
        private int reached;

        Trace(Path path, int crashAt) {
            this.crashAt = crashAt;
            try {
                this.file = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        StandardOpenOption.APPEND);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void before(SpoolStep step) {
            reach("before", step);
        }

        @Override
        public void after(SpoolStep step) {
            reach("after", step);
        }

        private synchronized void reach(String when, SpoolStep step) {
            if (step.operation() == SpoolStep.Operation.RECOVER) {
                return;
            }
            reached++;
            try {
                // a write(2) is in the kernel's cache at once: a halt, unlike a power cut, cannot lose it
                file.write(ByteBuffer.wrap((reached + " " + when + " " + step + "\n")
                        .getBytes(StandardCharsets.UTF_8)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            if (reached == crashAt) {
                Runtime.getRuntime().halt(HALTED);
            }
        }
    }
}
