package org.postseal.milter;

import java.util.Objects;
import java.util.Optional;
import org.postseal.dkim.VerificationLimits;
import org.postseal.dns.KeyRecordSource;
import org.postseal.policy.VerificationActions;

/**
 * How the milter verifies the mail it does not sign (Mode v): where key records come from, the authserv-id of the
 * Authentication-Results field it adds, what it does with each result, and the bounds on one message's work.
 *
 * @param keys the key records, looked up without blocking
 * @param authservId the configured authserv-id; empty for the MTA's host name (the {@code j} macro), and
 *     {@code HOSTNAME} for {@code hostName}, as in OpenDKIM
 * @param hostName this machine's name, when neither is usable
 * @param actions what to do with a message by its result
 * @param limits how many signatures are examined, and how large one may be
 */
public record VerificationSettings(KeyRecordSource keys, Optional<String> authservId, String hostName,
        VerificationActions actions, VerificationLimits limits) {
    /** OpenDKIM's word for "this machine's host name" in AuthservID. */
    static final String HOSTNAME = "HOSTNAME";

    /**
     * @throws IllegalArgumentException if an authserv-id or the host name cannot stand in the field as a token
     */
    public VerificationSettings {
        Objects.requireNonNull(keys, "keys");
        Objects.requireNonNull(authservId, "authservId");
        Objects.requireNonNull(actions, "actions");
        Objects.requireNonNull(limits, "limits");
        if (!AuthservId.isToken(hostName)) {
            throw new IllegalArgumentException("hostName: '" + hostName + "' (expected: a host name)");
        }
        authservId.filter(id -> !AuthservId.isToken(id)).ifPresent(id -> {
            throw new IllegalArgumentException("authserv-id: '" + id + "' (expected: a host name or other token)");
        });
    }

    /** The authserv-id for a connection whose MTA sent {@code j} (its host name), if it did. */
    String authservId(Optional<String> mtaHostName) {
        if (authservId.isPresent()) {
            return authservId.get().equals(HOSTNAME) ? hostName : authservId.get();
        }
        return mtaHostName.filter(AuthservId::isToken).orElse(hostName);
    }
}
