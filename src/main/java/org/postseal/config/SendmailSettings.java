package org.postseal.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * The settings of {@code postseal sendmail}: {@code postseal.sendmail} (the socket, by default the smarthost's, and
 * how long to wait for its answer).
 */
public record SendmailSettings(Path socket, Duration timeout) {
    /**
     * What {@link #load} gives without a file: reference.conf's values, written out so that the client started for
     * one message need not parse HOCON ({@code SendmailSettingsTest} keeps the two equal).
     */
    public static SendmailSettings defaults() {
        return new SendmailSettings(Path.of("/run/postseal/smarthost.sock"), Duration.ofMinutes(5));
    }

    /**
     * @throws ConfigException for a missing file or a bad value
     */
    public static SendmailSettings load(Optional<Path> applicationFile, Path base) {
        return SendmailSettingsFile.load(applicationFile, base);
    }
}
