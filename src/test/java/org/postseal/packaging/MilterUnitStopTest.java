package org.postseal.packaging;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.postseal.config.MilterSettings;

/**
 * The milter's unit gives SIGTERM's drain its whole time: systemd sends SIGKILL once {@code TimeoutStopSec} has
 * passed, so it must be longer than the default {@code postseal.milter.shutdown-timeout}, with room for the JVM to
 * exit.
 */
class MilterUnitStopTest {
    @Test
    void timeoutStopSecExceedsTheDefaultShutdownTimeout() throws Exception {
        SystemdUnit unit = SystemdUnit.read(Path.of("src/deb/systemd/postseal-milter.service"));
        String value = unit.required("Service", "TimeoutStopSec");
        assertTrue(value.matches("\\d+s"), "TimeoutStopSec=" + value + " (expected: seconds, such as 45s)");
        Duration stop = Duration.ofSeconds(Long.parseLong(value.substring(0, value.length() - 1)));
        Duration drain = MilterSettings.load(Optional.empty(), Map.of(), Path.of(".")).shutdownTimeout();
        assertTrue(stop.compareTo(drain.plusSeconds(10)) >= 0, "TimeoutStopSec=" + value + " leaves too little beyond "
                + "shutdown-timeout " + drain);
    }
}
