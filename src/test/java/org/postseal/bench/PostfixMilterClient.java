package org.postseal.bench;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.Closeable;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The MTA side of one milter connection, played the way Postfix 3.7 plays it ({@code milter8.c}, with the default
 * {@code milter_*_macros}): one connection per SMTP session, OPTNEG offering version 6, actions 0x1ff and protocol
 * 0x1fffff, then for the session CONNECT and HELO, and for each message MAIL, RCPT, DATA, one HEADER per field, EOH,
 * the body in 65535-byte chunks and EOB, each event preceded by its SMFIC_MACRO packet. Whatever the milter answers
 * to OPTNEG is honoured: events it asked not to receive are not sent (their macros still are, as Postfix does),
 * events it asked not to answer are not waited for, header values keep their leading space only under
 * SMFIP_HDR_LEADSPC, and macro lists it sent in its OPTNEG reply replace the defaults. After each message Postfix's
 * {@code mail_reset()} sends SMFIC_ABORT, which leaves with the next command; QUIT ends the session.
 *
 * <p>Output goes through a {@link VStreamOutput}, so bytes reach the socket when Postfix's VSTREAM would write them;
 * Nagle's algorithm is left on. Between DATA and the first header smtpd hands the milter socket to cleanup and
 * flushes what it holds ({@code milter8_send()}); that flush is a write of its own. This write pattern was checked
 * against Postfix 3.7.11 under strace (smtpd and cleanup, one and several messages per session): same packets in
 * the same writes. Not thread-safe: one client per thread. Public for the tests that drive a milter as Postfix does
 * ({@code MilterReloadUnderLoadIT}).
 */
public final class PostfixMilterClient implements AutoCloseable {
    /** Postfix 3.7's offer. */
    static final int VERSION = 6;
    static final int ACTIONS = 0x1ff;
    static final int PROTOCOL = 0x1fffff;

    /** Postfix's MILTER_CHUNK_SIZE. */
    static final int CHUNK = 65535;

    // SMFIP_* flags (libmilter mfdef.h)
    static final int NOCONNECT = 0x1;
    static final int NOHELO = 0x2;
    static final int NOMAIL = 0x4;
    static final int NORCPT = 0x8;
    static final int NOBODY = 0x10;
    static final int NOHDRS = 0x20;
    static final int NOEOH = 0x40;
    static final int NR_HDR = 0x80;
    static final int NOUNKNOWN = 0x100;
    static final int NODATA = 0x200;
    static final int SKIP = 0x400;
    static final int RCPT_REJ = 0x800;
    static final int NR_CONN = 0x1000;
    static final int NR_HELO = 0x2000;
    static final int NR_MAIL = 0x4000;
    static final int NR_RCPT = 0x8000;
    static final int NR_DATA = 0x10000;
    static final int NR_UNKN = 0x20000;
    static final int NR_EOH = 0x40000;
    static final int NR_BODY = 0x80000;
    public static final int HDR_LEADSPC = 0x100000;

    /** How writes reach the socket. */
    public enum Writes {
        /** As Postfix's VSTREAM: buffered until the next read or a full buffer. */
        VSTREAM,
        /** One write() per packet (macro packets included), for comparison. */
        PER_PACKET
    }

    /** The Postfix-side values of the macros, by name; a macro without a value here is not sent, as in Postfix. */
    private final Map<String, String> macroValues = new LinkedHashMap<>();
    /** Macro names per stage (SMFIM_* index 0..6: C, H, M, R, T, E(eom), N(eoh)), Postfix's defaults. */
    private final String[] macroLists = {
        "j {daemon_name} {daemon_addr} v _",
        "{tls_version} {cipher} {cipher_bits} {cert_subject} {cert_issuer}",
        "i {auth_type} {auth_authen} {auth_author} {mail_addr} {mail_host} {mail_mailer}",
        "i {rcpt_addr} {rcpt_host} {rcpt_mailer}",
        "i",
        "i",
        "i"};

    private final Closeable socket;
    private final VStreamOutput out;
    private final DataInputStream in;
    private final Writes writes;
    private int version;
    private int actions;
    private int events;
    private String expectedName = "DKIM-Signature";
    private String expectedText = "";
    private boolean expectNothing;

    /** What one message's exchange came to. */
    public record Outcome(boolean signed, char finalReply, String failure, List<byte[]> inserts) {
        Outcome(boolean signed, char finalReply, String failure) {
            this(signed, finalReply, failure, List.of());
        }

        public boolean ok() {
            return signed && failure == null && (finalReply == 'c' || finalReply == 'a');
        }
    }

