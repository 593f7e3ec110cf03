package org.postseal.milter;

import java.time.Clock;
import java.util.Objects;
import org.postseal.dkim.DkimSigner;
import org.postseal.signing.OnError;

/**
 * How every milter session behaves: who decides what to sign, what to do with a message that cannot be signed, and
 * the limits that protect the server.
 *
 * @param signing who is signed, with which keys
 * @param onError what happens to a message that should be signed but cannot be
 * @param limits the bounds on connections, memory, packets and time
 * @param threads event-loop threads serving connections
 * @param clock the time for {@code t=}
 */
public record MilterSessions(SigningPort signing, OnError onError, MilterLimits limits,
        int threads, Clock clock) {
    public MilterSessions {
        Objects.requireNonNull(signing, "signing");
        Objects.requireNonNull(onError, "onError");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(clock, "clock");
        if (threads < 1) {
            throw new IllegalArgumentException("threads: " + threads + " (expected: >= 1)");
        }
    }

    /** Default limits, one thread per core. */
    public static MilterSessions of(SigningPort signing, OnError onError) {
        return new MilterSessions(signing, onError, MilterLimits.DEFAULTS,
                Math.max(1, Runtime.getRuntime().availableProcessors()), Clock.systemUTC());
    }

    /** These settings with other limits. */
    public MilterSessions withLimits(MilterLimits value) {
        return new MilterSessions(signing, onError, value, threads, clock);
    }

    MilterSession newSession() {
        return new MilterSession(signing, new DkimSigner(clock), onError, limits.maxHeaderBytes());
    }
}
