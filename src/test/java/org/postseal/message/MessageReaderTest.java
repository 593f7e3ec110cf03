package org.postseal.message;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Reading the header of a message from a stream, in CRLF and bare-LF form, and refusing what is not a message. */
class MessageReaderTest {
    @Test
    void readsFoldedFieldsAndStopsAtTheBody() throws Exception {
        for (String eol : new String[] {"\r\n", "\n"}) {
            String message = "From: joe@example.com" + eol + "Subject: a" + eol + "\tb" + eol + eol + "body" + eol;
            ByteArrayInputStream in = new ByteArrayInputStream(message.getBytes(StandardCharsets.US_ASCII));
            HeaderBlock header = MessageReader.readHeader(in, 1000);
            assertEquals(2, header.fields().size());
            assertEquals("Subject: a\r\n\tb", header.fields().get(1).toString(), "folding is CRLF for signing");
            assertEquals(eol.equals("\n") ? LineEnding.LF : LineEnding.CRLF, header.lineEnding());
            assertEquals("body" + eol, new String(in.readAllBytes(), StandardCharsets.US_ASCII));
            assertTrue(new String(header.raw(), StandardCharsets.US_ASCII).endsWith(eol + eol));
        }
    }

    @Test
    void aMessageWithoutBodyIsAllHeader() throws Exception {
        HeaderBlock header = MessageReader.readHeader(
                new ByteArrayInputStream("From: a@b.c\r\nTo: d@e.f".getBytes(StandardCharsets.US_ASCII)), 1000);
        assertEquals(2, header.fields().size());
    }

    @Test
    void whatIsNotAMessageIsRefusedWithTheReason() {
        MessageFormatException e = assertThrows(MessageFormatException.class, () -> MessageReader.readHeader(
                new ByteArrayInputStream("not a header\n\nbody".getBytes(StandardCharsets.US_ASCII)), 1000));
        assertTrue(e.getMessage().contains("line 1"), e.getMessage());
        assertThrows(MessageFormatException.class, () -> MessageReader.readHeader(
                new ByteArrayInputStream(new byte[0]), 1000));
        assertThrows(MessageFormatException.class, () -> MessageReader.readHeader(
                new ByteArrayInputStream(" continued\nFrom: x\n\n".getBytes(StandardCharsets.US_ASCII)), 1000));
        MessageFormatException big = assertThrows(MessageFormatException.class, () -> MessageReader.readHeader(
                new ByteArrayInputStream(("Subject: " + "x".repeat(2000) + "\n\n").getBytes(StandardCharsets.US_ASCII)),
                1000));
        assertTrue(big.getMessage().contains("larger than 1000"));
    }
}
