package org.postseal.sendmail;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.james.mime4j.codec.EncoderUtil;
import org.postseal.logging.LogText;
import org.postseal.message.HeaderField;
import org.postseal.message.CrlfNormalizer;
import org.postseal.message.HeaderBlock;
import org.postseal.message.MessageFormatException;
import org.postseal.smtp.Envelope;

/**
 * Turns a message as a local program handed it to {@code sendmail} (PHP's {@code mail()}: bare LF, often no Date or
 * Message-ID) into the message to sign and relay and its envelope, as {@code sendmail -t -i} followed by
 * {@code msmtp -t -i --read-envelope-from} did in the pipeline postseal replaces. Pure: bytes in, value out; the
 * clock, the host name, the user name and the source of Message-ID values are given. Stateless and thread-safe.
 *
 * <p>The rules, in the order they apply:
 * <ol>
 *   <li>Without {@code -i}, a line holding a single "." ends the input (the line and all after it are dropped), as
 *       sendmail and Postfix's sendmail do. msmtp ignores {@code -i} and never stops early.</li>
 *   <li>A first line starting with {@code "From "} that is not a field (an mbox separator) is dropped, as Postfix's sendmail does.</li>
 *   <li>The header runs to the first empty line (or to the end: a header-only message). Every line of it must be a
 *       header field ({@code name:}) or the continuation of one; otherwise the message is refused, naming the
 *       line. An empty first line means an empty header, which is allowed (the missing fields are added).</li>
 *   <li>Line endings: LF and CRLF become CRLF; a CR that is not followed by LF is kept as it is (msmtp sends it
 *       unchanged too), except a CR that ends the input, which is taken as the start of a CRLF. The output always
 *       ends with CRLF. Nothing else changes: 8-bit bytes, folding and field order stay as they were.</li>
 *   <li>Envelope sender: {@code -f} if given ({@code ""} is the null sender); else, with
 *       {@code --read-envelope-from}, the first address of the first From or Resent-From field (msmtp's rule); else
 *       {@code user@host} (msmtp's {@code from %U@%H}). msmtp refuses a message without From under
 *       {@code --read-envelope-from}; postseal falls back to {@code user@host} and adds the From field, as the
 *       Postfix hop in front of msmtp would have.</li>
 *   <li>Recipients: the command-line arguments (each read as an address list, as Postfix does), then with
 *       {@code -t} those of every To, Cc and Bcc field, or, if the header has Resent- fields, those of the
 *       Resent-To, Resent-Cc and Resent-Bcc fields of the first block of Resent- fields (msmtp's rule). A mailbox
 *       given twice is kept once, at its first place; two addresses are the same mailbox when their local parts are
 *       equal and their domains equal ignoring case (RFC 5321: only the local part may be case-sensitive). None at
 *       all is an error.</li>
 *   <li>Every Bcc field is removed, folded lines included, with or without {@code -t} (msmtp's
 *       {@code remove_bcc_headers}, on by default). Resent-Bcc fields are removed too, which msmtp does not do: a
 *       blind copy must not show.</li>
 *   <li>A missing From, Date or Message-ID (field names compared ignoring case) is added, in that order, at the
 *       <em>top</em> of the header, where msmtp puts them (it prepends them; it does not append). From is the
 *       envelope sender (or {@code user@host} for the null sender) with the {@code -F} name as display name,
 *       quoted or RFC 2047-encoded (UTF-8) as needed. Date is RFC 5322 in the clock's zone. Message-ID is
 *       {@code <unique@host>}.</li>
 * </ol>
 * The result is one new array (plus small header copies); the input is not changed.
 */
public final class MessagePreparer {
    private static final DateTimeFormatter RFC_5322_DATE =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss xx", Locale.ENGLISH);
    private static final byte[] CRLF = {'\r', '\n'};

    private final Clock clock;
    private final String hostName;
    private final String userName;
    private final Supplier<String> uniquePart;

    /**
     * A preparer for this machine, as msmtp would prepare mail on it: the system clock and zone, the user running
     * postseal, and {@code hostname} or else this machine's canonical host name ({@code localhost} if it has none).
     */
    public static MessagePreparer forThisMachine(Optional<String> hostname) {
        return new MessagePreparer(Clock.systemDefaultZone(), hostname.orElseGet(MessagePreparer::localHostName),
                System.getProperty("user.name", "nobody"));
    }

