package org.postseal.dkim.canon;

import java.io.IOException;
import java.io.OutputStream;

/**
 * A body canonicalizer: an output stream that takes the body exactly as it travels (CRLF line ends) in chunks of
 * any size, split anywhere, and writes its canonical form to a sink, usually a digest. {@link #close()} ends the body
 * (and flushes what the end of the body decides) but does not close the sink.
 *
 * <p>The shared part is the line machine: a CR is held until the next byte says whether it ends a line; line ends
 * are counted, not written, until content follows them, because empty lines at the very end of a body are not
 * hashed in either canonicalization. Subclasses decide what whitespace and the end of the body mean.
 */
public abstract class BodyCanonicalizer extends OutputStream {
    private static final byte CR = '\r';
    private static final byte LF = '\n';

    private final OutputStream sink;
    private final byte[] buffer = new byte[8192];
    private int buffered;
    private boolean pendingCr;
    private long pendingLineEnds;
    private boolean content;
    private boolean closed;

    protected BodyCanonicalizer(OutputStream sink) {
        this.sink = sink;
    }

    @Override
    public final void write(int b) throws IOException {
        accept((byte) b);
        drain();
    }

    @Override
    public final void write(byte[] bytes, int offset, int length) throws IOException {
        java.util.Objects.checkFromIndexSize(offset, length, bytes.length);
        int end = offset + length;
        int i = offset;
        while (i < end) {
            if (!pendingCr && pendingLineEnds == 0 && !holdsWhitespace()) {
                // fast path: a run of ordinary bytes with nothing held back passes through unchanged
                int run = i;
                while (run < end && isOrdinary(bytes, run, end)) {
                    run++;
                }
                if (run > i) {
                    emitRun(bytes, i, run - i);
                    i = run;
                    continue;
                }
            }
            accept(bytes[i++]);
        }
        drain();
    }

    /**
     * Whether the byte at {@code i} passes through unchanged whatever follows: anything but CR, and whitespace too
     * where it is content; in relaxed canonicalization a single space is also unchanged when the byte after it (in
     * this chunk) is neither whitespace nor CR, which is how words are separated in most text.
     */
    private boolean isOrdinary(byte[] bytes, int i, int end) {
        byte b = bytes[i];
        if (b == CR) {
            return false;
        }
        if ((b != ' ' && b != '\t') || whitespaceIsContent()) {
            return true;
        }
        if (b != ' ' || i + 1 >= end) {
            return false;
        }
        byte next = bytes[i + 1];
        return next != ' ' && next != '\t' && next != CR;
    }

    private void emitRun(byte[] bytes, int offset, int length) throws IOException {
        if (closed) {
            throw new IOException("body already ended");
        }
        if (length > buffer.length - buffered) {
            drain();
            sink.write(bytes, offset, length);
        } else {
            System.arraycopy(bytes, offset, buffer, buffered, length);
            buffered += length;
        }
        content = true;
    }

    /** Whether SP and HTAB are content like any other byte (simple) rather than collapsible (relaxed). */
    protected abstract boolean whitespaceIsContent();

    /** Whether whitespace is being held back, waiting to see what follows it. */
    protected boolean holdsWhitespace() {
        return false;
    }

    private void accept(byte b) throws IOException {
        if (closed) {
            throw new IOException("body already ended");
        }
        if (pendingCr) {
            pendingCr = false;
            if (b == LF) {
                pendingLineEnds++;
                onLineEnd();
                return;
            }
            onContent(CR);
        }
        if (b == CR) {
            pendingCr = true;
        } else if (b == ' ' || b == '\t') {
            onWhitespace(b);
        } else {
            onContent(b);
        }
    }

    /** Ends the body: writes whatever the end of the body requires, flushes to the sink, leaves the sink open. */
    @Override
    public final void close() throws IOException {
        if (closed) {
            return;
        }
        if (pendingCr) {
            pendingCr = false;
            onContent(CR);
        }
        onEnd();
        closed = true;
        drain();
    }

    /** Called for SP or HTAB. */
    protected abstract void onWhitespace(byte b) throws IOException;

    /** Called once at the end of the body. */
    protected abstract void onEnd() throws IOException;

    /** Called when a CRLF has been seen (and counted as pending). */
    protected void onLineEnd() {
    }

    /** Called before a content byte is written, after pending line ends have been written. */
    protected void beforeContent() throws IOException {
    }

    /** Writes a content byte, preceded by the line ends held back so far. */
    protected final void onContent(byte b) throws IOException {
        while (pendingLineEnds > 0) {
            pendingLineEnds--;
            emit(CR);
            emit(LF);
        }
        beforeContent();
        emit(b);
        content = true;
    }

    /** Whether any content byte has been written. */
    protected final boolean hasContent() {
        return content;
    }

    /** Writes one CRLF, dropping the line ends held back (the final CRLF stands for all of them). */
    protected final void emitCrlf() throws IOException {
        pendingLineEnds = 0;
        emit(CR);
        emit(LF);
    }

    protected final void emit(byte b) throws IOException {
        if (buffered == buffer.length) {
            drain();
        }
        buffer[buffered++] = b;
    }

    private void drain() throws IOException {
        if (buffered > 0) {
            sink.write(buffer, 0, buffered);
            buffered = 0;
        }
    }
}
