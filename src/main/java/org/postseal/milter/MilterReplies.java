package org.postseal.milter;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.nightcode.milter.CommandCode;
import org.nightcode.milter.ResponseCode;
import org.nightcode.milter.codec.MilterPacket;

/** Builds the replies postseal sends, as jmilter packets (jmilter's encoders put them on the wire). */
final class MilterReplies {
    private static final byte[] NONE = new byte[0];

    private MilterReplies() {
    }

    static MilterPacket continueReply() {
        return new MilterPacket(ResponseCode.SMFIR_CONTINUE, NONE);
    }

    static MilterPacket accept() {
        return new MilterPacket(ResponseCode.SMFIR_ACCEPT, NONE);
    }

    static MilterPacket tempfail() {
        return new MilterPacket(ResponseCode.SMFIR_TEMPFAIL, NONE);
    }

    static MilterPacket discard() {
        return new MilterPacket(ResponseCode.SMFIR_DISCARD, NONE);
    }

    /** SMFIR_REPLYCODE: {@code "550 5.7.20 text"}; the text is postseal's own, never the client's. */
    static MilterPacket replyCode(String reply) {
        return new MilterPacket(ResponseCode.SMFIR_REPLYCODE, cString(reply));
    }

    /** SMFIR_QUARANTINE with the reason the MTA logs. */
    static MilterPacket quarantine(String reason) {
        return new MilterPacket(ResponseCode.SMFIR_QUARANTINE, cString(reason));
    }

    /**
     * SMFIR_CHGHEADER: the {@code index}-th field named {@code name} (1-based) gets {@code value}; an empty value
     * removes the field.
     */
    static MilterPacket changeHeader(int index, String name, String value) {
        return indexedField(ResponseCode.SMFIR_CHGHEADER, index, name, value);
    }

    /** The payload INSHEADER and CHGHEADER share: a 32-bit index, the name and the value as C strings. */
    private static MilterPacket indexedField(ResponseCode code, int index, String name, String value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(index >>> 24);
        out.write(index >>> 16);
        out.write(index >>> 8);
        out.write(index);
        out.writeBytes(cString(name));
        out.writeBytes(value.getBytes(StandardCharsets.ISO_8859_1));
        out.write(0);
        return new MilterPacket(code, out.toByteArray());
    }

    private static byte[] cString(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        return java.util.Arrays.copyOf(bytes, bytes.length + 1);
    }

    static MilterPacket negotiate(Negotiation negotiation) {
        return new MilterPacket(CommandCode.SMFIC_OPTNEG, negotiation.payload());
    }

    /**
     * SMFIR_INSHEADER at {@code index} (0 = the very top, above the MTA's own Received field) of a field as it
     * stands in a message: its value after the colon, leading space
     * and CRLF folds included. Folds become LF TAB for the MTA; without SMFIP_HDR_LEADSPC the leading space goes
     * (the MTA adds it back).
     */
    static MilterPacket insertField(int index, String name, String rawValue, Negotiation negotiation) {
        String value = rawValue.replace("\r\n", "\n");
        return indexedField(ResponseCode.SMFIR_INSHEADER, index, name,
                negotiation.leadingSpace() ? value : value.stripLeading());
    }
}
