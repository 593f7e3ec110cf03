package org.postseal.smtp;

import java.io.IOException;

/**
 * Where the AUTH password comes from each time it is needed: a fixed value, or a command run then (msmtp's
 * {@code passwordeval}), so that a rotated secret is picked up without a restart.
 */
@FunctionalInterface
public interface PasswordSource {
    /** The password; IOException when it cannot be had now (the delivery is then deferred). */
    String password() throws IOException;

    static PasswordSource of(String password) {
        return () -> password;
    }
}
