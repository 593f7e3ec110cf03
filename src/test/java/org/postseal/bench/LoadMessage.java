package org.postseal.bench;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
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
 * is the same words for a given size. Public for the tests that drive a milter with it ({@code MilterReloadUnderLoadIT}).
 */
public final class LoadMessage {
    public static final String SENDER = "joe@example.com";
    public static final String RECIPIENT = "suzie@example.net";

    private static final String[] WORDS = ("the parish council will meet on thursday evening in the small hall to "
            + "discuss the summer fete the roof repairs and the new rota for flowers please bring your diaries and "
            + "any receipts for the treasurer who has asked that all claims be made before the end of the month "
            + "thank you all for your help with the harvest supper which raised more than last year").split(" ");
    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z",
            Locale.ROOT);

    /** One header field: the name, and the value after the colon as Postfix passes it (leading space kept). */
    public record Field(byte[] name, byte[] value) {
        int wireLength() {
            return name.length + 1 + value.length + 2;
        }
    }

    private static final byte[] CRLF = {'\r', '\n'};

    private final List<Field> fields;
    private final byte[] body;

    private LoadMessage(List<Field> fields, byte[] body) {
        this.fields = fields;
        this.body = body;
    }

    public List<Field> fields() {
        return fields;
    }

    public byte[] body() {
        return body;
    }

    /**
     * The message as Postfix stores it after a milter inserted header fields at index 0: the inserted fields on top
     * (each SMFIR_INSHEADER went to the top, so the last one sent is topmost; folds sent as LF become CRLF), then the
     * message's own fields, the blank line and the body.
     *
     * @param inserts the SMFIR_INSHEADER payloads in the order received: index, name, value
     * @param leadingSpace whether the values came with their leading space (SMFIP_HDR_LEADSPC); without it Postfix
     *     puts one space after the colon
     */
    public byte[] storedForm(List<byte[]> inserts, boolean leadingSpace) {
        ByteArrayOutputStream stored = new ByteArrayOutputStream(wireLength() + 1024);
        for (int n = inserts.size() - 1; n >= 0; n--) {
            byte[] insert = inserts.get(n);
            int nameEnd = 4;
            while (insert[nameEnd] != 0) {
                nameEnd++;
            }
            int valueEnd = nameEnd + 1;
            while (valueEnd < insert.length && insert[valueEnd] != 0) {
                valueEnd++;
            }
            stored.write(insert, 4, nameEnd - 4);
            stored.write(':');
            if (!leadingSpace) {
                stored.write(' ');
            }
            stored.writeBytes(crlf(Arrays.copyOfRange(insert, nameEnd + 1, valueEnd)));
            stored.writeBytes(CRLF);
        }
        for (Field f : fields) {
            stored.writeBytes(f.name());
            stored.write(':');
            stored.writeBytes(crlf(f.value()));
            stored.writeBytes(CRLF);
        }
        stored.writeBytes(CRLF);
        stored.writeBytes(body);
        return stored.toByteArray();
    }

    private static byte[] crlf(byte[] value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(value.length + 8);
        for (int i = 0; i < value.length; i++) {
            if (value[i] == '\n' && (i == 0 || value[i - 1] != '\r')) {
                out.write('\r');
            }
            out.write(value[i]);
        }
        return out.toByteArray();
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
    public static LoadMessage of(int totalBytes, long sequence) {
        return new LoadMessage(header(sequence), body(totalBytes));
    }

    /** Message {@code sequence} with the body of {@code template}. */
    public static LoadMessage next(LoadMessage template, long sequence) {
        return new LoadMessage(header(sequence), template.body);
    }

    /** This message with its From field naming {@code address} instead of {@link #SENDER}. */
    public LoadMessage from(String address) {
        List<Field> changed = new ArrayList<>(fields.size());
        for (Field f : fields) {
            boolean from = new String(f.name(), StandardCharsets.US_ASCII).equalsIgnoreCase("From");
            changed.add(from ? field("From", " Joe SixPack <" + address + ">") : f);
        }
        return new LoadMessage(List.copyOf(changed), body);
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
