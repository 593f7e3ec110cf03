package org.postseal.milter;

/**
 * The MTA sent something the milter protocol does not allow (a truncated field, a command out of place, a frame
 * over the size limit). The connection it came on is closed; other connections are not affected.
 */
public final class MilterProtocolException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public MilterProtocolException(String message) {
        super(message);
    }
}
