package org.postseal.signing;

import java.util.function.Supplier;

/**
 * What happens to a message that should have been signed but cannot be (no From, malformed header, key refused):
 * OpenDKIM's {@code On-SignatureError}/{@code On-InternalError} choices reduced to the two that keep mail flowing
 * (OpenDKIM's reject, discard and quarantine become {@link #TEMPFAIL}). Every door words its log line with
 * {@link #wording()} and picks its answer with {@link #answer}: the milter an accept or tempfail reply, the smarthost
 * relaying unsigned or a 451.
 */
public enum OnError {
    /** Pass the message on unsigned: postseal's default, as Postfix's milter_default_action = accept would. */
    ACCEPT("passed on unsigned"),
    /** Ask the sender to try again later (4xx), so that nothing leaves unsigned. */
    TEMPFAIL("temporarily refused");

    private final String wording;

    OnError(String wording) {
        this.wording = wording;
    }

    /** What became of the message, for the log line: "passed on unsigned" or "temporarily refused". */
    public String wording() {
        return wording;
    }

    /** Whether the message goes on unsigned (rather than being refused for now). */
    public boolean passesUnsigned() {
        return this == ACCEPT;
    }

    /** The door's answer: {@code unsigned} for {@link #ACCEPT}, {@code refused} for {@link #TEMPFAIL}. */
    public <T> T answer(Supplier<? extends T> unsigned, Supplier<? extends T> refused) {
        return passesUnsigned() ? unsigned.get() : refused.get();
    }
}
