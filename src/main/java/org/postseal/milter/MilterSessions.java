package org.postseal.milter;

import java.time.Clock;
import java.util.Objects;
import java.util.function.Supplier;
import org.postseal.dkim.DkimSigner;
import org.postseal.events.MailEvents;
import org.postseal.signing.OnError;

/**
 * How every milter session behaves: the {@link MessageHandling} of each message (signing, on-error, verification),
 * read anew at each message so that a reload reaches the next one, and what stays fixed for the server's life: the
 * limits that protect it, its threads and its clock.
 *
 * @param handling the handling new messages get; asked once per message (at MAIL), and once per connection (at
 *     option negotiation) for whether to ask the MTA for what verifying needs
 * @param limits the bounds on connections, memory, packets and time
 * @param threads event-loop threads serving connections
 * @param clock the time for {@code t=} and for checking {@code x=}
 * @param events hears what happens to each message and connection ({@link MailEvents#NONE} by default)
 */
public record MilterSessions(Supplier<MessageHandling> handling, MilterLimits limits, int threads, Clock clock,
        MailEvents events) {
    public MilterSessions {
        Objects.requireNonNull(handling, "handling");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(events, "events");
        if (threads < 1) {
            throw new IllegalArgumentException("threads: " + threads + " (expected: >= 1)");
        }
    }

    /** Sessions whose messages take {@code handling} as it is at their MAIL, telling nobody what happens. */
    public MilterSessions(Supplier<MessageHandling> handling, MilterLimits limits, int threads, Clock clock) {
        this(handling, limits, threads, clock, MailEvents.NONE);
    }

    /** Sessions that sign only, always as {@code signing} and {@code onError} say. */
    public MilterSessions(SigningPort signing, OnError onError, MilterLimits limits, int threads, Clock clock) {
        this(fixed(MessageHandling.signingOnly(signing, onError)), limits, threads, clock, MailEvents.NONE);
    }

    /** Default limits, one thread per core, signing only. */
    public static MilterSessions of(SigningPort signing, OnError onError) {
        return new MilterSessions(signing, onError, MilterLimits.DEFAULTS,
                Math.max(1, Runtime.getRuntime().availableProcessors()), Clock.systemUTC());
    }

    /** These settings with other limits. */
    public MilterSessions withLimits(MilterLimits value) {
        return new MilterSessions(handling, value, threads, clock, events);
    }

    /** These settings, their current handling fixed, verifying the mail it does not sign as {@code value} says. */
    public MilterSessions withVerification(VerificationSettings value) {
        return new MilterSessions(fixed(handling.get().withVerification(value)), limits, threads, clock, events);
    }

    /** These settings, telling {@code value} what happens. */
    public MilterSessions withEvents(MailEvents value) {
        return new MilterSessions(handling, limits, threads, clock, value);
    }

    private static Supplier<MessageHandling> fixed(MessageHandling value) {
        return () -> value;
    }

    /** Key lookups not complete within the command timeout count as temporary failures. */
    MilterSession newSession() {
        return new MilterSession(handling, new DkimSigner(clock), limits.maxHeaderBytes(), clock,
                limits.commandTimeout(), events);
    }
}
