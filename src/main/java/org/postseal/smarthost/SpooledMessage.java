package org.postseal.smarthost;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.postseal.smtp.Envelope;

/**
 * What the spool knows of one message besides its bytes: its id, the sender and the recipients still to deliver,
 * when it came, how often delivery was tried, when to try next, and what happened to each recipient so far.
 * Immutable; every change is a new value written back with {@link Spool#update}.
 *
 * @param id the spool id, also the file name stem
 * @param state queued (to be delivered) or failed (kept for the administrator, never retried)
 * @param sender the envelope sender, empty for the null sender
 * @param pending the recipients not yet delivered nor rejected
 * @param created when the message was accepted
 * @param attempts how many delivery attempts were made
 * @param nextAttempt when the queue runner tries next
 * @param lastReply the reply of the last attempt, one line
 * @param outcomes one line per recipient whose fate is decided: {@code delivered a@b: 250 ...} or
 *     {@code rejected a@b: 550 ...}
 */
public record SpooledMessage(String id, State state, String sender, List<String> pending, Instant created,
        int attempts, Instant nextAttempt, Optional<String> lastReply, List<String> outcomes) {
    public SpooledMessage {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(sender, "sender");
        pending = List.copyOf(pending);
        Objects.requireNonNull(created, "created");
        Objects.requireNonNull(nextAttempt, "nextAttempt");
        Objects.requireNonNull(lastReply, "lastReply");
        outcomes = List.copyOf(outcomes);
    }

    /** The two places a spooled message can be. */
    public enum State {
        QUEUED, FAILED
    }

    /** The envelope of the next attempt: the pending recipients. */
    public Envelope envelope() {
        return new Envelope(sender, pending);
    }

    /** The rejected recipients, with their replies. */
    public List<String> rejections() {
        return outcomes.stream().filter(o -> o.startsWith("rejected ")).toList();
    }

    SpooledMessage afterAttempt(List<String> stillPending, List<String> newOutcomes, String reply,
            Instant next) {
        List<String> all = new ArrayList<>(outcomes);
        all.addAll(newOutcomes);
        return new SpooledMessage(id, state, sender, stillPending, created, attempts + 1, next,
                Optional.of(reply), all);
    }

    SpooledMessage withState(State value, String reason) {
        return new SpooledMessage(id, value, sender, pending, created, attempts, nextAttempt, Optional.of(reason),
                outcomes);
    }

    SpooledMessage withNextAttempt(Instant next) {
        return new SpooledMessage(id, state, sender, pending, created, attempts, next, lastReply, outcomes);
    }
}
