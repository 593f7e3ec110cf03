package org.postseal.config;

import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import org.postseal.policy.VerificationAction;
import org.postseal.policy.VerificationActions;
import org.postseal.policy.VerificationCase;

/**
 * Reads the actions on verification results, the same way from opendkim.conf and from postseal's configuration:
 * {@code On-Default} (a blanket) first, then each {@link VerificationCase}'s option over it ({@code On-BadSignature}
 * in opendkim.conf, {@code on-bad-signature} in postseal.conf), each value an OpenDKIM handling word. Options not
 * given keep each case's default.
 */
final class VerificationOptions {
    /** OpenDKIM's blanket option. */
    static final String DEFAULT = "On-Default";

    private VerificationOptions() {
    }

    /**
     * The actions the options give.
     *
     * @param value an option's value by its opendkim.conf name, empty when not set
     * @param where an option's place by its opendkim.conf name, for errors
     * @throws ConfigException for a value that is not a handling word
     */
    static VerificationActions actions(Function<String, Optional<String>> value, Function<String, String> where) {
        VerificationActions actions = value.apply(DEFAULT).map(v -> VerificationActions.all(action(v,
                where.apply(DEFAULT)))).orElse(VerificationActions.DEFAULTS);
        for (VerificationCase c : VerificationCase.values()) {
            Optional<String> given = value.apply(c.option());
            if (given.isPresent()) {
                actions = actions.with(c, action(given.get(), where.apply(c.option())));
            }
        }
        return actions;
    }

    /** {@code On-BadSignature} as postseal.conf spells it: {@code on-bad-signature}. */
    static String hoconName(String openDkimOption) {
        return openDkimOption.replace("DNS", "Dns").replaceAll("([a-z])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
    }

    private static VerificationAction action(String value, String where) {
        return VerificationAction.parse(value).orElseThrow(() -> ConfigException.at(where, "'" + value
                + "' is not a handling action (expected: accept, reject, tempfail, discard or quarantine)"));
    }
}
