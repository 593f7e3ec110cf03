package org.postseal.bench;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.postseal.dkim.DkimSigner;
import org.postseal.dkim.SignatureSpec;
import org.postseal.dkim.SigningSession;
import org.postseal.dkim.UnsignableMessageException;
import org.postseal.message.HeaderField;

/**
 * A realistic plain-text message of a given size, split the way Postfix's cleanup hands it to a milter: header
 * fields as name and value (the value with its leading space, folds as a bare LF before the whitespace, as
 * Postfix sends multi-line headers) and the body in wire form (CRLF line ends). The header is the usual MUA one:
 * From, To (folded over two lines), Subject, Date, Message-ID, MIME-Version, Content-Type,
 * Content-Transfer-Encoding, User-Agent. Only Date and Message-ID change from one message to the next; the body
 * is the same words for a given size.
 */
final class LoadMessage {
    static final String SENDER = "joe@example.com";
    static final String RECIPIENT = "suzie@example.net";

    private static final String[] WORDS = ("the parish council will meet on thursday evening in the small hall to "
            + "discuss the summer fete the roof repairs and the new rota for flowers please bring your diaries and "
            + "any receipts for the treasurer who has asked that all claims be made before the end of the month "
            + "thank you all for your help with the harvest supper which raised more than last year").split(" ");
    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z",
            Locale.ROOT);

    /** One header field: the name, and the value after the colon as Postfix passes it (leading space kept). */
    record Field(byte[] name, byte[] value) {
        int wireLength() {
            return name.length + 1 + value.length + 2;
        }
    }

    private final List<Field> fields;
    private final byte[] body;

    private LoadMessage(List<Field> fields, byte[] body) {
        this.fields = fields;
        this.body = body;
    }

    List<Field> fields() {
        return fields;
    }

    byte[] body() {
        return body;
    }

    /** Header plus blank line plus body, in bytes on the wire (folds as CRLF). */
    int wireLength() {
        int n = 2 + body.length;
        for (Field f : fields) {
            n += f.wireLength() + count(f.value(), (byte) '\n');
        }
        return n;
    }

    /** The header fields of message number {@code sequence}. */
    static List<Field> header(long sequence) {
        ZonedDateTime when = ZonedDateTime.of(2026, 11, 22, 9, 30, 0, 0, ZoneOffset.ofHours(1))
                .plusSeconds(sequence % 86400);
        return List.of(
                field("From", " Joe SixPack <" + SENDER + ">"),
                field("To", " Suzie Q <" + RECIPIENT + ">,\n\tParish Office <office@example.net>"),
                field("Subject", " Minutes of the council meeting and the rota for December"),
                field("Date", " " + DATE.format(when)),
                field("Message-ID", String.format(" <%016x.%d@mail.example.com>", sequence * 0x9e3779b97f4a7c15L,
                        sequence)),
                field("MIME-Version", " 1.0"),
                field("Content-Type", " text/plain; charset=utf-8; format=flowed"),
                field("Content-Transfer-Encoding", " 8bit"),
                field("User-Agent", " Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Thunderbird/128.5.0"));
    }

    /**
     * A message whose whole wire form (header, blank line, body) is {@code totalBytes} long, give or take a
     * line.
     *
     * @throws IllegalArgumentException if {@code totalBytes} cannot hold the header
     */
    static LoadMessage of(int totalBytes, long sequence) {
        return new LoadMessage(header(sequence), body(totalBytes));
    }

    /** Message {@code sequence} with the body of {@code template}. */
    static LoadMessage next(LoadMessage template, long sequence) {
        return new LoadMessage(header(sequence), template.body);
    }

    /**
     * This message with a DKIM signature made by {@code signer} on top, as a signing MTA upstream would have left it
     * (the signature field in Postfix's form: folds as a bare LF).
     */
    LoadMessage signedBy(DkimSigner signer, SignatureSpec spec) throws GeneralSecurityException,
            UnsignableMessageException {
        SigningSession session = signer.newSession(spec);
        for (Field f : fields) {
            ByteArrayOutputStream raw = new ByteArrayOutputStream();
            raw.writeBytes(f.name());
            raw.write(':');
            for (byte b : f.value()) {
                if (b == '\n') {
                    raw.write('\r');
                }
                raw.write(b);
            }
            session.header(HeaderField.of(raw.toByteArray()));
        }
        session.body(body);
        List<Field> signed = new ArrayList<>();
        for (HeaderField added : session.finish()) {
            String value = new String(added.rawValue(), StandardCharsets.US_ASCII).replace("\r\n", "\n");
            signed.add(new Field(added.name().getBytes(StandardCharsets.US_ASCII),
                    value.getBytes(StandardCharsets.US_ASCII)));
        }
        signed.addAll(fields);
        return new LoadMessage(List.copyOf(signed), body);
    }

    private static byte[] body(int totalBytes) {
        LoadMessage empty = new LoadMessage(header(0), new byte[0]);
        int target = totalBytes - empty.wireLength();
        if (target < 100) {
            throw new IllegalArgumentException("totalBytes: " + totalBytes + " (expected: >= "
                    + (empty.wireLength() + 100) + ")");
        }
        Random random = new Random(42);
        ByteArrayOutputStream out = new ByteArrayOutputStream(target + 100);
        out.writeBytes("Dear all,\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        StringBuilder line = new StringBuilder();
        int sentence = 0;
        while (out.size() + line.length() < target - 40) {
            String word = WORDS[random.nextInt(WORDS.length)];
            if (sentence == 0) {
                word = Character.toUpperCase(word.charAt(0)) + word.substring(1);
            }
            if (line.length() + word.length() + 1 > 72) {
                out.writeBytes((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
                line.setLength(0);
                if (random.nextInt(8) == 0) {
                    out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII)); // a paragraph break
                }
            }
            line.append(line.length() == 0 ? "" : " ").append(word);
            if (++sentence > 8 + random.nextInt(10)) {
                line.append('.');
                sentence = 0;
            }
        }
        if (line.length() > 0) {
            out.writeBytes((line + ".\r\n").getBytes(StandardCharsets.US_ASCII));
        }
        out.writeBytes("\r\n-- \r\nJoe\r\n".getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    private static Field field(String name, String value) {
        return new Field(name.getBytes(StandardCharsets.US_ASCII), value.getBytes(StandardCharsets.UTF_8));
    }

    private static int count(byte[] bytes, byte b) {
        int n = 0;
        for (byte x : bytes) {
            if (x == b) {
                n++;
            }
        }
        return n;
    }
}
