package org.postseal.dkim.canon;

import java.io.OutputStream;
import java.io.IOException;

/**
 * Passes on at most {@code limit} bytes of the canonical body (the {@code l=} tag, RFC 6376 §3.5) and counts all of
 * them, so that a verifier can tell when {@code l=} claims more than the body holds.
 */
public final class LengthLimitingOutputStream extends OutputStream {
    private final OutputStream sink;
    private final long limit;
    private long seen;

    public LengthLimitingOutputStream(OutputStream sink, long limit) {
        if (limit < 0) {
            throw new IllegalArgumentException("limit: " + limit + " (expected: >= 0)");
        }
        this.sink = sink;
        this.limit = limit;
    }

    @Override
    public void write(int b) throws IOException {
        if (seen < limit) {
            sink.write(b);
        }
        seen++;
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
        long room = limit - seen;
        if (room > 0) {
            sink.write(bytes, offset, (int) Math.min(room, length));
        }
        seen += length;
    }

    /** How many canonical body bytes were offered, including those past the limit. */
    public long seen() {
        return seen;
    }
}
