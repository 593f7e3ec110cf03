package org.postseal.smarthost;

import org.postseal.message.MessageFormatException;

/**
 * Signs a prepared message (CRLF) for the smarthost: with one fixed key, as {@code dkimsign SELECTOR DOMAIN KEYFILE}
 * does ({@link SingleKeySealer}), or by the KeyTable/SigningTable rules the milter follows ({@link PolicySealer}).
 */
public interface MessageSealer {
    /**
     * @return the message to relay, signed or (with a reason in the note) unsigned because no rule asks for a
     *     signature
     * @throws MessageFormatException if the message's header cannot be read
     * @throws SealingException if a signature was wanted and could not be made (the key is refused, say)
     */
    SignedMessage seal(byte[] message) throws MessageFormatException, SealingException;

    /** A signature was wanted but could not be made. */
    final class SealingException extends Exception {
        private static final long serialVersionUID = 1L;

        public SealingException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