    private static String localHostName() {
        try {
            String name = InetAddress.getLocalHost().getCanonicalHostName();
            return name.isBlank() ? "localhost" : name;
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }

    /**
     * A preparer whose Message-ID values hold 128 random bits from {@link SecureRandom}.
     *
     * @see #MessagePreparer(Clock, String, String, Supplier)
     */
    public MessagePreparer(Clock clock, String hostName, String userName) {
        this(clock, hostName, userName, randomUniqueParts());
    }

    /**
     * A preparer.
     *
     * @param clock gives the Date of messages without one, in the clock's zone
     * @param hostName the local host name, right of the {@code @} in Message-ID and in the default sender
     * @param userName the local user name, left of the {@code @} in the default sender ({@code user@host})
     * @param uniquePart gives the part of a Message-ID left of the {@code @}; each value must be a dot-atom
     * @throws IllegalArgumentException if the host name is not a domain name or the user name not a dot-atom
     */
    public MessagePreparer(Clock clock, String hostName, String userName, Supplier<String> uniquePart) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.hostName = Objects.requireNonNull(hostName, "hostName");
        this.userName = Objects.requireNonNull(userName, "userName");
        this.uniquePart = Objects.requireNonNull(uniquePart, "uniquePart");
        if (!isAsciiDotAtom(hostName) || hostName.chars().anyMatch(c -> !Character.isLetterOrDigit(c)
                && c != '-' && c != '.' && c != '_')) {
            throw new IllegalArgumentException("hostName: \"" + hostName + "\" (expected: a domain name)");
        }
        if (!isAsciiDotAtom(userName)) {
            throw new IllegalArgumentException("userName: \"" + userName + "\" (expected: a login name)");
        }
    }

    /**
     * Prepares one submitted message.
     *
     * @param raw the message as submitted (not changed)
     * @param options the sendmail options it came with
     * @throws PreparationException {@link PreparationException.Reason#MALFORMED_MESSAGE} if a header line is not a
     *     field or an address list cannot be read; {@link PreparationException.Reason#NO_RECIPIENTS} if there is
     *     no recipient
     * @throws IllegalStateException if the unique-part supplier gives a value that is not a dot-atom
     */
    public PreparedMessage prepare(byte[] raw, SendmailOptions options) throws PreparationException {
        Objects.requireNonNull(raw, "raw");
        Objects.requireNonNull(options, "options");
        try {
            return prepareChecked(raw, options);
        } catch (MessageFormatException e) {
            throw PreparationException.malformed(e);
        }
    }

    private PreparedMessage prepareChecked(byte[] raw, SendmailOptions options)
            throws MessageFormatException, PreparationException {
        int end = options.ignoreDots() ? raw.length : endAtDotLine(raw);
        int start = 0;
        int lineNumber = 1;
        if (startsWith(raw, end, "From ") && !isFieldLine(raw, 0, nextLine(raw, 0, end))) {
            start = nextLine(raw, 0, end);
            lineNumber = 2;
        }

        int headerEnd = end;
        int bodyStart = -1;
        for (int pos = start; pos < end; lineNumber++) {
            int next = nextLine(raw, pos, end);
            int contentEnd = next > pos && raw[next - 1] == '\n' ? next - 1 : next;
            if (contentEnd > pos && raw[contentEnd - 1] == '\r') {
                contentEnd--;
            }
            if (contentEnd == pos) {
                headerEnd = pos;
                bodyStart = next;
                break;
            }
            if (raw[pos] == ' ' || raw[pos] == '\t') {
                if (pos == start) {
                    throw new MessageFormatException("line " + lineNumber
                            + " is a continuation line with no header field above it: " + preview(raw, pos, contentEnd));
                }
            } else if (!isFieldLine(raw, pos, contentEnd)) {
                throw new MessageFormatException(
                        "line " + lineNumber + " is not a header field: " + preview(raw, pos, contentEnd));
            }
            pos = next;
        }
        List<HeaderField> fields = HeaderBlock.parseFields(Arrays.copyOfRange(raw, start, headerEnd));

        String defaultAddress = userName + "@" + hostName;
        String sender = envelopeSender(fields, options, defaultAddress);
        List<String> recipients = recipients(fields, options);

        ByteArrayOutputStream header = new ByteArrayOutputStream(headerEnd - start + 256);
        List<String> added = new ArrayList<>(3);
        List<String> removed = new ArrayList<>(1);
        if (fields.stream().noneMatch(f -> f.hasName("From"))) {
            String address = sender.isEmpty() ? defaultAddress : sender;
            String name = options.fullName().map(String::strip).orElse("");
            writeField(header, "From", name.isEmpty() ? address : displayName(name) + " <" + address + ">");
            added.add("From");
        }
        if (fields.stream().noneMatch(f -> f.hasName("Date"))) {
            writeField(header, "Date", RFC_5322_DATE.format(ZonedDateTime.now(clock)));
            added.add("Date");
        }
        if (fields.stream().noneMatch(f -> f.hasName("Message-ID"))) {
            writeField(header, "Message-ID", "<" + uniquePart() + "@" + hostName + ">");
            added.add("Message-ID");
        }
        for (HeaderField field : fields) {
            if (field.hasName("Bcc") || field.hasName("Resent-Bcc")) {
                removed.add(field.name());
            } else {
                header.writeBytes(field.raw());
                header.writeBytes(CRLF);
            }
        }
        if (bodyStart >= 0) {
            header.writeBytes(CRLF);
        }

        byte[] message = withBody(header.toByteArray(), raw, bodyStart < 0 ? end : bodyStart, end);
        return new PreparedMessage(new Envelope(sender, recipients), message, added, removed);
    }