    /**
     * Connects and negotiates.
     *
     * @param milter a TCP address, or a {@link UnixDomainSocketAddress} (Postfix's {@code unix:} milter; there
     *     reads have no timeout, the caller bounds its waits)
     * @param vstreamBuffer the VSTREAM buffer size (twice the TCP MSS)
     * @param timeoutMillis the longest wait for any reply, like {@code milter_command_timeout}
     */
    public PostfixMilterClient(SocketAddress milter, int vstreamBuffer, Writes writes, int timeoutMillis)
            throws IOException {
        this.writes = writes;
        boolean done = false;
        if (milter instanceof UnixDomainSocketAddress) {
            SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
            socket = channel;
        } else {
            socket = new Socket();
        }
        try {
            if (socket instanceof SocketChannel channel) {
                channel.connect(milter);
                out = new VStreamOutput(Channels.newOutputStream(channel), vstreamBuffer);
                in = new DataInputStream(new BufferedInputStream(Channels.newInputStream(channel), 65536));
            } else {
                Socket tcp = (Socket) socket;
                tcp.connect(milter, timeoutMillis);
                tcp.setSoTimeout(timeoutMillis);
                // TCP_NODELAY deliberately not set: Postfix leaves Nagle on for milter sockets.
                out = new VStreamOutput(tcp.getOutputStream(), vstreamBuffer);
                in = new DataInputStream(new BufferedInputStream(tcp.getInputStream(), 65536));
            }
            negotiate();
            done = true;
        } finally {
            if (!done) {
                socket.close();
            }
        }
    }

    int version() {
        return version;
    }

    int actions() {
        return actions;
    }

    /** The SMFIP_* flags the milter answered with. */
    public int events() {
        return events;
    }

    long writes() {
        return out.writes();
    }

    private void negotiate() throws IOException {
        packet('O', ints(VERSION, ACTIONS, PROTOCOL));
        Reply reply = read();
        if (reply.code != 'O' || reply.payload.length < 12) {
            throw new IOException("OPTNEG: milter answered " + reply.describe());
        }
        DataInputStream data = new DataInputStream(new java.io.ByteArrayInputStream(reply.payload));
        version = data.readInt();
        actions = data.readInt();
        events = data.readInt();
        // secondary negotiation: the milter may replace macro lists (SMFIM_* type, then a NUL-terminated list)
        int left = reply.payload.length - 12;
        while (left >= 5) {
            int type = data.readInt();
            ByteArrayOutputStream names = new ByteArrayOutputStream();
            int b;
            left -= 4;
            while (left > 0 && (b = data.read()) > 0) {
                names.write(b);
                left--;
            }
            left--;
            if (type >= 0 && type < macroLists.length) {
                macroLists[type] = names.toString(StandardCharsets.ISO_8859_1);
            }
        }
        if (version < 2) {
            throw new IOException("OPTNEG: milter protocol version " + version);
        }
    }

    /** Sets a macro value as Postfix's lookup would find it; {@code null} removes it (then it is not sent). */
    public void macro(String name, String value) {
        if (value == null) {
            macroValues.remove(name);
        } else {
            macroValues.put(name, value);
        }
    }

    /**
     * SMFIC_CONNECT for an IPv4 client, with its macros; the reply is awaited unless SMFIP_NR_CONN.
     *
     * @return null when the milter let the session continue, else a description of its refusal
     */
    public String connect(String clientName, String address, int port) throws IOException {
        ByteArrayOutputStream payload = new ByteArrayOutputStream();
        payload.writeBytes(cString(clientName));
        payload.write('4');
        payload.write(port >>> 8);
        payload.write(port);
        payload.writeBytes(cString(address));
        return event('C', 0, NOCONNECT, NR_CONN, payload.toByteArray());
    }

    public String helo(String name) throws IOException {
        return event('H', 1, NOHELO, NR_HELO, cString(name));
    }

    /**
     * One message: MAIL, RCPT, DATA, headers, EOH, body, EOB, then the ABORT of Postfix's {@code mail_reset()} (it
     * stays buffered and leaves with the next command, as in Postfix).
     *
     * @param message the message
     * @param keepInserts whether to return the SMFIR_INSHEADER payloads (index, name, value), SMFIR_ADDHEADER's
     *     in the same shape with index 0
     */
    public Outcome transaction(String sender, String recipient, LoadMessage message, boolean keepInserts)
            throws IOException {
        String refused = event('M', 2, NOMAIL, NR_MAIL, cString("<" + sender + ">"));
        if (refused == null) {
            refused = event('R', 3, NORCPT, NR_RCPT, cString("<" + recipient + ">"));
        }
        if (refused == null) {
            refused = event('T', 4, NODATA, NR_DATA, new byte[0]);
        }
        Outcome outcome;
        if (refused != null) {
            outcome = new Outcome(false, refused.charAt(0), "refused before the content: " + refused);
        } else {
            outcome = content(message, keepInserts);
        }
        packet('A', new byte[0]); // mail_reset(): milter8_abort, not answered, left in the buffer
        return outcome;
    }

