package org.postseal.message;

/** The input is not an RFC 5322 message postseal can work with; the message says where and why, in one line. */
public final class MessageFormatException extends Exception {
    private static final long serialVersionUID = 1L;

    public MessageFormatException(String message) {
        super(message);
    }
}
