package org.postseal.message;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The one LF-to-CRLF conversion, as a stream filter fed at every split point and on bytes in memory. */
class CrlfNormalizerTest {
    private static final String IN = "a\nb\r\nc\n\nd\r\n";
    private static final String OUT = "a\r\nb\r\nc\r\n\r\nd\r\n";

    @Test
    void crlfNormalizerAddsCrOnlyWhereMissingAtEverySplit() throws IOException {
        byte[] input = IN.getBytes(StandardCharsets.US_ASCII);
        for (int split = 0; split <= input.length; split++) {
            ByteArrayOutputStream sink = new ByteArrayOutputStream();
            try (OutputStream out = new CrlfNormalizer(sink)) {
                out.write(input, 0, split);
                out.write(input, split, input.length - split);
            }
            assertEquals(OUT, sink.toString(StandardCharsets.US_ASCII), "split at " + split);
        }
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        try (OutputStream out = new CrlfNormalizer(sink)) {
            for (byte b : input) {
                out.write(b);
            }
        }
        assertEquals(OUT, sink.toString(StandardCharsets.US_ASCII), "byte by byte");
    }

    @Test
    void toCrlfConvertsARangeAndTakesALeadingLfAsBare() {
        assertEquals(OUT, new String(CrlfNormalizer.toCrlf(IN.getBytes(StandardCharsets.US_ASCII)),
                StandardCharsets.US_ASCII));
        byte[] framed = "\r\nx\ny\r".getBytes(StandardCharsets.US_ASCII);
        assertEquals("\r\nx\r\ny\r", new String(CrlfNormalizer.toCrlf(framed, 1, framed.length),
                StandardCharsets.US_ASCII), "the CR before the range does not count");
        assertEquals(0, CrlfNormalizer.toCrlf(new byte[0]).length);
    }
}
