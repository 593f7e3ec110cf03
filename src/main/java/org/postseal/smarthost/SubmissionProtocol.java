package org.postseal.smarthost;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.postseal.logging.LogText;
import org.postseal.sendmail.SendmailOptions;

/**
 * The little protocol between {@code postseal sendmail} and the smarthost on its unix socket. The client sends a
 * header, a blank line and exactly {@code size} bytes of message:
 *
 * <pre>
 * POSTSEAL-SUBMIT 1
 * extract-recipients: yes        (-t)
 * ignore-dots: yes               (-i, -oi)
 * envelope-from: a@example.org   (-f; empty value for the null sender)
 * full-name: Jean Dupont         (-F)
 * read-envelope-from: yes        (--read-envelope-from)
 * recipient: b@example.org       (one per command-line recipient)
 * size: 1234
 *
 * &lt;1234 bytes&gt;
 * </pre>
 *
 * and the smarthost answers one line, {@link SubmissionAnswer#line()}, then closes. Knowing the size up front, the
 * smarthost can refuse a message over its limit before reading it, and tell a complete message from one whose
 * client went away.
 */
public final class SubmissionProtocol {
    /** The first line of every request. */
    public static final String GREETING = "POSTSEAL-SUBMIT 1";
    /** The longest header the smarthost reads. */
    public static final int MAX_HEADER_BYTES = 64 * 1024;

    private SubmissionProtocol() {
    }

    /** The request header for these options and a message of {@code size} bytes, blank line included. */
    public static byte[] header(SendmailOptions options, long size) {
        StringBuilder out = new StringBuilder(256).append(GREETING).append('\n');
        if (options.extractRecipients()) {
            out.append("extract-recipients: yes\n");
        }
        if (options.ignoreDots()) {
            out.append("ignore-dots: yes\n");
        }
        options.envelopeFrom().ifPresent(f -> field(out, "envelope-from", f));
        options.fullName().ifPresent(n -> field(out, "full-name", n));
        if (options.readEnvelopeFrom()) {
            out.append("read-envelope-from: yes\n");
        }
        options.recipients().forEach(r -> field(out, "recipient", r));
        out.append("size: ").append(size).append("\n\n");
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** A parsed request header. */
    public record Request(SendmailOptions options, long size) {
    }

    /**
     * Parses the header lines (without the blank line).
     *
     * @throws IllegalArgumentException naming the bad line
     */
    public static Request parse(List<String> lines) {
        if (lines.isEmpty() || !lines.get(0).equals(GREETING)) {
            throw new IllegalArgumentException("not a postseal submission (expected \"" + GREETING + "\")");
        }
        SendmailOptions.Builder options = SendmailOptions.builder();
        long size = -1;
        for (String line : lines.subList(1, lines.size())) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException("bad request line: " + LogText.escape(line));
            }
            String name = line.substring(0, colon);
            String value = line.substring(colon + 1).strip();
            try {
                switch (name) {
                    case "extract-recipients" -> options.extractRecipients(yes(value));
                    case "ignore-dots" -> options.ignoreDots(yes(value));
                    case "envelope-from" -> options.envelopeFrom(value);
                    case "full-name" -> options.fullName(value);
                    case "read-envelope-from" -> options.readEnvelopeFrom(yes(value));
                    case "recipient" -> options.recipient(value);
                    case "size" -> size = parseSize(value);
                    default -> throw new IllegalArgumentException("unknown request field: " + LogText.escape(name));
                }
            } catch (IllegalStateException e) { // a field that may come once came twice
                throw new IllegalArgumentException(LogText.escape(name) + " given twice");
            }
        }
        if (size < 0) {
            throw new IllegalArgumentException("request has no size");
        }
        return new Request(options.build(), size);
    }

    private static void field(StringBuilder out, String name, String value) {
        if (value.indexOf('\n') >= 0 || value.indexOf('\r') >= 0) {
            throw new IllegalArgumentException(LogText.escape(name) + ": contains a line break");
        }
        out.append(name).append(": ").append(value).append('\n');
    }

    private static boolean yes(String value) {
        return value.equals("yes");
    }

    private static long parseSize(String value) {
        try {
            long size = Long.parseLong(value);
            if (size < 0) {
                throw new IllegalArgumentException("bad size: " + LogText.escape(value));
            }
            return size;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad size: " + LogText.escape(value));
        }
    }
}
