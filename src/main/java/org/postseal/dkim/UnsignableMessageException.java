package org.postseal.dkim;

/**
 * A message cannot be signed as it is, for example because it has no From field (RFC 6376 §5.4 requires From to
 * be signed). The message says why, in one line.
 */
public final class UnsignableMessageException extends Exception {
    private static final long serialVersionUID = 1L;

    public UnsignableMessageException(String message) {
        super(message);
    }
}
