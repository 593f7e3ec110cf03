package org.postseal.message;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import org.junit.jupiter.api.Timeout;
import org.postseal.fuzz.FuzzSupport;

/**
 * Fuzzes the one LF-to-CRLF conversion (every body from {@code sendmail} and every header value from Postfix goes
 * through it): the stream gives the same bytes whether the input comes whole, in chunks cut anywhere (a CR at the end
 * of one chunk, its LF at the start of the next) or one {@code write(int)} at a time; the result equals a plain
 * reading (each LF not preceded by CR gets one); it has no bare LF left; and converting it again changes nothing.
 */
@Timeout(10)
class CrlfNormalizerFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void normalize(byte[] input) throws IOException {
        byte[] expected = reference(input);
        assertArrayEquals(expected, CrlfNormalizer.toCrlf(input));
        ByteArrayOutputStream chunked = new ByteArrayOutputStream();
        CrlfNormalizer stream = new CrlfNormalizer(chunked);
        for (byte[] chunk : FuzzSupport.chunks(input)) {
            stream.write(chunk, 0, chunk.length);
        }
        assertArrayEquals(expected, chunked.toByteArray(), "in chunks");
        ByteArrayOutputStream single = new ByteArrayOutputStream();
        CrlfNormalizer bytes = new CrlfNormalizer(single);
        for (byte b : input) {
            bytes.write(b);
        }
        assertArrayEquals(expected, single.toByteArray(), "byte by byte");
        assertArrayEquals(expected, CrlfNormalizer.toCrlf(expected), "converted twice");
    }

    private static byte[] reference(byte[] input) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < input.length; i++) {
            if (input[i] == '\n' && (i == 0 || input[i - 1] != '\r')) {
                out.write('\r');
            }
            out.write(input[i]);
        }
        return out.toByteArray();
    }
}