    private Outcome content(LoadMessage message, boolean keepInserts) throws IOException {
        // smtpd hands the milter to cleanup here (milter8_send() flushes first); cleanup sends the content
        out.flush();
        boolean leadingSpace = (events & HDR_LEADSPC) != 0;
        if ((events & NOHDRS) == 0) {
            for (LoadMessage.Field field : message.fields()) {
                byte[] value = field.value();
                int skip = !leadingSpace && value.length > 0 && value[0] == ' ' ? 1 : 0;
                ByteArrayOutputStream payload = new ByteArrayOutputStream(field.name().length + value.length + 2);
                payload.writeBytes(field.name());
                payload.write(0);
                payload.write(value, skip, value.length - skip);
                payload.write(0);
                // the header events carry the end-of-header macros (milter8_header passes eoh_macros)
                String refused = contentEvent('L', 6, (events & NR_HDR) != 0, payload.toByteArray());
                if (refused != null) {
                    return new Outcome(false, refused.charAt(0), "refused at a header: " + refused);
                }
            }
        }
        if ((events & NOEOH) == 0) {
            String refused = contentEvent('N', 6, (events & NR_EOH) != 0, new byte[0]);
            if (refused != null) {
                return new Outcome(false, refused.charAt(0), "refused at EOH: " + refused);
            }
        }
        if ((events & NOBODY) == 0) {
            byte[] body = message.body();
            for (int at = 0; at < body.length; at += CHUNK) {
                int n = Math.min(CHUNK, body.length - at);
                byte[] chunk = new byte[n];
                System.arraycopy(body, at, chunk, 0, n);
                String refused = contentEvent('B', 5, (events & NR_BODY) != 0, chunk);
                if (refused != null) {
                    return new Outcome(false, refused.charAt(0), "refused at a body chunk: " + refused);
                }
            }
        }
        sendMacros('E', 5);
        packet('E', new byte[0]);
        boolean signed = false;
        List<byte[]> inserts = new ArrayList<>();
        while (true) {
            Reply reply = read();
            switch (reply.code) {
                case 'i': // SMFIR_INSHEADER: index, name, value
                    signed |= expected(reply.payload, 4);
                    if (keepInserts) {
                        inserts.add(reply.payload);
                    }
                    break;
                case 'h': // SMFIR_ADDHEADER: name, value (rspamd adds its DKIM-Signature so)
                    signed |= expected(reply.payload, 0);
                    if (keepInserts) {
                        inserts.add(asInsert(reply.payload));
                    }
                    break;
                case 'm': case '+': case '-': case '2': case 'b': case 'e': case 'q': case 'p':
                    break;
                case 'c': case 'a':
                    return new Outcome(signed || expectNothing, reply.code, null, inserts);
                default:
                    return new Outcome(false, reply.code, "end of message answered " + reply.describe());
            }
        }
    }

    /**
     * Ends the session as smtpd does when the client QUITs: one more SMFIC_ABORT (helo_reset()), then SMFIC_QUIT,
     * written together, and the socket closed.
     */
    @Override
    public void close() throws IOException {
        try {
            packet('A', new byte[0]);
            packet('Q', new byte[0]);
            out.flush();
        } catch (IOException ignored) {
            // closing anyway
        } finally {
            socket.close();
        }
    }

    /**
     * An envelope event as {@code milter8_event()} sends it: the macros always, then the command unless the milter
     * asked to be spared it, then the reply unless the milter asked not to answer.
     *
     * @return null to go on, or the refusal
     */
    private String event(char code, int macroStage, int noFlag, int noReplyFlag, byte[] payload) throws IOException {
        sendMacros(code, macroStage);
        if ((events & noFlag) != 0) {
            return null;
        }
        packet(code, payload);
        if ((events & noReplyFlag) != 0) {
            return null;
        }
        return answer(code, read());
    }

    private String contentEvent(char code, int macroStage, boolean noReply, byte[] payload) throws IOException {
        sendMacros(code, macroStage);
        packet(code, payload);
        return noReply ? null : answer(code, read());
    }

    private static String answer(char code, Reply reply) {
        if (reply.code == 'c') {
            return null;
        }
        return reply.code + " (to " + code + ": " + reply.describe() + ")";
    }

