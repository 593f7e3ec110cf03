package org.postseal.dkim.canon;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Turns bare-LF line ends into CRLF, the form in which an MTA sends a message and so the form that is signed. PHP's
 * {@code mail()} and most local programs hand sendmail bare LF; CRLF already present passes unchanged. Works on
 * chunks split anywhere.
 */
public final class CrlfNormalizer extends OutputStream {
    private final OutputStream sink;
    private boolean lastWasCr;

    public CrlfNormalizer(OutputStream sink) {
        this.sink = sink;
    }

    /**
     * Normalizes into a consumer of chunks, such as a signing or verification session's
     * {@code body(bytes, offset, length)}.
     */
    public static CrlfNormalizer into(ChunkSink sink) {
        return new CrlfNormalizer(new OutputStream() {
            @Override
            public void write(int b) {
                sink.write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                sink.write(b, off, len);
            }
        });
    }

    /** Where body chunks go: a session's {@code body(bytes, offset, length)}. */
    @FunctionalInterface
    public interface ChunkSink {
        void write(byte[] bytes, int offset, int length);
    }

    @Override
    public void write(int b) throws IOException {
        if (b == '\n' && !lastWasCr) {
            sink.write('\r');
        }
        sink.write(b);
        lastWasCr = b == '\r';
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
        int start = offset;
        int end = offset + length;
        for (int i = offset; i < end; i++) {
            byte b = bytes[i];
            if (b == '\n' && !(i > offset ? bytes[i - 1] == '\r' : lastWasCr)) {
                sink.write(bytes, start, i - start);
                sink.write('\r');
                start = i;
            }
        }
        sink.write(bytes, start, end - start);
        if (length > 0) {
            lastWasCr = bytes[end - 1] == '\r';
        }
    }

    @Override
    public void flush() throws IOException {
        sink.flush();
    }
}
