package org.postseal.postfix;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * One message as Postfix relayed it to the sink: the envelope of the SMTP transaction and the exact bytes of the
 * DATA section, dot-stuffing undone, line ends as sent (Postfix sends CRLF), nothing added or removed. The bytes
 * begin with the {@code Received:} field Postfix prepends, and carry whatever the milter added.
 */
public final class DeliveredMessage {
    private final String sender;
    private final List<String> recipients;
    private final byte[] bytes;

    private DeliveredMessage(String sender, List<String> recipients, byte[] bytes) {
        this.sender = Objects.requireNonNull(sender, "sender");
        this.recipients = List.copyOf(recipients);
        this.bytes = bytes.clone();
        if (this.recipients.isEmpty()) {
            throw new IllegalArgumentException("recipients: [] (expected: at least one)");
        }
    }

    /**
     * A delivered message.
     *
     * @param sender the MAIL FROM address without angle brackets; empty for the null sender {@code <>}
     * @param recipients the RCPT TO addresses without angle brackets, in the order sent
     * @param bytes the message
     */
    public static DeliveredMessage of(String sender, List<String> recipients, byte[] bytes) {
        return new DeliveredMessage(sender, recipients, bytes);
    }

    /** The envelope sender, without angle brackets; empty for a bounce ({@code MAIL FROM:<>}). */
    public String sender() {
        return sender;
    }

    /** The envelope recipients, without angle brackets, in the order Postfix sent them. */
    public List<String> recipients() {
        return recipients;
    }

    /** A copy of the message bytes. */
    public byte[] bytes() {
        return bytes.clone();
    }

    /** The message decoded as UTF-8, for assertions and diagnostics. */
    public String text() {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /**
     * The header fields called {@code name} (any case), top to bottom, each whole as it stands in the message:
     * {@code Name: value} with its folding line breaks, without the final line end.
     */
    public List<String> headerFields(String name) {
        String wanted = name.toLowerCase(Locale.ROOT) + ":";
        List<String> fields = new ArrayList<>();
        for (String field : headerSection()) {
            if (field.toLowerCase(Locale.ROOT).startsWith(wanted)) {
                fields.add(field);
            }
        }
        return List.copyOf(fields);
    }

    /** The unfolded value of the first header field called {@code name}, trimmed; empty if there is none. */
    public String headerValue(String name) {
        return headerFields(name).stream()
                .findFirst()
                .map(field -> field.substring(field.indexOf(':') + 1).replaceAll("\r?\n(?=[ \t])", "").trim())
                .orElse("");
    }

    /** Every header field with its folding line breaks as sent, without its final line end. */
    private List<String> headerSection() {
        String text = text();
        List<String> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        int start = 0;
        while (start < text.length()) {
            int lineFeed = text.indexOf('\n', start);
            int next = lineFeed < 0 ? text.length() : lineFeed + 1;
            String line = text.substring(start, next);
            if (line.equals("\r\n") || line.equals("\n")) {
                break;
            }
            if (line.charAt(0) != ' ' && line.charAt(0) != '\t' && field.length() > 0) {
                fields.add(withoutLineEnd(field));
                field.setLength(0);
            }
            field.append(line);
            start = next;
        }
        if (field.length() > 0) {
            fields.add(withoutLineEnd(field));
        }
        return fields;
    }

    private static String withoutLineEnd(CharSequence field) {
        return field.toString().replaceFirst("\r?\n$", "");
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof DeliveredMessage that && sender.equals(that.sender)
                && recipients.equals(that.recipients) && Arrays.equals(bytes, that.bytes);
    }

    @Override
    public int hashCode() {
        return Objects.hash(sender, recipients, Arrays.hashCode(bytes));
    }

    @Override
    public String toString() {
        return "DeliveredMessage{sender=<" + sender + ">, recipients=" + recipients + ", " + bytes.length
                + " bytes}";
    }
}
