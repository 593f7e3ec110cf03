package org.postseal.policy;

import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;

/**
 * What to do with a verified message in each {@link VerificationCase} ({@code On-BadSignature}, {@code On-DNSError}
 * and the others). Immutable; {@link #DEFAULTS} holds each case's default action.
 */
public final class VerificationActions {
    /** Each case's default: nothing is refused for good. */
    public static final VerificationActions DEFAULTS = defaults();

    private final Map<VerificationCase, VerificationAction> actions;

    private VerificationActions(Map<VerificationCase, VerificationAction> actions) {
        this.actions = actions;
    }

    private static VerificationActions defaults() {
        Map<VerificationCase, VerificationAction> map = new EnumMap<>(VerificationCase.class);
        for (VerificationCase c : VerificationCase.values()) {
            map.put(c, c.defaultAction());
        }
        return new VerificationActions(map);
    }

    /** Every case with the same action (OpenDKIM's {@code On-Default}). */
    public static VerificationActions all(VerificationAction action) {
        Objects.requireNonNull(action, "action");
        Map<VerificationCase, VerificationAction> map = new EnumMap<>(VerificationCase.class);
        for (VerificationCase c : VerificationCase.values()) {
            map.put(c, action);
        }
        return new VerificationActions(map);
    }

    /** The action for {@code verificationCase}. */
    public VerificationAction action(VerificationCase verificationCase) {
        return actions.get(verificationCase);
    }

    /** These actions with {@code action} for {@code verificationCase}. */
    public VerificationActions with(VerificationCase verificationCase, VerificationAction action) {
        Objects.requireNonNull(action, "action");
        Map<VerificationCase, VerificationAction> map = new EnumMap<>(actions);
        map.put(verificationCase, action);
        return new VerificationActions(map);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof VerificationActions that && actions.equals(that.actions);
    }

    @Override
    public int hashCode() {
        return actions.hashCode();
    }

    @Override
    public String toString() {
        return "VerificationActions" + actions;
    }
}
