package org.postseal.milter;

import org.nightcode.milter.ProtocolSteps;

/**
 * The result of SMFIC_OPTNEG: the protocol version both sides speak, the actions postseal may take, and the steps
 * the MTA skips or sends without waiting for a reply. postseal asks only for what signing needs: the client
 * (CONNECT), the sender and its authentication macros (MAIL), the header and the body, and the right to add a
 * header field (when verifying, also to change header fields and to quarantine); it skips HELO, RCPT and unknown
 * commands. Where the MTA offers them (version 6), it asks for no replies to headers and body chunks and for the
 * header values with their leading space, which makes simple header canonicalization exact.
 *
 * @param version the protocol version postseal answers with (the MTA's, at most 6)
 * @param actions the SMFIF_* actions postseal will use
 * @param steps the SMFIP_* flags postseal answers with
 */
record Negotiation(int version, int actions, int steps) {
    /** SMFIF_ADDHDRS: add (and insert) header fields. */
    static final int ADD_HEADERS = 0x01;
    /** SMFIF_CHGHDRS: change and remove header fields (forged Authentication-Results). */
    static final int CHANGE_HEADERS = 0x10;
    /** SMFIF_QUARANTINE: put a message in the MTA's hold queue. */
    static final int QUARANTINE = 0x20;
    /** The highest protocol version postseal speaks. */
    static final int MAX_VERSION = 6;

    /*
     * DATA and CONNECT are kept, and answered, on purpose. Postfix writes the macros of a skipped step as a packet of
     * their own and leaves Nagle on: if nothing answers that packet, Postfix's next write (the header, or MAIL) waits
     * for the milter's delayed ACK, 40 ms per message (docs/BENCHMARKS.md measured it). A reply costs microseconds.
     */
    private static final int WANTED_STEPS = ProtocolSteps.NO_HELO | ProtocolSteps.NO_RECIPIENTS
            | ProtocolSteps.NO_UNKNOWN | ProtocolSteps.NO_REPLY_FOR_HEADERS | ProtocolSteps.NO_REPLY_FOR_BODY
            | ProtocolSteps.HEADER_VALUE_LEADING_SPACE;

    /**
     * Answers the MTA's offer.
     *
     * @throws MilterProtocolException if the MTA speaks a version below 2 or does not allow adding headers
     */
    static Negotiation answer(int mtaVersion, int mtaActions, int mtaSteps) {
        return answer(mtaVersion, mtaActions, mtaSteps, false);
    }

    /**
     * Answers the MTA's offer; when verifying, postseal also asks to change header fields (to remove forged
     * Authentication-Results) and, if offered, to quarantine.
     *
     * @throws MilterProtocolException if the MTA speaks a version below 2, does not allow adding headers, or, when
     *     verifying, does not allow changing them
     */
    static Negotiation answer(int mtaVersion, int mtaActions, int mtaSteps, boolean verifying) {
        if (mtaVersion < 2) {
            throw new MilterProtocolException("MTA protocol version " + mtaVersion + " (expected: 2 or later)");
        }
        if ((mtaActions & ADD_HEADERS) == 0) {
            throw new MilterProtocolException(String.format(
                    "MTA does not allow adding header fields (actions 0x%x)", mtaActions));
        }
        if (verifying && (mtaActions & CHANGE_HEADERS) == 0) {
            throw new MilterProtocolException(String.format(
                    "MTA does not allow changing header fields, which verifying needs (actions 0x%x)", mtaActions));
        }
        int actions = verifying ? ADD_HEADERS | CHANGE_HEADERS | (mtaActions & QUARANTINE) : ADD_HEADERS;
        return new Negotiation(Math.min(mtaVersion, MAX_VERSION), actions, mtaSteps & WANTED_STEPS);
    }

    /** Whether postseal asked for what verifying needs (the right to change header fields). */
    boolean verifying() {
        return (actions & CHANGE_HEADERS) != 0;
    }

    /** Whether the MTA allowed SMFIR_QUARANTINE. */
    boolean canQuarantine() {
        return (actions & QUARANTINE) != 0;
    }

    boolean noReplyForHeaders() {
        return (steps & ProtocolSteps.NO_REPLY_FOR_HEADERS) != 0;
    }

    boolean noReplyForBody() {
        return (steps & ProtocolSteps.NO_REPLY_FOR_BODY) != 0;
    }

    boolean noReplyForConnect() {
        return (steps & ProtocolSteps.NO_REPLY_FOR_CONNECT) != 0;
    }

    /** Whether header values arrive (and must be sent) with their leading space. */
    boolean leadingSpace() {
        return (steps & ProtocolSteps.HEADER_VALUE_LEADING_SPACE) != 0;
    }

    /** The SMFIC_OPTNEG reply payload: version, actions, steps. */
    byte[] payload() {
        byte[] out = new byte[12];
        writeInt(out, 0, version);
        writeInt(out, 4, actions);
        writeInt(out, 8, steps);
        return out;
    }

    private static void writeInt(byte[] out, int at, int value) {
        out[at] = (byte) (value >>> 24);
        out[at + 1] = (byte) (value >>> 16);
        out[at + 2] = (byte) (value >>> 8);
        out[at + 3] = (byte) value;
    }
}
