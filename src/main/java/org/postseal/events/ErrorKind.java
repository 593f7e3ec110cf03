package org.postseal.events;

import java.util.Locale;

/** The kinds of error counted apart: a closed set. */
public enum ErrorKind {
    /** A client broke the protocol (the connection is closed). */
    PROTOCOL,
    /** A client was too slow: idle, or a packet not whole within the command timeout. */
    TIMEOUT,
    /** A bound was hit: connections, buffer memory, packet size. */
    LIMIT,
    /** An unexpected failure inside postseal. */
    INTERNAL;

    /** The label value: the name in lower case. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
