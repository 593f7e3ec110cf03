package org.postseal.dkim.record;

/** A tag=value list, DKIM-Signature or key record does not follow its grammar; the message says where. */
public final class TagSyntaxException extends Exception {
    private static final long serialVersionUID = 1L;

    public TagSyntaxException(String message) {
        super(message);
    }
}
