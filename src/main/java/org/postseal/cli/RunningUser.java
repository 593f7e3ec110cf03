package org.postseal.cli;

import com.sun.security.auth.module.UnixSystem;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The user a daemon runs as, and what start-up says about it. postseal never changes user (a JVM cannot give up
 * root safely once started), so OpenDKIM's {@code UserID} is kept by whoever starts it as that user: the Debian
 * package's units say {@code User=postseal}. As root it warns that it should not run so, and under another user than
 * {@code UserID} names it says which one applies.
 *
 * @param uid the real user id
 * @param name that user's name
 */
record RunningUser(long uid, String name) {
    RunningUser {
        Objects.requireNonNull(name, "name");
    }

    /** The user this process runs as. */
    static RunningUser current() {
        UnixSystem system = new UnixSystem();
        return new RunningUser(system.getUid(), system.getUsername());
    }

    boolean isRoot() {
        return uid == 0;
    }

    /**
     * The warnings start-up logs for a daemon running as this user.
     *
     * @param daemon the command, as in {@code "the milter"}
     * @param userId the user the configuration names (OpenDKIM's {@code UserID}), if any
     */
    List<String> warnings(String daemon, Optional<String> userId) {
        List<String> warnings = new ArrayList<>();
        if (isRoot()) {
            warnings.add("running as root: " + daemon + " should not run as root; start it as an unprivileged user"
                    + " (the Debian package's units run it as postseal: User=postseal)");
        }
        userId.filter(user -> !isThisUser(user)).ifPresent(user -> warnings.add("UserID " + user + ": running as "
                + name + ", and postseal does not change user; start it as " + user + " (systemd: User=" + user
                + ") or change UserID"));
        return List.copyOf(warnings);
    }

    private boolean isThisUser(String user) {
        return user.equals(name) || user.equals(Long.toString(uid));
    }
}
