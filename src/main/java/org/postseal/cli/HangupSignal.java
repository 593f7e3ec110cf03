package org.postseal.cli;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * Runs a reload when the process gets SIGHUP, as daemons do ({@code systemctl reload}: {@code ExecReload=/bin/kill
 * -HUP $MAINPID}; {@code postseal reload}). Java has no public API for signals; {@code sun.misc.Signal} (module
 * {@code jdk.unsupported}, there for this use since Java 9) is what servers on the JVM use, and this class is the
 * only one that touches it. Without it, the JVM's own SIGHUP handler would stop the process.
 *
 * <p>The reload runs on one thread of its own, never in the signal's thread; signals that arrive while a reload is
 * waiting to start make no second one (it will read the files as they are then), and a signal during a reload makes
 * one more after it, so the last change is always read.
 */
final class HangupSignal {
    private static final Logger LOG = LoggerFactory.getLogger(HangupSignal.class);

    private HangupSignal() {
    }

    /**
     * From now on, SIGHUP runs {@code reload}.
     *
     * @return false if the JVM does not let SIGHUP be caught (it was started with {@code -Xrs}, for example); a
     *     warning says so
     */
    static boolean onHangup(Runnable reload) {
        ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
            Thread thread = new Thread(r, "postseal-reload");
            thread.setDaemon(true);
            return thread;
        });
        AtomicBoolean waiting = new AtomicBoolean();
        try {
            Signal.handle(new Signal("HUP"), signal -> {
                if (waiting.compareAndSet(false, true)) {
                    worker.execute(() -> {
                        waiting.set(false);
                        reload.run();
                    });
                }
            });
            return true;
        } catch (IllegalArgumentException e) {
            worker.shutdown();
            LOG.warn("SIGHUP cannot be caught here ({}); a configuration change needs a restart", e.getMessage());
            return false;
        }
    }
}
