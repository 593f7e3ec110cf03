package org.postseal.sendmail;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.Objects;
import org.postseal.smtp.Envelope;

/**
 * A submitted message made ready to sign and relay: its envelope and its bytes, with CRLF line endings and a final
 * CRLF. Immutable; {@link #message()} copies, {@link #openStream()} and {@link #writeTo(OutputStream)} do not.
 */
public final class PreparedMessage {
    private final Envelope envelope;
    private final byte[] message;
    private final List<String> addedHeaders;
    private final List<String> removedHeaders;

    PreparedMessage(Envelope envelope, byte[] message, List<String> addedHeaders, List<String> removedHeaders) {
        this.envelope = Objects.requireNonNull(envelope, "envelope");
        this.message = Objects.requireNonNull(message, "message");
        this.addedHeaders = List.copyOf(addedHeaders);
        this.removedHeaders = List.copyOf(removedHeaders);
    }

    /** The envelope: sender ({@code ""} for the null sender) and recipients, without angle brackets. */
    public Envelope envelope() {
        return envelope;
    }

    /** A copy of the message bytes (CRLF line endings, ending with CRLF). */
    public byte[] message() {
        return message.clone();
    }

    /** The size of the message in bytes. */
    public int size() {
        return message.length;
    }

    /** The message bytes as a stream, without copying them. */
    public InputStream openStream() {
        return new ByteArrayInputStream(message);
    }

    /** Writes the message bytes to {@code out}. */
    public void writeTo(OutputStream out) throws IOException {
        out.write(message);
    }

    /** The names of the header fields that were added, in the order they appear ({@code From, Date, Message-ID}). */
    public List<String> addedHeaders() {
        return addedHeaders;
    }

    /** The names of the header fields that were removed (Bcc, Resent-Bcc), once per field, as written. */
    public List<String> removedHeaders() {
        return removedHeaders;
    }

    @Override
    public String toString() {
        return "PreparedMessage[" + envelope + ", " + message.length + " bytes, added=" + addedHeaders
                + ", removed=" + removedHeaders + "]";
    }
}
