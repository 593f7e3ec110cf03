package org.postseal.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What start-up says about the user a daemon runs as, against OpenDKIM's UserID. */
class RunningUserTest {
    private static final String ROOT_WARNING = "running as root: the milter should not run as root; start it as an"
            + " unprivileged user (the Debian package's units run it as postseal: User=postseal)";

    @Test
    void rootIsWarnedOfWithOrWithoutUserId() {
        RunningUser root = new RunningUser(0, "root");
        assertEquals(List.of(ROOT_WARNING), root.warnings("the milter", Optional.empty()));
        assertEquals(List.of(ROOT_WARNING, "UserID opendkim: running as root, and postseal does not change user;"
                + " start it as opendkim (systemd: User=opendkim) or change UserID"),
                root.warnings("the milter", Optional.of("opendkim")));
    }

    @Test
    void theUserUserIdNamesRunsWithoutAWordByNameOrNumber() {
        RunningUser postseal = new RunningUser(108, "postseal");
        assertEquals(List.of(), postseal.warnings("the milter", Optional.of("postseal")));
        assertEquals(List.of(), postseal.warnings("the milter", Optional.of("108")));
        assertEquals(List.of(), postseal.warnings("the milter", Optional.empty()));
    }

    @Test
    void anotherUserThanUserIdNamesIsNamed() {
        assertEquals(List.of("UserID opendkim: running as postseal, and postseal does not change user; start it as"
                + " opendkim (systemd: User=opendkim) or change UserID"),
                new RunningUser(108, "postseal").warnings("the milter", Optional.of("opendkim")));
    }

    @Test
    void thisProcessKnowsItsUser() {
        RunningUser current = RunningUser.current();
        assertEquals(System.getProperty("user.name"), current.name());
    }
}