    private String envelopeSender(List<HeaderField> fields, SendmailOptions options, String defaultAddress)
            throws MessageFormatException {
        if (options.envelopeFrom().isPresent()) {
            return options.envelopeFrom().get();
        }
        if (options.readEnvelopeFrom()) {
            for (HeaderField field : fields) {
                if (field.hasName("From") || field.hasName("Resent-From")) {
                    List<String> addresses = Addresses.parse(field.name() + " field",
                            Addresses.unfoldedValue(field.rawValue()));
                    if (!addresses.isEmpty()) {
                        return addresses.get(0);
                    }
                    break;
                }
            }
        }
        return defaultAddress;
    }

    private static List<String> recipients(List<HeaderField> fields, SendmailOptions options)
            throws MessageFormatException, PreparationException {
        Map<String, String> byMailbox = new LinkedHashMap<>();
        for (String argument : options.recipients()) {
            for (String address : Addresses.parse("recipient argument " + Addresses.preview(argument), argument)) {
                byMailbox.putIfAbsent(Addresses.mailboxKey(address), address);
            }
        }
        if (options.extractRecipients()) {
            for (HeaderField field : recipientFields(fields)) {
                for (String address : Addresses.parse(field.name() + " field",
                        Addresses.unfoldedValue(field.rawValue()))) {
                    byMailbox.putIfAbsent(Addresses.mailboxKey(address), address);
                }
            }
        }
        if (byMailbox.isEmpty()) {
            throw new PreparationException(PreparationException.Reason.NO_RECIPIENTS, options.extractRecipients()
                    ? "no recipients: none on the command line and none in To, Cc or Bcc"
                    : "no recipients: none on the command line (and -t not given)");
        }
        return List.copyOf(byMailbox.values());
    }

    /** To, Cc and Bcc; or, if there are Resent- fields, Resent-To, -Cc and -Bcc of the first Resent- block. */
    private static List<HeaderField> recipientFields(List<HeaderField> fields) {
        int first = 0;
        while (first < fields.size() && !fields.get(first).lowerName().startsWith("resent-")) {
            first++;
        }
        List<HeaderField> selected = new ArrayList<>();
        if (first == fields.size()) {
            for (HeaderField field : fields) {
                if (field.hasName("To") || field.hasName("Cc") || field.hasName("Bcc")) {
                    selected.add(field);
                }
            }
            return selected;
        }
        for (int i = first; i < fields.size() && fields.get(i).lowerName().startsWith("resent-"); i++) {
            HeaderField field = fields.get(i);
            if (field.hasName("Resent-To") || field.hasName("Resent-Cc") || field.hasName("Resent-Bcc")) {
                selected.add(field);
            }
        }
        return selected;
    }

