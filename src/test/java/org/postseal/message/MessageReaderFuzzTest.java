package org.postseal.message;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Timeout;
import org.postseal.fuzz.FuzzSupport;

/**
 * Fuzzes the header parser every message goes through (the smarthost, {@code postseal sign} and {@code verify},
 * {@code sendmail}): a refusal is a {@link MessageFormatException} with a message; an accepted header's raw bytes are
 * exactly the bytes read, a prefix of the input ending where the body starts, and the stream is left at the body's
 * first byte; every field has a name RFC 5322 allows, keeps its bytes, and does not end in a line break; and the
 * fields written back one per line with CRLF parse to the same fields.
 */
@Timeout(10)
class MessageReaderFuzzTest {
    private static final int MAX_HEADER = 8192;

    @FuzzTest(maxDuration = "30s")
    void readHeader(byte[] message) throws IOException, MessageFormatException {
        ByteArrayInputStream in = new ByteArrayInputStream(message);
        HeaderBlock header;
        try {
            header = MessageReader.readHeader(in, MAX_HEADER);
        } catch (MessageFormatException e) {
            FuzzSupport.explained(e);
            return;
        }
        byte[] raw = header.raw();
        assertTrue(raw.length <= MAX_HEADER);
        assertArrayEquals(Arrays.copyOf(message, raw.length), raw, "raw is what was read");
        assertEquals(message.length - raw.length, in.available(), "the stream is left at the body");
        assertFalse(header.fields().isEmpty());
        ByteArrayOutputStream rewritten = new ByteArrayOutputStream();
        for (HeaderField field : header.fields()) {
            assertTrue(field.name().chars().allMatch(c -> c >= 33 && c <= 126 && c != ':'), field.name());
            assertEquals(field, HeaderField.of(field.raw()), "a field wraps its own bytes");
            byte[] bytes = field.raw();
            assertTrue(bytes[bytes.length - 1] != '\n' && bytes[bytes.length - 1] != '\r');
            rewritten.writeBytes(bytes);
            rewritten.write('\r');
            rewritten.write('\n');
        }
        rewritten.write('\r');
        rewritten.write('\n');
        List<HeaderField> again = HeaderBlock.parseFields(rewritten.toByteArray());
        assertEquals(header.fields(), again, "fields written back with CRLF");
    }
}
