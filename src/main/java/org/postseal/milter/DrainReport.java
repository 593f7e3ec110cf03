package org.postseal.milter;

import java.time.Duration;
import java.util.Objects;

/**
 * What a graceful stop of the milter server ({@link MilterServer#drain}) did with the connections it had.
 *
 * @param drained connections that were closed between messages: at once, or once their message was finished
 * @param cutOff connections still inside a message when the timeout passed, closed there; Postfix applies
 *     {@code milter_default_action} to their message
 * @param timeout how long connections were given
 */
public record DrainReport(int drained, int cutOff, Duration timeout) {
    public DrainReport {
        Objects.requireNonNull(timeout, "timeout");
        if (drained < 0 || cutOff < 0) {
            throw new IllegalArgumentException("drained: " + drained + ", cutOff: " + cutOff + " (expected: >= 0)");
        }
    }

    /** {@code 3 session(s) drained, 0 cut off after 30s}, for the milter's last log line. */
    public String describe() {
        return drained + " session(s) drained, " + cutOff + " cut off after " + text(timeout);
    }

    private static String text(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }
}
