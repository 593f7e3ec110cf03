package org.postseal.bench;

import java.io.IOException;
import java.io.OutputStream;

/**
 * The write side of a Postfix {@code VSTREAM} on a milter socket, which decides how the milter protocol reaches the
 * wire: Postfix's milter client ({@code milter8.c}) never flushes a command by itself. Bytes collect in the stream's
 * buffer and leave with one {@code write()} when Postfix next reads a reply (a double-buffered stream flushes its
 * write buffer before the first read), or when the buffer is full. So a macro packet and its command travel in one
 * segment, and commands the milter asked not to answer (SMFIP_NR_HDR, SMFIP_NR_BODY, SMFIP_NR_CONN) wait in the
 * buffer and leave together with the next command that is answered. For TCP, {@code vstream_tweak_tcp()} sizes the
 * buffer to twice the connection's MSS.
 *
 * <p>Nagle's algorithm stays on: the socket is used as Postfix uses it, without {@code TCP_NODELAY}.
 */
final class VStreamOutput {
    private final OutputStream socket;
    private final byte[] buffer;
    private int used;
    private long writes;

    /**
     * @param socket the socket's output stream, unbuffered
     * @param bufferBytes the VSTREAM buffer size: twice the TCP MSS, as {@code vstream_tweak_tcp()} sets it
     */
    VStreamOutput(OutputStream socket, int bufferBytes) {
        if (bufferBytes < 4096) {
            throw new IllegalArgumentException("bufferBytes: " + bufferBytes + " (expected: >= 4096, VSTREAM_BUFSIZE)");
        }
        this.socket = socket;
        this.buffer = new byte[bufferBytes];
    }

    /** Appends bytes; each time the buffer fills up, it is written out whole, as {@code vbuf_write()} does. */
    void write(byte[] bytes, int offset, int length) throws IOException {
        while (length > 0) {
            int n = Math.min(length, buffer.length - used);
            System.arraycopy(bytes, offset, buffer, used, n);
            used += n;
            offset += n;
            length -= n;
            if (used == buffer.length) {
                flush();
            }
        }
    }

    void write(byte[] bytes) throws IOException {
        write(bytes, 0, bytes.length);
    }

    /** Writes what is buffered with one {@code write()}; called before every read, as the VSTREAM does. */
    void flush() throws IOException {
        if (used > 0) {
            socket.write(buffer, 0, used);
            used = 0;
            writes++;
        }
    }

    /** How many {@code write()} calls went to the socket. */
    long writes() {
        return writes;
    }
}