    private void sendMacros(char event, int stage) throws IOException {
        ByteArrayOutputStream payload = new ByteArrayOutputStream();
        payload.write(event);
        for (String name : macroLists[stage].split("[,\\s]+")) {
            String value = name.isEmpty() ? null : macroValues.get(name);
            if (value != null) {
                payload.writeBytes(cString(name));
                payload.writeBytes(cString(value));
            }
        }
        packet('D', payload.toByteArray());
    }

    private void packet(char code, byte[] payload) throws IOException {
        int length = payload.length + 1;
        byte[] head = {(byte) (length >>> 24), (byte) (length >>> 16), (byte) (length >>> 8), (byte) length,
            (byte) code};
        out.write(head);
        out.write(payload);
        if (writes == Writes.PER_PACKET) {
            out.flush();
        }
    }

    private Reply read() throws IOException {
        out.flush();
        int length;
        try {
            length = in.readInt();
        } catch (EOFException e) {
            throw new IOException("milter closed the connection", e);
        }
        if (length < 1 || length > (1 << 20)) {
            throw new IOException("reply length " + length);
        }
        char code = (char) in.readUnsignedByte();
        byte[] payload = new byte[length - 1];
        in.readFully(payload);
        return new Reply(code, payload);
    }

    /**
     * What counts as done for a message: by default a DKIM-Signature field added (a signing milter); for a verifying
     * milter, say, an Authentication-Results field whose value contains {@code dkim=pass}.
     */
    void expect(String fieldName, String valueContains) {
        expectedName = fieldName;
        expectedText = valueContains;
    }

    /**
     * What counts as done for a milter that is meant to change nothing (the do-nothing milter that sets the floor):
     * the message accepted or continued at its end, whatever was added.
     */
    void expectNothing() {
        expectNothing = true;
    }

    /**
     * An SMFIR_ADDHEADER payload (name, value) in SMFIR_INSHEADER's shape (index 0, name, value). Where a field
     * lands among the others does not change a DKIM verification, so a field added at the end of the header may be
     * reassembled at its top as an inserted one.
     */
    private static byte[] asInsert(byte[] addHeader) {
        byte[] insert = new byte[4 + addHeader.length];
        System.arraycopy(addHeader, 0, insert, 4, addHeader.length);
        return insert;
    }

    private boolean expected(byte[] payload, int nameAt) {
        String name = headerName(payload, nameAt);
        if (!name.equalsIgnoreCase(expectedName)) {
            return false;
        }
        return expectedText.isEmpty() || headerName(payload, nameAt + name.length() + 1).contains(expectedText);
    }

    private static String headerName(byte[] payload, int from) {
        int end = from;
        while (end < payload.length && payload[end] != 0) {
            end++;
        }
        return new String(payload, from, end - from, StandardCharsets.ISO_8859_1);
    }

    private static byte[] cString(String s) {
        byte[] text = s.getBytes(StandardCharsets.ISO_8859_1);
        byte[] out = new byte[text.length + 1];
        System.arraycopy(text, 0, out, 0, text.length);
        return out;
    }

    private static byte[] ints(int... values) {
        byte[] out = new byte[values.length * 4];
        for (int i = 0; i < values.length; i++) {
            out[4 * i] = (byte) (values[i] >>> 24);
            out[4 * i + 1] = (byte) (values[i] >>> 16);
            out[4 * i + 2] = (byte) (values[i] >>> 8);
            out[4 * i + 3] = (byte) values[i];
        }
        return out;
    }

    /** One reply packet. */
    private record Reply(char code, byte[] payload) {
        String describe() {
            String text = new String(payload, StandardCharsets.ISO_8859_1).replace('\0', ' ').strip();
            return "'" + code + "'" + (text.isEmpty() ? "" : " " + text);
        }
    }

    /** The flags as names, for the report. */
    static String describeEvents(int events) {
        String[] names = {"NOCONNECT", "NOHELO", "NOMAIL", "NORCPT", "NOBODY", "NOHDRS", "NOEOH", "NR_HDR",
            "NOUNKNOWN", "NODATA", "SKIP", "RCPT_REJ", "NR_CONN", "NR_HELO", "NR_MAIL", "NR_RCPT", "NR_DATA",
            "NR_UNKN", "NR_EOH", "NR_BODY", "HDR_LEADSPC"};
        List<String> set = new ArrayList<>();
        for (int i = 0; i < names.length; i++) {
            if ((events & (1 << i)) != 0) {
                set.add(names[i]);
            }
        }
        return String.format("0x%x", events) + (set.isEmpty() ? "" : " " + String.join(",", set));
    }
}
