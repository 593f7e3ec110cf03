package org.postseal.dkim;

/**
 * A key record could not be fetched. {@link #isTemporary()} says whether to try again later (DNS timeout, SERVFAIL)
 * or not (NXDOMAIN, no TXT record): RFC 6376 §6.1.2.
 */
public final class KeyLookupException extends Exception {
    private static final long serialVersionUID = 1L;
    private final boolean temporary;

    private KeyLookupException(String message, boolean temporary) {
        super(message);
        this.temporary = temporary;
    }

    /** The record does not exist: the signature's result is permerror. */
    public static KeyLookupException notFound(String message) {
        return new KeyLookupException(message, false);
    }

    /** The lookup failed for now: the signature's result is temperror. */
    public static KeyLookupException temporary(String message) {
        return new KeyLookupException(message, true);
    }

    public boolean isTemporary() {
        return temporary;
    }
}
