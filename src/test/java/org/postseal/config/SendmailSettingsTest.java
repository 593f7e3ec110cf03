package org.postseal.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The built-in defaults the lean sendmail client uses are reference.conf's, which {@code postseal sendmail} reads. */
class SendmailSettingsTest {
    @Test
    void defaultsAreWhatReferenceConfGives() {
        assertEquals(SendmailSettings.load(Optional.empty(), Path.of("")), SendmailSettings.defaults());
    }
}
