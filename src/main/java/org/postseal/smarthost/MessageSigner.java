package org.postseal.smarthost;

import java.time.Clock;
import org.postseal.message.MessageFormatException;
import org.postseal.signing.SignatureSelector;

/**
 * Signs a prepared message (CRLF) for the smarthost and {@code postseal sendmail --direct}: the signatures are those
 * the shared {@link SignatureSelector} chooses ({@link #of}); a test may sign in its place.
 */
@FunctionalInterface
public interface MessageSigner {
    /**
     * @return the message signed, left unsigned as the rules say, or why it could not be signed
     * @throws MessageFormatException if the message's header cannot be read
     */
    SigningOutcome sign(byte[] message) throws MessageFormatException;

    /** Signs with the signatures {@code selector} chooses, made at {@code clock}'s time. */
    static MessageSigner of(SignatureSelector selector, Clock clock) {
        return new SelectedSignatures(selector, clock);
    }
}
