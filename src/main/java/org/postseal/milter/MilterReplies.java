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

    static MilterPacket negotiate(Negotiation negotiation) {
        return new MilterPacket(CommandCode.SMFIC_OPTNEG, negotiation.payload());
    }

    /**
     * SMFIR_INSHEADER at {@code index} (0 = the very top, above the MTA's own Received field).
     *
     * @param value the value as it is to appear after the colon, folds written as LF TAB
     */
    static MilterPacket insertHeader(int index, String name, String value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(index >>> 24);
        out.write(index >>> 16);
        out.write(index >>> 8);
        out.write(index);
        out.writeBytes(name.getBytes(StandardCharsets.US_ASCII));
        out.write(0);
        out.writeBytes(value.getBytes(StandardCharsets.ISO_8859_1));
        out.write(0);
        return new MilterPacket(ResponseCode.SMFIR_INSHEADER, out.toByteArray());
    }
}
