package org.postseal.message;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * The header of a message: its bytes exactly as read (so they can be written back unchanged), the line ending it
 * used, and its fields with folding normalised to CRLF (the form that is signed and verified).
 *
 * @param raw the header bytes as read, up to and including the empty line that ends it (if there was one)
 * @param lineEnding the line ending of the first line
 * @param fields the header fields, top to bottom
 */
public record HeaderBlock(byte[] raw, LineEnding lineEnding, List<HeaderField> fields) {
    public HeaderBlock {
        raw = raw.clone();
        fields = List.copyOf(fields);
    }

    @Override
    public byte[] raw() {
        return raw.clone();
    }

    /**
     * Splits header bytes into fields. Lines may end in CRLF or bare LF; a line starting with a space or tab
     * continues the field above it.
     *
     * @throws MessageFormatException naming the line that is not a header field
     */
    public static List<HeaderField> parseFields(byte[] header) throws MessageFormatException {
        List<HeaderField> fields = new ArrayList<>();
        ByteArrayOutputStream current = null;
        int currentLine = 0;
        int lineNumber = 0;
        int start = 0;
        while (start < header.length) {
            int lf = start;
            while (lf < header.length && header[lf] != '\n') {
                lf++;
            }
            int end = lf;
            if (end > start && header[end - 1] == '\r') {
                end--;
            }
            lineNumber++;
            if (end == start) {
                break; // the empty line that ends the header
            }
            if (header[start] == ' ' || header[start] == '\t') {
                if (current == null) {
                    throw new MessageFormatException("header line " + lineNumber + ": continuation line before any field");
                }
                current.write('\r');
                current.write('\n');
                current.write(header, start, end - start);
            } else {
                if (current != null) {
                    fields.add(field(current.toByteArray(), currentLine));
                }
                current = new ByteArrayOutputStream();
                currentLine = lineNumber;
                current.write(header, start, end - start);
            }
            start = lf + 1;
        }
        if (current != null) {
            fields.add(field(current.toByteArray(), currentLine));
        }
        return fields;
    }

    private static HeaderField field(byte[] bytes, int lineNumber) throws MessageFormatException {
        try {
            return HeaderField.of(bytes);
        } catch (IllegalArgumentException e) {
            throw new MessageFormatException("header line " + lineNumber + ": " + e.getMessage());
        }
    }
}
