package org.postseal.cli;

import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * Runs a graceful stop when the process gets SIGTERM ({@code systemctl stop}, {@code kill}, {@code podman stop}), in
 * place of the JVM's own handler, which would run the shutdown hooks and exit 143. The stop runs on a thread of its
 * own; once it is done the command returns and the process exits 0. A second SIGTERM while stopping changes nothing.
 * Like {@link HangupSignal}, it uses {@code sun.misc.Signal} (module {@code jdk.unsupported}).
 */
final class TerminationSignal {
    private static final Logger LOG = LoggerFactory.getLogger(TerminationSignal.class);

    private TerminationSignal() {
    }

    /**
     * From now on, SIGTERM runs {@code stop}, once.
     *
     * @return false if the JVM does not let SIGTERM be caught (it was started with {@code -Xrs}, for example): then
     *     only a shutdown hook can stop gracefully, and the exit code is the JVM's 143
     */
    static boolean onTerminate(Runnable stop) {
        AtomicBoolean started = new AtomicBoolean();
        try {
            Signal.handle(new Signal("TERM"), signal -> {
                if (started.compareAndSet(false, true)) {
                    Thread thread = new Thread(stop, "postseal-stop");
                    thread.setDaemon(true);
                    thread.start();
                }
            });
            return true;
        } catch (IllegalArgumentException e) {
            LOG.debug("SIGTERM cannot be caught here ({}); the shutdown hook stops the milter", e.getMessage());
            return false;
        }
    }
}
