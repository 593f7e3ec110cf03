package org.postseal.smtp;

import io.netty.buffer.ByteBuf;

/**
 * The transparency procedure of RFC 5321 §4.5.2 as a streaming transformation: a line that begins with {@code .}
 * gets one more {@code .} in front, and the whole ends with CRLF (added when the message does not), so that the
 * {@code .CRLF} the encoder appends ends the DATA section. Nothing else changes: line ends are not rewritten.
 *
 * <p>A line begins after LF (so after CRLF, and after a bare LF too, which some servers take as a line end) and at
 * the very start. The state (at a line start, the last two bytes) survives between calls, so the message may be fed
 * in chunks split anywhere. Not thread-safe; one instance per message.
 */
final class DotStuffer {
    private boolean lineStart = true;
    private int last = -1;
    private int beforeLast = -1;
    private long bytesIn;
    private boolean finished;

    /**
     * Appends {@code in[offset, offset + length)} to {@code out}, stuffed.
     *
     * @throws IllegalStateException after {@link #finish}
     */
    void stuff(byte[] in, int offset, int length, ByteBuf out) {
        if (finished) {
            throw new IllegalStateException("stuff after finish");
        }
        int end = offset + length;
        int run = offset;
        for (int i = offset; i < end; i++) {
            byte b = in[i];
            if (lineStart && b == '.') {
                out.writeBytes(in, run, i - run);
                out.writeByte('.');
                run = i;
            }
            lineStart = b == '\n';
        }
        out.writeBytes(in, run, end - run);
        if (length >= 2) {
            beforeLast = in[end - 2] & 0xff;
            last = in[end - 1] & 0xff;
        } else if (length == 1) {
            beforeLast = last;
            last = in[end - 1] & 0xff;
        }
        bytesIn += length;
    }

    /**
     * Appends what the end needs: nothing when the message was empty or ended with CRLF, {@code LF} after a final
     * CR, CRLF otherwise.
     *
     * @throws IllegalStateException when called twice
     */
    void finish(ByteBuf out) {
        if (finished) {
            throw new IllegalStateException("finish called twice");
        }
        finished = true;
        if (bytesIn == 0 || (beforeLast == '\r' && last == '\n')) {
            return;
        }
        if (last == '\r') {
            out.writeByte('\n');
        } else {
            out.writeByte('\r').writeByte('\n');
        }
    }

    /** How many message bytes went in so far. */
    long bytesIn() {
        return bytesIn;
    }
}
