package org.postseal.milter;

import java.util.Arrays;

/**
 * One command from the MTA: its code (the {@code SMFIC_*} byte) and its payload, kept as raw bytes so that header
 * names and values, 8-bit bytes included, reach the engine exactly as Postfix sent them.
 *
 * <p>The codes are the libmilter protocol's; an unknown code is kept (not refused) so that the session can decide
 * what to do with it.
 */
public final class MilterCommand {
    /** SMFIC_ABORT: the current message is abandoned; no reply. */
    public static final byte ABORT = 'A';
    /** SMFIC_BODY: a chunk of the body (at most 65535 bytes from Postfix, not aligned to lines). */
    public static final byte BODY = 'B';
    /** SMFIC_CONNECT: hostname, family, port, address. */
    public static final byte CONNECT = 'C';
    /** SMFIC_MACRO: macros for the command that follows. */
    public static final byte MACRO = 'D';
    /** SMFIC_BODYEOB: end of the message (older MTAs put a last body chunk in it). */
    public static final byte END_OF_BODY = 'E';
    /** SMFIC_HELO. */
    public static final byte HELO = 'H';
    /** SMFIC_QUIT_NC: end of this SMTP session, but keep the milter connection for a new one (version 6). */
    public static final byte QUIT_NEW_CONNECTION = 'K';
    /** SMFIC_HEADER: one header field, name and value. */
    public static final byte HEADER = 'L';
    /** SMFIC_MAIL: MAIL FROM and its ESMTP arguments. */
    public static final byte MAIL = 'M';
    /** SMFIC_EOH: end of the header. */
    public static final byte END_OF_HEADERS = 'N';
    /** SMFIC_OPTNEG: option negotiation. */
    public static final byte OPTION_NEGOTIATION = 'O';
    /** SMFIC_QUIT: close the connection. */
    public static final byte QUIT = 'Q';
    /** SMFIC_RCPT: RCPT TO. */
    public static final byte RECIPIENT = 'R';
    /** SMFIC_DATA: the DATA command (version 4 and later). */
    public static final byte DATA = 'T';
    /** SMFIC_UNKNOWN: an SMTP command the MTA did not know. */
    public static final byte UNKNOWN = 'U';

    private final byte code;
    private final byte[] payload;

    public MilterCommand(byte code, byte[] payload) {
        this.code = code;
        this.payload = payload.clone();
    }

    public byte code() {
        return code;
    }

    /** A copy of the payload. */
    public byte[] payload() {
        return payload.clone();
    }

    /** A reader over the payload. */
    MilterPayload reader() {
        return new MilterPayload(payload);
    }

    int length() {
        return payload.length;
    }

    /** The code as a printable name for logs, e.g. {@code 'L'} or {@code 0x07}. */
    public String codeName() {
        return code >= 0x21 && code <= 0x7e ? "'" + (char) code + "'" : String.format("0x%02x", code & 0xff);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MilterCommand other && code == other.code && Arrays.equals(payload, other.payload);
    }

    @Override
    public int hashCode() {
        return 31 * code + Arrays.hashCode(payload);
    }

    @Override
    public String toString() {
        return "MilterCommand[" + codeName() + ", " + payload.length + " bytes]";
    }
}
