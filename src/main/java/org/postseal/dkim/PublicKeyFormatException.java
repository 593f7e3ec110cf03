package org.postseal.dkim;

/**
 * The {@code p=} value of a key record cannot be turned into a public key: bad base64, a structure that is not the
 * key type's, or a revoked (empty) key. The message says which, in one line; a verifier maps it to a permanent
 * failure (RFC 6376 §6.1.2).
 */
public final class PublicKeyFormatException extends Exception {
    private static final long serialVersionUID = 1L;

    public PublicKeyFormatException(String message) {
        super(message);
    }

    public PublicKeyFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
