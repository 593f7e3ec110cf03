package org.postseal.milter;

import java.time.Clock;
import java.util.Objects;
import java.util.Optional;
import org.postseal.dkim.DkimSigner;
import org.postseal.events.MailEvents;
import org.postseal.signing.OnError;

/**
 * How every milter session behaves: who decides what to sign, what to do with a message that cannot be signed,
 * whether and how the mail it does not sign is verified, and the limits that protect the server.
 *
 * @param signing who is signed, with which keys
 * @param onError what happens to a message that should be signed but cannot be
 * @param limits the bounds on connections, memory, packets and time
 * @param threads event-loop threads serving connections
 * @param clock the time for {@code t=} and for checking {@code x=}
 * @param verification how mail this milter does not sign is verified (Mode v); empty not to verify
 * @param events hears what happens to each message and connection ({@link MailEvents#NONE} by default)
 */
public record MilterSessions(SigningPort signing, OnError onError, MilterLimits limits,
        int threads, Clock clock, Optional<VerificationSettings> verification, MailEvents events) {
    public MilterSessions {
        Objects.requireNonNull(signing, "signing");
        Objects.requireNonNull(onError, "onError");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(verification, "verification");
        Objects.requireNonNull(events, "events");
        if (threads < 1) {
            throw new IllegalArgumentException("threads: " + threads + " (expected: >= 1)");
        }
    }

    /** Sessions that sign only. */
    public MilterSessions(SigningPort signing, OnError onError, MilterLimits limits, int threads, Clock clock) {
        this(signing, onError, limits, threads, clock, Optional.empty(), MailEvents.NONE);
    }

    /** Default limits, one thread per core, signing only. */
    public static MilterSessions of(SigningPort signing, OnError onError) {
        return new MilterSessions(signing, onError, MilterLimits.DEFAULTS,
                Math.max(1, Runtime.getRuntime().availableProcessors()), Clock.systemUTC());
    }

    /** These settings with other limits. */
    public MilterSessions withLimits(MilterLimits value) {
        return new MilterSessions(signing, onError, value, threads, clock, verification, events);
    }

    /** These settings, verifying the mail they do not sign as {@code value} says. */
    public MilterSessions withVerification(VerificationSettings value) {
        return new MilterSessions(signing, onError, limits, threads, clock, Optional.of(value), events);
    }

    /** These settings, telling {@code value} what happens. */
    public MilterSessions withEvents(MailEvents value) {
        return new MilterSessions(signing, onError, limits, threads, clock, verification, value);
    }

    /** Key lookups not complete within the command timeout count as temporary failures. */
    MilterSession newSession() {
        return new MilterSession(signing, new DkimSigner(clock), onError, limits.maxHeaderBytes(),
                limits.maxHeaderFields(), verification, clock, limits.commandTimeout(), events);
    }
}
