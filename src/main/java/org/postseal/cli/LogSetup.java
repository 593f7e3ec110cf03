package org.postseal.cli;

import java.io.UncheckedIOException;
import org.postseal.logging.Logs;
import org.postseal.logging.SyslogTarget;
import org.postseal.transport.ExitStatus;

/** Switches syslog on for a daemon, as its configuration asks; a target that cannot be used stops start-up (78). */
final class LogSetup {
    private LogSetup() {
    }

    static void toSyslog(SyslogTarget target) {
        try {
            Logs.toSyslog(target);
        } catch (IllegalArgumentException | IllegalStateException | UncheckedIOException e) {
            throw new CommandFailure(ExitStatus.CONFIG, "syslog: " + e.getMessage());
        }
    }
}
