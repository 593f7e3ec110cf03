package org.postseal.dkim.canon;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** RFC 6376 §3.4 canonicalization, with the worked example of §3.4.5 fed whole, byte by byte and split everywhere. */
class CanonicalizationTest {
    // RFC 6376 §3.4.5, written with the RFC's <SP>, <HTAB> and <CRLF> made real.
    private static final String EXAMPLE_HEADER_A = "A: X";
    private static final String EXAMPLE_HEADER_B = "B : Y\t\r\n\tZ  ";
    private static final String EXAMPLE_BODY = " C \r\nD \t E\r\n\r\n\r\n";

    @Test
    void relaxedHeadersMatchTheRfcExample() {
        assertEquals("a:X\r\n", relaxedHeader(EXAMPLE_HEADER_A));
        assertEquals("b:Y Z\r\n", relaxedHeader(EXAMPLE_HEADER_B));
    }

    @Test
    void simpleHeadersAreUnchanged() {
        assertEquals("A: X\r\n", text(HeaderCanonicalizer.simple(bytes(EXAMPLE_HEADER_A))));
        assertEquals("B : Y\t\r\n\tZ  \r\n", text(HeaderCanonicalizer.simple(bytes(EXAMPLE_HEADER_B))));
    }

    @Test
    void relaxedBodyMatchesTheRfcExampleAtEverySplit() {
        assertEverySplit(RelaxedBodyCanonicalizer::new, EXAMPLE_BODY, " C\r\nD E\r\n");
    }

    @Test
    void simpleBodyMatchesTheRfcExampleAtEverySplit() {
        assertEverySplit(SimpleBodyCanonicalizer::new, EXAMPLE_BODY, " C \r\nD \t E\r\n");
    }

    @ParameterizedTest(name = "simple [{0}] -> [{1}]")
    @CsvSource(delimiter = '|', value = {
        "''|'\r\n'",
        "'\r\n'|'\r\n'",
        "'\r\n\r\n\r\n'|'\r\n'",
        "'abc'|'abc\r\n'",
        "'abc\r\n'|'abc\r\n'",
        "'abc\r\n\r\n'|'abc\r\n'",
        "'a\r\n\r\nb'|'a\r\n\r\nb\r\n'",
        "'a \r\n'|'a \r\n'",
        "'a\rb\r'|'a\rb\r\r\n'",
        "'a\nb'|'a\nb\r\n'",
    })
    void simpleBodyEdges(String in, String expected) {
        assertEverySplit(SimpleBodyCanonicalizer::new, in, expected);
    }

    @ParameterizedTest(name = "relaxed [{0}] -> [{1}]")
    @CsvSource(delimiter = '|', value = {
        "''|''",
        "'\r\n'|''",
        "' \t \r\n\r\n'|''",
        "'abc'|'abc\r\n'",
        "'abc  '|'abc\r\n'",
        "'a  b\t\tc \r\n'|'a b c\r\n'",
        "'  a\r\n'|' a\r\n'",
        "'a\r\n \r\nb'|'a\r\n\r\nb\r\n'",
        "'a\r\n\r\n'|'a\r\n'",
        "'a \rb'|'a \rb\r\n'",
    })
    void relaxedBodyEdges(String in, String expected) {
        assertEverySplit(RelaxedBodyCanonicalizer::new, in, expected);
    }

    @Test
    // SHA-256 of CRLF and of nothing, as `printf "\r\n" | openssl dgst -sha256 -binary | base64` prints them
    void emptyBodyHashesAreTheWellKnownValues() throws Exception {
        assertEquals("frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY=", bodyHash(SimpleBodyCanonicalizer::new, ""));
        assertEquals("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", bodyHash(RelaxedBodyCanonicalizer::new, ""));
    }

    @Test
    void relaxedHeaderUnfoldsBareLfAndKeepsEightBitBytes() {
        byte[] field = "Subject:  Caf\u00e9 \r\n\t d\u00e9j\u00e0  vu ".getBytes(StandardCharsets.UTF_8);
        byte[] expected = "subject:Caf\u00e9 d\u00e9j\u00e0 vu\r\n".getBytes(StandardCharsets.UTF_8);
        assertArrayEquals(expected, HeaderCanonicalizer.relaxed(field));
    }

    @Test
    void lengthLimiterPassesThePrefixAndCountsAll() throws IOException {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        LengthLimitingOutputStream limiter = new LengthLimitingOutputStream(sink, 5);
        limiter.write(bytes("abc"));
        limiter.write(bytes("defg"));
        limiter.write('h');
        assertEquals("abcde", text(sink.toByteArray()));
        assertEquals(8, limiter.seen());
    }

    private static void assertEverySplit(Function<ByteArrayOutputStream, java.io.OutputStream> factory, String in,
            String expected) {
        byte[] input = bytes(in);
        // whole
        assertEquals(expected, run(factory, input, input.length + 1), "whole");
        // one byte at a time
        assertEquals(expected, run(factory, input, 1), "byte by byte");
        // every two-way split
        for (int split = 0; split <= input.length; split++) {
            ByteArrayOutputStream sink = new ByteArrayOutputStream();
            try (java.io.OutputStream out = factory.apply(sink)) {
                out.write(input, 0, split);
                out.write(input, split, input.length - split);
            } catch (IOException e) {
                throw new AssertionError(e);
            }
            assertEquals(expected, text(sink.toByteArray()), "split at " + split);
        }
    }

    private static String run(Function<ByteArrayOutputStream, java.io.OutputStream> factory, byte[] input,
            int chunk) {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        try (java.io.OutputStream out = factory.apply(sink)) {
            for (int i = 0; i < input.length; i += chunk) {
                out.write(input, i, Math.min(chunk, input.length - i));
            }
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return text(sink.toByteArray());
    }

    private static String bodyHash(Function<java.io.OutputStream, BodyCanonicalizer> factory, String body)
            throws Exception {
        DigestSink sink = new DigestSink(MessageDigest.getInstance("SHA-256"));
        try (BodyCanonicalizer c = factory.apply(sink)) {
            c.write(bytes(body));
        }
        return Base64.getEncoder().encodeToString(sink.digest());
    }

    private static String relaxedHeader(String field) {
        return text(HeaderCanonicalizer.relaxed(bytes(field)));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }
}
