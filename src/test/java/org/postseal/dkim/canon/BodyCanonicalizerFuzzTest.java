package org.postseal.dkim.canon;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Timeout;
import org.postseal.fuzz.FuzzSupport;

/**
 * Fuzzes both body canonicalizations, which see every byte of every body: the output equals a plain, non-streaming
 * reading of RFC 6376 §3.4.3 and §3.4.4 (lines split at CRLF only); it is the same whether the body arrives whole, in
 * chunks cut anywhere or one {@code write(int)} at a time; canonicalizing the output again changes nothing; and an
 * {@code l=} limit passes on exactly that many leading bytes while counting them all.
 */
@Timeout(10)
class BodyCanonicalizerFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void body(byte[] input) throws IOException {
        check(SimpleBodyCanonicalizer::new, simple(input), input);
        check(RelaxedBodyCanonicalizer::new, relaxed(input), input);
    }

    private static void check(Function<OutputStream, BodyCanonicalizer> kind, byte[] expected, byte[] input)
            throws IOException {
        byte[] whole = canonical(kind, List.of(input));
        assertArrayEquals(expected, whole, () -> "against RFC 6376 for " + kind.apply(OutputStream.nullOutputStream())
                .getClass().getSimpleName());
        assertArrayEquals(whole, canonical(kind, FuzzSupport.chunks(input)), "in chunks");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (BodyCanonicalizer one = kind.apply(out)) {
            for (byte b : input) {
                one.write(b);
            }
        }
        assertArrayEquals(whole, out.toByteArray(), "byte by byte");
        assertArrayEquals(whole, canonical(kind, List.of(whole)), "canonicalized twice");

        long limit = input.length == 0 ? 0 : (input[0] & 0xff) % (whole.length + 2);
        ByteArrayOutputStream limited = new ByteArrayOutputStream();
        LengthLimitingOutputStream counter = new LengthLimitingOutputStream(limited, limit);
        try (BodyCanonicalizer c = kind.apply(counter)) {
            for (byte[] chunk : FuzzSupport.chunks(input)) {
                c.write(chunk);
            }
        }
        assertEquals(whole.length, counter.seen());
        assertArrayEquals(Arrays.copyOf(whole, (int) Math.min(limit, whole.length)), limited.toByteArray());
    }

    private static byte[] canonical(Function<OutputStream, BodyCanonicalizer> kind, List<byte[]> chunks)
            throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (BodyCanonicalizer c = kind.apply(out)) {
            for (byte[] chunk : chunks) {
                c.write(chunk, 0, chunk.length);
            }
        }
        return out.toByteArray();
    }

    /** §3.4.3: empty lines at the end removed, then exactly one CRLF at the end (an empty body is one CRLF). */
    static byte[] simple(byte[] body) {
        int end = withoutTrailingLineEnds(body, body.length);
        byte[] out = Arrays.copyOf(body, end + 2);
        out[end] = '\r';
        out[end + 1] = '\n';
        return out;
    }

    /**
     * §3.4.4: in each line (split at CRLF) runs of SP and HTAB become one SP and whitespace at the line's end goes;
     * then empty lines at the end go; a body left non-empty ends with one CRLF, an empty one stays empty.
     */
    static byte[] relaxed(byte[] body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int start = 0;
        while (true) {
            int crlf = indexOfCrlf(body, start);
            int end = crlf < 0 ? body.length : crlf;
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            boolean space = false;
            for (int i = start; i < end; i++) {
                byte b = body[i];
                if (b == ' ' || b == '\t') {
                    space = true;
                    continue;
                }
                if (space) {
                    line.write(' ');
                    space = false;
                }
                line.write(b);
            }
            out.writeBytes(line.toByteArray());
            if (crlf < 0) {
                break;
            }
            out.write('\r');
            out.write('\n');
            start = crlf + 2;
        }
        byte[] joined = out.toByteArray();
        int end = withoutTrailingLineEnds(joined, joined.length);
        if (end == 0) {
            return new byte[0];
        }
        byte[] result = Arrays.copyOf(joined, end + 2);
        result[end] = '\r';
        result[end + 1] = '\n';
        return result;
    }

    private static int withoutTrailingLineEnds(byte[] bytes, int length) {
        int end = length;
        while (end >= 2 && bytes[end - 2] == '\r' && bytes[end - 1] == '\n') {
            end -= 2;
        }
        return end;
    }

    private static int indexOfCrlf(byte[] bytes, int from) {
        for (int i = from; i + 1 < bytes.length; i++) {
            if (bytes[i] == '\r' && bytes[i + 1] == '\n') {
                return i;
            }
        }
        return -1;
    }
}
