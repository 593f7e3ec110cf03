package org.postseal.message;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;

/**
 * Turns bare-LF line ends into CRLF, the form in which an MTA sends a message and so the form that is signed. PHP's
 * {@code mail()} and most local programs hand sendmail bare LF, and Postfix hands a milter header values with LF
 * folds; CRLF already present passes unchanged. The one LF-to-CRLF conversion of postseal: as a stream filter that
 * works on chunks split anywhere, and as {@link #toCrlf(byte[], int, int)} for bytes already in memory.
 */
public final class CrlfNormalizer extends OutputStream {
    private final OutputStream sink;
    private boolean lastWasCr;

    public CrlfNormalizer(OutputStream sink) {
        this.sink = sink;
    }

    /** {@code bytes} with every LF not preceded by CR made CRLF; an LF at the very start counts as bare. */
    public static byte[] toCrlf(byte[] bytes) {
        return toCrlf(bytes, 0, bytes.length);
    }

    /** {@code bytes[from, to)} with every LF not preceded by CR (within the range) made CRLF. */
    public static byte[] toCrlf(byte[] bytes, int from, int to) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(to - from + 16);
        try {
            new CrlfNormalizer(out).write(bytes, from, to - from);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not throw
        }
        return out.toByteArray();
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
