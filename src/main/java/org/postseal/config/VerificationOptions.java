package org.postseal.config;

import java.util.Optional;
import java.util.function.Function;
import org.postseal.policy.VerificationAction;
import org.postseal.policy.VerificationActions;

/**
 * Reads the actions on verification results, the same way from opendkim.conf and from postseal's configuration:
 * {@code On-Default} (a blanket) first, then each specific option over it, each option's value an OpenDKIM handling
 * word. Options not given keep {@link VerificationActions#DEFAULTS}.
 */
final class VerificationOptions {
    /** One option, with its name in opendkim.conf and in postseal's configuration, and what it sets. */
    enum Option {
        DEFAULT("On-Default", "on-default"),
        BAD_SIGNATURE("On-BadSignature", "on-bad-signature"),
        KEY_NOT_FOUND("On-KeyNotFound", "on-key-not-found"),
        DNS_ERROR("On-DNSError", "on-dns-error"),
        NO_SIGNATURE("On-NoSignature", "on-no-signature"),
        INTERNAL_ERROR("On-InternalError", "on-internal-error"),
        SECURITY("On-Security", "on-security");

        private final String openDkimName;
        private final String hoconName;

        Option(String openDkimName, String hoconName) {
            this.openDkimName = openDkimName;
            this.hoconName = hoconName;
        }

        String openDkimName() {
            return openDkimName;
        }

        String hoconName() {
            return hoconName;
        }

        VerificationActions apply(VerificationActions actions, VerificationAction action) {
            return switch (this) {
                case DEFAULT -> VerificationActions.all(action);
                case BAD_SIGNATURE -> actions.withBadSignature(action);
                case KEY_NOT_FOUND -> actions.withKeyNotFound(action);
                case DNS_ERROR -> actions.withDnsError(action);
                case NO_SIGNATURE -> actions.withNoSignature(action);
                case INTERNAL_ERROR -> actions.withInternalError(action);
                case SECURITY -> actions.withSecurity(action);
            };
        }
    }

    private VerificationOptions() {
    }

    /**
     * The actions the options give.
     *
     * @param value an option's value, empty when not set
     * @param where an option's place, for errors ({@code file:line (name)})
     * @throws ConfigException for a value that is not a handling word
     */
    static VerificationActions actions(Function<Option, Optional<String>> value, Function<Option, String> where) {
        VerificationActions actions = VerificationActions.DEFAULTS;
        for (Option option : Option.values()) {
            Optional<String> given = value.apply(option);
            if (given.isPresent()) {
                VerificationAction action = VerificationAction.parse(given.get()).orElseThrow(() ->
                        ConfigException.at(where.apply(option), "'" + given.get() + "' is not a handling action"
                                + " (expected: accept, reject, tempfail, discard or quarantine)"));
                actions = option.apply(actions, action);
            }
        }
        return actions;
    }
}
