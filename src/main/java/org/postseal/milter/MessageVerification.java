package org.postseal.milter;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.nightcode.milter.codec.MilterPacket;
import org.postseal.dkim.DkimVerifier;
import org.postseal.dkim.KeyLookupException;
import org.postseal.dkim.KeyName;
import org.postseal.dkim.VerificationResult;
import org.postseal.dkim.VerificationSession;
import org.postseal.dns.KeyRecordSource;
import org.postseal.events.MailEvents;
import org.postseal.events.MessageVerified;
import org.postseal.logging.MessageLine;
import org.postseal.message.HeaderField;
import org.postseal.policy.VerificationAction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The verification of one message the milter does not sign. At the end of the header it parses the signatures to
 * examine and starts one lookup per distinct key, without blocking; the body is hashed as it arrives; once every
 * lookup has completed ({@link #keysReady()}), {@link #replies()} checks the signatures with the keys fetched and
 * says what to answer: the forged Authentication-Results fields removed, ours inserted at the top, and the action
 * the results call for. A lookup that has not completed within the timeout counts as a temporary failure.
 */
final class MessageVerification {
    private static final Logger LOG = LoggerFactory.getLogger(MessageVerification.class);

    private final VerificationSettings settings;
    private final ForgedResults forged;
    private final String queueId;
    private final Optional<String> from;
    private final Negotiation negotiation;
    private final Map<KeyName, CompletableFuture<List<String>>> keys = new LinkedHashMap<>();
    private final VerificationSession session;
    private final String unexaminedReason;
    private final MailEvents events;

    /** With a clock, a message to verify; without, one that cannot be examined, for {@code unexaminedReason}. */
    private MessageVerification(VerificationSettings settings, ForgedResults forged, String queueId,
            Optional<String> from, Negotiation negotiation, Clock clock, String unexaminedReason, MailEvents events) {
        this.settings = settings;
        this.forged = forged;
        this.queueId = queueId;
        this.from = from;
        this.negotiation = negotiation;
        this.session = clock == null ? null : new DkimVerifier(this::fetched, clock,
                DkimVerifier.DEFAULT_ALLOWED_CLOCK_SKEW, DkimVerifier.MINIMUM_RSA_BITS, settings.limits())
                .newSession();
        this.unexaminedReason = unexaminedReason;
        this.events = events;
    }

    /**
     * Starts verifying a message whose header is complete: its fields go to a verification session, and the key
     * lookups it needs start now.
     *
     * @param from the From domain, for the log line
     */
    static MessageVerification start(VerificationSettings settings, Clock clock, Duration keyTimeout,
            ForgedResults forged, String queueId, Optional<String> from, Negotiation negotiation,
            List<HeaderField> headers, MailEvents events) {
        MessageVerification verification = new MessageVerification(settings, forged, queueId, from, negotiation,
                clock, null, events);
        headers.forEach(verification.session::header);
        for (KeyName key : verification.session.endOfHeader()) {
            verification.keys.put(key, lookup(settings.keys(), key).copy().orTimeout(keyTimeout.toMillis(),
                    TimeUnit.MILLISECONDS));
        }
        return verification;
    }

    /** A message that cannot be examined (its header is beyond the limit): the security action applies. */
    static MessageVerification unexamined(VerificationSettings settings, ForgedResults forged, String queueId,
            Optional<String> from, Negotiation negotiation, String reason, MailEvents events) {
        return new MessageVerification(settings, forged, queueId, from, negotiation, null, reason, events);
    }

    private static CompletableFuture<List<String>> lookup(KeyRecordSource source, KeyName key) {
        try {
            return source.lookup(key.selector(), key.domain());
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** How many key lookups this message started. */
    int lookups() {
        return keys.size();
    }

    /** Adds the next chunk of the body. */
    void body(byte[] chunk) {
        if (session != null && chunk.length > 0) {
            session.body(chunk);
        }
    }

    /** Completes, never exceptionally, once every key lookup has completed or timed out. */
    CompletableFuture<Void> keysReady() {
        return CompletableFuture.allOf(keys.values().stream().map(f -> f.handle((v, e) -> null))
                .toArray(CompletableFuture[]::new));
    }

    /**
     * Checks the signatures and returns the replies for the end of the message; to be called once
     * {@link #keysReady()} has completed. An unexpected failure gets the internal-error action.
     */
    List<MilterPacket> replies() {
        if (session == null) {
            LOG.warn("{}", MessageLine.notVerified(queueId).from(from)
                    .with("action", VerificationVerdict.SECURITY.action(settings.actions()).word())
                    .because(unexaminedReason));
            events.verified(new MessageVerified(MessageVerified.Verdict.NOT_EXAMINED, List.of()));
            return replies(VerificationVerdict.SECURITY,
                    AuthenticationResultsField.unverified(forged.authservId(), unexaminedReason));
        }
        List<VerificationResult> results;
        try {
            results = session.finish();
        } catch (RuntimeException e) {
            LOG.error("{}", MessageLine.notVerified(queueId).from(from)
                    .with("action", VerificationVerdict.INTERNAL_ERROR.action(settings.actions()).word())
                    .because("internal error: " + e), e);
            events.error(org.postseal.events.ErrorKind.INTERNAL);
            events.verified(new MessageVerified(MessageVerified.Verdict.INTERNAL_ERROR, List.of()));
            return replies(VerificationVerdict.INTERNAL_ERROR,
                    AuthenticationResultsField.unverified(forged.authservId(), "internal error"));
        }
        VerificationVerdict verdict = VerificationVerdict.of(results);
        MessageLine line = line(results, verdict.action(settings.actions()));
        if (session.notExamined() > 0) {
            line = line.with("not-examined", String.valueOf(session.notExamined()));
        }
        LOG.info("{}", line);
        events.verified(new MessageVerified(verdict.event(), results.stream().map(r ->
                new MessageVerified.SignatureChecked(r.domain(), r.result().word())).toList()));
        return replies(verdict, AuthenticationResultsField.value(forged.authservId(), results));
    }

    private List<MilterPacket> replies(VerificationVerdict verdict, String fieldValue) {
        VerificationAction action = verdict.action(settings.actions());
        List<MilterPacket> packets = new ArrayList<>();
        if (action == VerificationAction.ACCEPT || action == VerificationAction.QUARANTINE) {
            packets.addAll(forged.removals());
            packets.add(MilterReplies.insertField(0, AuthenticationResultsField.NAME, " " + fieldValue, negotiation));
        }
        packets.addAll(verdict.replies(action, negotiation.canQuarantine()));
        return packets;
    }

    /**
     * {@code verified from=... d=example.com s=sel dkim=pass, d=... dkim=fail (why) action=accept}, and how many
     * forged Authentication-Results fields were removed, if any.
     */
    private MessageLine line(List<VerificationResult> results, VerificationAction action) {
        MessageLine line = MessageLine.verified(queueId).from(from);
        if (results.isEmpty()) {
            line = line.with("dkim", "none");
        }
        for (VerificationResult r : results) {
            line = line.result(r.domain(), r.selector(), r.result().word(), r.detail());
        }
        line = line.with("action", action.word());
        return forged.count() == 0 ? line : line.with("forged-results-removed", String.valueOf(forged.count()));
    }

    /** The key lookup port the session asks at {@link VerificationSession#finish()}: answered from the lookups. */
    private List<String> fetched(String selector, String domain) throws KeyLookupException {
        CompletableFuture<List<String>> future = keys.get(new KeyName(selector, domain));
        if (future == null || !future.isDone()) {
            throw KeyLookupException.temporary("key lookup not complete: " + selector + "._domainkey." + domain);
        }
        try {
            return future.join();
        } catch (CompletionException | java.util.concurrent.CancellationException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            if (cause instanceof KeyLookupException failure) {
                throw failure;
            }
            if (cause instanceof TimeoutException) {
                throw KeyLookupException.temporary("key lookup timed out: " + selector + "._domainkey." + domain);
            }
            throw KeyLookupException.temporary("key lookup failed: " + cause);
        }
    }
}
