package org.postseal.smarthost;

import java.util.List;
import java.util.Objects;
import org.postseal.logging.LogText;
import org.postseal.message.MessageFormatException;
import org.postseal.smtp.Envelope;
import org.postseal.submission.PreparedMessage;
import org.postseal.submission.SubmissionException;
import org.postseal.submission.SubmissionOptions;
import org.postseal.submission.SubmissionPreparer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The steps every submitted message goes through before it is kept or sent, the same for the smarthost and for
 * {@code postseal sendmail --direct}: prepared as msmtp would ({@link SubmissionPreparer}), then signed
 * ({@link MessageSealer}). A message that cannot be prepared is refused; one that cannot be signed is passed on
 * unsigned or refused with a temporary failure, as configured, with a log line either way.
 */
public final class OutgoingMessages {
    private static final Logger LOG = LoggerFactory.getLogger(OutgoingMessages.class);

    private final SubmissionPreparer preparer;
    private final MessageSealer sealer;
    private final boolean tempfailUnsignable;
    private final boolean readEnvelopeFrom;

    /**
     * @param tempfailUnsignable when a message cannot be signed: true refuses it with a temporary failure, false
     *     passes it on unsigned
     * @param readEnvelopeFrom take the envelope sender from the From field unless the client gave {@code -f}, as
     *     the seed's {@code msmtp --read-envelope-from} did
     */
    public OutgoingMessages(SubmissionPreparer preparer, MessageSealer sealer, boolean tempfailUnsignable,
            boolean readEnvelopeFrom) {
        this.preparer = Objects.requireNonNull(preparer, "preparer");
        this.sealer = Objects.requireNonNull(sealer, "sealer");
        this.tempfailUnsignable = tempfailUnsignable;
        this.readEnvelopeFrom = readEnvelopeFrom;
    }

    /** What became of one submission: ready to keep or send, or refused with an answer for the client. */
    public sealed interface Outcome {
    }

    /** The envelope and the bytes to relay, and the names of the fields added, for the log. */
    public record Ready(Envelope envelope, SignedMessage signed, List<String> addedHeaders) implements Outcome {
    }

    /** Not accepted; the answer says why. */
    public record Refused(SubmissionAnswer answer) implements Outcome {
    }

    public Outcome make(SubmissionOptions options, byte[] raw) {
        PreparedMessage prepared;
        try {
            prepared = preparer.prepare(raw, readEnvelopeFrom ? options.withReadEnvelopeFrom() : options);
        } catch (SubmissionException e) {
            LOG.warn("submission refused: {}", LogText.escape(e.getMessage()));
            return new Refused(SubmissionAnswer.badMessage(e.getMessage()));
        }
        byte[] bytes = prepared.message();
        SignedMessage signed;
        try {
            signed = sealer.seal(bytes);
        } catch (MessageFormatException e) {
            LOG.warn("submission refused: {}", LogText.escape(e.getMessage()));
            return new Refused(SubmissionAnswer.badMessage(e.getMessage()));
        } catch (MessageSealer.SealingException e) {
            if (tempfailUnsignable) {
                LOG.warn("submission refused with a temporary failure (on-error = tempfail): {}",
                        LogText.escape(e.getMessage()));
                return new Refused(SubmissionAnswer.tempFail(e.getMessage()));
            }
            LOG.warn("relaying unsigned (on-error = accept): {}", LogText.escape(e.getMessage()));
            signed = new SignedMessage(bytes, List.of(), "not signed: " + e.getMessage());
        }
        return new Ready(prepared.envelope(), signed, prepared.addedHeaders());
    }
}