    /** The prepared header followed by {@code raw[bodyStart, end)} with LF made CRLF and a final CRLF. */
    private static byte[] withBody(byte[] header, byte[] raw, int bodyStart, int end) {
        byte[] body = CrlfNormalizer.toCrlf(raw, bodyStart, end);
        boolean lineEnded = body.length == 0 || body[body.length - 1] == '\n';
        boolean crLast = body.length > 0 && body[body.length - 1] == '\r';
        ByteArrayOutputStream out = new ByteArrayOutputStream(header.length + body.length + 2);
        out.writeBytes(header);
        out.writeBytes(body);
        if (!lineEnded) {
            out.writeBytes(crLast ? new byte[] {'\n'} : CRLF);
        }
        return out.toByteArray();
    }

    /** The offset of the first line holding a single "." (sendmail without -i), or the end of the input. */
    private static int endAtDotLine(byte[] raw) {
        for (int pos = 0; pos < raw.length; pos = nextLine(raw, pos, raw.length)) {
            if (raw[pos] == '.') {
                int after = pos + 1;
                if (after == raw.length || raw[after] == '\n'
                        || raw[after] == '\r' && (after + 1 == raw.length || raw[after + 1] == '\n')) {
                    return pos;
                }
            }
        }
        return raw.length;
    }

    /** The offset just after the LF ending the line at {@code pos}, or {@code end}. */
    private static int nextLine(byte[] raw, int pos, int end) {
        for (int i = pos; i < end; i++) {
            if (raw[i] == '\n') {
                return i + 1;
            }
        }
        return end;
    }

    private static boolean isFieldLine(byte[] raw, int pos, int end) {
        int colon = -1;
        for (int i = pos; i < end; i++) {
            if (raw[i] == ':') {
                colon = i;
                break;
            }
        }
        if (colon < 0) {
            return false;
        }
        int nameEnd = colon;
        while (nameEnd > pos && (raw[nameEnd - 1] == ' ' || raw[nameEnd - 1] == '\t')) {
            nameEnd--;
        }
        if (nameEnd == pos) {
            return false;
        }
        for (int i = pos; i < nameEnd; i++) {
            if (raw[i] < 33 || raw[i] > 126) {
                return false;
            }
        }
        return true;
    }

    private static boolean startsWith(byte[] raw, int end, String prefix) {
        if (end < prefix.length()) {
            return false;
        }
        for (int i = 0; i < prefix.length(); i++) {
            if (raw[i] != prefix.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static void writeField(ByteArrayOutputStream out, String name, String value) {
        out.writeBytes((name + ": " + value).getBytes(StandardCharsets.UTF_8));
        out.writeBytes(CRLF);
    }

    /**
     * A display name for {@code -F}: as it is if it is a phrase of atoms, a quoted string if it holds specials,
     * RFC 2047 encoded words (UTF-8, Q or B, whichever is shorter) folded between words if it is not ASCII.
     */
    static String displayName(String name) {
        if (name.chars().allMatch(c -> c < 0x80)) {
            return EncoderUtil.encodeAddressDisplayName(name);
        }
        String encoded = EncoderUtil.encodeEncodedWord(name, EncoderUtil.Usage.WORD_ENTITY, "From: ".length(),
                StandardCharsets.UTF_8, null);
        return encoded.replace("?= =?", "?=\r\n =?");
    }

    private String uniquePart() {
        String unique = uniquePart.get();
        if (unique == null || !isAsciiDotAtom(unique)) {
            throw new IllegalStateException("Message-ID unique part: \"" + unique + "\" (expected: a dot-atom)");
        }
        return unique;
    }

    private static boolean isAsciiDotAtom(String s) {
        return Addresses.isDotAtom(s) && s.chars().allMatch(c -> c < 0x80);
    }

    private static Supplier<String> randomUniqueParts() {
        SecureRandom random = new SecureRandom();
        return () -> {
            byte[] bytes = new byte[16];
            random.nextBytes(bytes);
            return HexFormat.of().formatHex(bytes);
        };
    }

    private static String preview(byte[] raw, int from, int to) {
        int length = Math.min(to - from, 40);
        return '"' + LogText.escape(raw, from, from + length) + (to - from > 40 ? "...\"" : "\"");
    }
}
