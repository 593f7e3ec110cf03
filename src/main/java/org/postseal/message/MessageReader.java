package org.postseal.message;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads the header of a message from a stream, leaving the stream positioned at the first byte of the body. The
 * header is bounded in size; the body is left for the caller to stream.
 */
public final class MessageReader {
    /** The largest header accepted by default: far above any real message, small enough to be safe in memory. */
    public static final int DEFAULT_MAX_HEADER_BYTES = 1 << 20;

    private MessageReader() {
    }

    /**
     * Reads up to and including the empty line that ends the header (or to the end of the input if there is none).
     *
     * @throws MessageFormatException if the input is empty, the header is too large or a line is not a field
     * @throws IOException if reading fails
     */
    public static HeaderBlock readHeader(InputStream in, int maxHeaderBytes)
            throws IOException, MessageFormatException {
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        LineEnding ending = null;
        int lineLength = 0;
        int previous = -1;
        while (true) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            raw.write(b);
            if (raw.size() > maxHeaderBytes) {
                throw new MessageFormatException("header larger than " + maxHeaderBytes + " bytes");
            }
            if (b == '\n') {
                if (ending == null) {
                    ending = previous == '\r' ? LineEnding.CRLF : LineEnding.LF;
                }
                if (lineLength == 0) {
                    break; // empty line: end of header
                }
                lineLength = 0;
            } else if (b != '\r' || lineLength > 0) {
                lineLength++;
            } else {
                // a CR at the start of a line may be the first half of the empty line's CRLF
                lineLength = 0;
            }
            previous = b;
        }
        byte[] bytes = raw.toByteArray();
        if (bytes.length == 0) {
            throw new MessageFormatException("empty input: no message");
        }
        var fields = HeaderBlock.parseFields(bytes);
        if (fields.isEmpty()) {
            throw new MessageFormatException("message has no header fields");
        }
        return new HeaderBlock(bytes, ending == null ? LineEnding.LF : ending, fields);
    }
}
