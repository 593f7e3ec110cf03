package org.postseal.policy;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What the signing policy decided for one message, and why, in words fit for the log line: sign with these
 * signatures, or do not sign and for which of a few reasons. The outcome tells the milter what OpenDKIM would do
 * next.
 */
public final class SigningDecision {
    /** The kinds of decision. */
    public enum Outcome {
        /** Sign with {@link #signatures()}. */
        SIGN,
        /** The client is in PeerList: leave its mail alone entirely (OpenDKIM accepts without looking). */
        PEER,
        /** The client is not internal and did not authenticate: not ours to sign (OpenDKIM verifies instead). */
        EXTERNAL,
        /** The client may have mail signed, but the message has no From address to sign for. */
        UNPARSABLE_FROM,
        /** The client may have mail signed, but no domain or SigningTable entry covers the From address. */
        NOT_SIGNED,
        /** The configuration cannot serve this message (a SigningTable entry names no KeyTable entry). */
        ERROR
    }

    private final Outcome outcome;
    private final String reason;
    private final List<SignatureRequest> signatures;
    private final Optional<FromAddress> from;
    private final boolean notice;
    private final List<SigningTable.Match> matches;

    private SigningDecision(Outcome outcome, String reason, List<SignatureRequest> signatures,
            Optional<FromAddress> from, boolean notice, List<SigningTable.Match> matches) {
        this.outcome = Objects.requireNonNull(outcome, "outcome");
        this.reason = Objects.requireNonNull(reason, "reason");
        this.signatures = List.copyOf(signatures);
        this.from = Objects.requireNonNull(from, "from");
        this.notice = notice;
        this.matches = List.copyOf(matches);
    }

    /**
     * Sign.
     *
     * @throws IllegalArgumentException if there is no signature to make
     */
    public static SigningDecision sign(List<SignatureRequest> signatures, FromAddress from, String reason) {
        if (signatures.isEmpty()) {
            throw new IllegalArgumentException("signatures: empty (expected: at least one)");
        }
        return new SigningDecision(Outcome.SIGN, reason, signatures, Optional.of(from), false, List.of());
    }

    /**
     * Sign, as the SigningTable lines {@code matches} say.
     *
     * @throws IllegalArgumentException if there is no signature to make
     */
    static SigningDecision sign(List<SignatureRequest> signatures, List<SigningTable.Match> matches,
            FromAddress from, String reason) {
        return sign(signatures, from, reason).withMatches(matches);
    }

    /**
     * Do not sign.
     *
     * @param notice whether this deserves more than a debug line (an outside host sending as a signing domain)
     * @throws IllegalArgumentException if {@code outcome} is {@link Outcome#SIGN}
     */
    public static SigningDecision skip(Outcome outcome, String reason, Optional<FromAddress> from, boolean notice) {
        if (outcome == Outcome.SIGN) {
            throw new IllegalArgumentException("outcome: SIGN (expected: a reason not to sign)");
        }
        return new SigningDecision(outcome, reason, List.of(), from, notice, List.of());
    }

    /** This decision, made by the SigningTable lines {@code lines}. */
    SigningDecision withMatches(List<SigningTable.Match> lines) {
        return new SigningDecision(outcome, reason, signatures, from, notice, lines);
    }

    public Outcome outcome() {
        return outcome;
    }

    /** Whether to sign. */
    public boolean signs() {
        return outcome == Outcome.SIGN;
    }

    /** Why, for the log line: "client 192.0.2.7 not internal and not authenticated", "no SigningTable entry...". */
    public String reason() {
        return reason;
    }

    /** The signatures to make; empty unless signing. */
    public List<SignatureRequest> signatures() {
        return signatures;
    }

    /** The From address the decision was made for, when there was one. */
    public Optional<FromAddress> from() {
        return from;
    }

    /**
     * The SigningTable lines that decided, in table order: those that sign ({@link Outcome#SIGN}), or the one that
     * names a missing key ({@link Outcome#ERROR}); empty otherwise.
     */
    public List<SigningTable.Match> matches() {
        return matches;
    }

    /** Whether the log line should be a notice rather than a debug line (OpenDKIM logs those at LOG_NOTICE). */
    public boolean notice() {
        return notice;
    }

    @Override
    public String toString() {
        return outcome + ": " + reason + (signatures.isEmpty() ? "" : " " + signatures);
    }
}
