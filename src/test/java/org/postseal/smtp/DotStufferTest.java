package org.postseal.smtp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.handler.codec.smtp.LastSmtpContent;
import io.netty.handler.codec.smtp.SmtpContent;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DotStufferTest {
    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', value = {
        // in | out (\r and \n written as such)
        "''                          | ''",
        ".                           | ..\\r\\n",
        "..                          | ...\\r\\n",
        ".\\r\\n                     | ..\\r\\n",
        "a\\r\\n.\\r\\nb\\r\\n       | a\\r\\n..\\r\\nb\\r\\n",
        "a\\r\\n..\\r\\n.x\\r\\n     | a\\r\\n...\\r\\n..x\\r\\n",
        "a.b\\r\\n x.\\r\\n          | a.b\\r\\n x.\\r\\n",
        "no final line end           | no final line end\\r\\n",
        "ends in CR\\r                | ends in CR\\r\\n",
        "ends in bare LF\\n          | ends in bare LF\\n\\r\\n",
        "bare LF\\n.dot\\r\\n        | bare LF\\n..dot\\r\\n",
        "CR only\\r.dot\\r\\n        | CR only\\r.dot\\r\\n",
        "\\r\\n.\\r\\n.              | \\r\\n..\\r\\n..\\r\\n",
    })
    void stuffsAtEverySplitPoint(String in, String out) {
        byte[] input = unescape(in);
        byte[] expected = unescape(out);
        assertArrayEquals(expected, stuffWhole(input), "whole");
        assertArrayEquals(expected, stuffBytewise(input), "one byte at a time");
        for (int split = 0; split <= input.length; split++) {
            for (int second = split; second <= input.length; second++) {
                assertArrayEquals(expected, stuff(input, split, second), "split at " + split + ", " + second);
            }
        }
    }

    @Test
    void unstuffingGivesTheMessageBack() {
        Random random = new Random(42);
        byte[] alphabet = ".\r\n.a\u00e9".getBytes(StandardCharsets.ISO_8859_1);
        for (int round = 0; round < 500; round++) {
            byte[] message = new byte[random.nextInt(60)];
            for (int i = 0; i < message.length; i++) {
                message[i] = alphabet[random.nextInt(alphabet.length)];
            }
            // a message as the client gets it: CRLF line ends, ending with CRLF
            byte[] crlf = (new String(message, StandardCharsets.ISO_8859_1).replace("\r", "").replace("\n", "\r\n")
                    + (message.length == 0 ? "" : "\r\n")).getBytes(StandardCharsets.ISO_8859_1);
            int split = crlf.length == 0 ? 0 : random.nextInt(crlf.length);
            assertArrayEquals(crlf, unstuff(stuff(crlf, split, split)), "round " + round);
        }
    }

    @Test
    void contentInputStreamsChunksAndEndsWithLastContent() throws Exception {
        byte[] message = new byte[MessageContentInput.CHUNK * 2 + 10];
        for (int i = 0; i < message.length; i++) {
            message[i] = (byte) (i % 100 == 0 ? '\n' : i % 100 == 1 ? '.' : 'x');
        }
        MessageContentInput input = new MessageContentInput(new ByteArrayInputStream(message));
        ByteArrayOutputStream sent = new ByteArrayOutputStream();
        int chunks = 0;
        SmtpContent chunk;
        do {
            chunk = input.readChunk(UnpooledByteBufAllocator.DEFAULT);
            ByteBuf content = chunk.content();
            byte[] bytes = new byte[content.readableBytes()];
            content.readBytes(bytes);
            sent.write(bytes);
            chunk.release();
            chunks++;
            assertEquals(chunk instanceof LastSmtpContent, input.isEndOfInput());
        } while (!input.isEndOfInput());
        assertEquals(4, chunks);
        assertEquals(message.length, input.progress());
        byte[] expected = new byte[message.length + 2];
        System.arraycopy(message, 0, expected, 0, message.length);
        expected[message.length] = '\r';
        expected[message.length + 1] = '\n';
        assertArrayEquals(expected, unstuff(sent.toByteArray()));
        input.close();
    }

    @Test
    void refusesUseAfterFinish() {
        DotStuffer stuffer = new DotStuffer();
        ByteBuf out = Unpooled.buffer();
        stuffer.finish(out);
        assertThrows(IllegalStateException.class, () -> stuffer.finish(out));
        assertThrows(IllegalStateException.class, () -> stuffer.stuff(new byte[1], 0, 1, out));
        out.release();
    }

    /** Undoes the stuffing: a line starting with "." loses it. */
    static byte[] unstuff(byte[] stuffed) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        boolean lineStart = true;
        for (byte b : stuffed) {
            if (lineStart && b == '.') {
                lineStart = false;
                continue;
            }
            out.write(b);
            lineStart = b == '\n';
        }
        return out.toByteArray();
    }

    private static byte[] stuffWhole(byte[] input) {
        return stuff(input, input.length, input.length);
    }

    private static byte[] stuff(byte[] input, int first, int second) {
        DotStuffer stuffer = new DotStuffer();
        ByteBuf out = Unpooled.buffer();
        stuffer.stuff(input, 0, first, out);
        stuffer.stuff(input, first, second - first, out);
        stuffer.stuff(input, second, input.length - second, out);
        stuffer.finish(out);
        return drain(out);
    }

    private static byte[] stuffBytewise(byte[] input) {
        DotStuffer stuffer = new DotStuffer();
        ByteBuf out = Unpooled.buffer();
        for (int i = 0; i < input.length; i++) {
            stuffer.stuff(input, i, 1, out);
        }
        stuffer.finish(out);
        return drain(out);
    }

    private static byte[] drain(ByteBuf out) {
        byte[] bytes = new byte[out.readableBytes()];
        out.readBytes(bytes);
        out.release();
        return bytes;
    }

    private static byte[] unescape(String text) {
        return text.replace("\\r", "\r").replace("\\n", "\n").getBytes(StandardCharsets.ISO_8859_1);
    }
}
