package org.postseal.smarthost;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.postseal.events.MailEvents;
import org.postseal.events.MessageNotSigned;
import org.postseal.events.MessageSigned;
import org.postseal.logging.LogText;
import org.postseal.logging.MessageLine;
import org.postseal.message.MessageFormatException;
import org.postseal.signing.OnError;
import org.postseal.smtp.Envelope;
import org.postseal.sendmail.PreparedMessage;
import org.postseal.sendmail.PreparationException;
import org.postseal.sendmail.SendmailOptions;
import org.postseal.sendmail.MessagePreparer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The steps every submitted message goes through before it is kept or sent, the same for the smarthost and for
 * {@code postseal sendmail --direct}: prepared as msmtp would ({@link MessagePreparer}), then signed
 * ({@link MessageSigner}). A message that cannot be prepared is refused; one that cannot be signed is passed on
 * unsigned or refused with a temporary failure, as {@link OnError} says, with a log line either way.
 */
public final class OutgoingMessages {
    private static final Logger LOG = LoggerFactory.getLogger(OutgoingMessages.class);

    private final MessagePreparer preparer;
    private final MessageSigner signer;
    private final OnError onError;
    private final boolean readEnvelopeFrom;
    private final MailEvents events;

    /** Telling no one what becomes of the messages. */
    public OutgoingMessages(MessagePreparer preparer, MessageSigner signer, OnError onError,
            boolean readEnvelopeFrom) {
        this(preparer, signer, onError, readEnvelopeFrom, MailEvents.NONE);
    }

    /**
     * @param onError what happens to a message that cannot be signed
     * @param readEnvelopeFrom take the envelope sender from the From field unless the client gave {@code -f}, as
     *     the seed's {@code msmtp --read-envelope-from} did
     * @param events hears whether each message was signed, or why not
     */
    public OutgoingMessages(MessagePreparer preparer, MessageSigner signer, OnError onError,
            boolean readEnvelopeFrom, MailEvents events) {
        this.events = Objects.requireNonNull(events, "events");
        this.preparer = Objects.requireNonNull(preparer, "preparer");
        this.signer = Objects.requireNonNull(signer, "signer");
        this.onError = Objects.requireNonNull(onError, "onError");
        this.readEnvelopeFrom = readEnvelopeFrom;
    }

    /** What became of one submission: ready to keep or send, or refused with an answer for the client. */
    public sealed interface Outcome {
    }

    /**
     * The envelope and the bytes to relay, and the names of the fields added, for the log.
     *
     * @param signing the message as signing left it: signed, or unsigned with the reason
     */
    public record Ready(Envelope envelope, SigningOutcome.Relayable signing, List<String> addedHeaders)
            implements Outcome {
    }

    /** Not accepted; the answer says why. */
    public record Refused(SubmissionAnswer answer) implements Outcome {
    }

    public Outcome make(SendmailOptions options, byte[] raw) {
        PreparedMessage prepared;
        try {
            prepared = preparer.prepare(raw, readEnvelopeFrom ? options.withReadEnvelopeFrom() : options);
        } catch (PreparationException e) {
            LOG.warn("submission refused: {}", LogText.escape(e.getMessage()));
            return new Refused(SubmissionAnswer.badMessage(e.getMessage()));
        }
        SigningOutcome signed;
        long started = System.nanoTime();
        try {
            signed = signer.sign(prepared.message());
        } catch (MessageFormatException e) {
            LOG.warn("submission refused: {}", LogText.escape(e.getMessage()));
            return new Refused(SubmissionAnswer.badMessage(e.getMessage()));
        }
        if (signed instanceof SigningOutcome.Failed failed) {
            // the door logs the message's one line: the smarthost once it is queued, here when it is refused
            String reason = "cannot sign (" + onError.wording() + "): " + failed.reason();
            events.notSigned(new MessageNotSigned(failed.kind(), failed.domains()));
            return onError.answer(
                    () -> new Ready(prepared.envelope(), new SigningOutcome.Unsigned(prepared.message(),
                            failed.from(), reason, true, failed.kind()), prepared.addedHeaders()),
                    () -> {
                        LOG.warn("{}", MessageLine.notSigned(MessageLine.NOQUEUE).from(failed.from())
                                .because(reason));
                        return new Refused(SubmissionAnswer.tempFail("cannot sign: " + failed.reason()));
                    });
        }
        if (signed instanceof SigningOutcome.Signed made) {
            events.signed(new MessageSigned(made.domains(), Duration.ofNanos(System.nanoTime() - started)));
        } else if (signed instanceof SigningOutcome.Unsigned unsigned) {
            events.notSigned(MessageNotSigned.of(unsigned.kind()));
        }
        return new Ready(prepared.envelope(), (SigningOutcome.Relayable) signed, prepared.addedHeaders());
    }
}
