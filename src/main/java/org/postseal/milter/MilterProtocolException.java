package org.postseal.milter;

import org.postseal.events.ErrorKind;

/**
 * The MTA sent something the milter protocol does not allow (a truncated field, a command out of place), or a
 * connection crossed a bound (a packet over the size limit, the shared buffer memory, the command timeout). The
 * connection it came on is closed; other connections are not affected. {@link #kind()} says which, for the error
 * count.
 */
public final class MilterProtocolException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final ErrorKind kind;

    /** A breach of the protocol. */
    public MilterProtocolException(String message) {
        this(ErrorKind.PROTOCOL, message);
    }

    private MilterProtocolException(ErrorKind kind, String message) {
        super(message);
        this.kind = kind;
    }

    /** A bound crossed (packet size, buffer memory). */
    static MilterProtocolException limit(String message) {
        return new MilterProtocolException(ErrorKind.LIMIT, message);
    }

    /** A packet too slow to arrive whole. */
    static MilterProtocolException timeout(String message) {
        return new MilterProtocolException(ErrorKind.TIMEOUT, message);
    }

    /** Protocol, limit or timeout. */
    public ErrorKind kind() {
        return kind;
    }
}
