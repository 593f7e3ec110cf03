package org.postseal.milter;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import org.nightcode.milter.codec.MilterPacket;

/**
 * Finds the Authentication-Results fields of an incoming message that claim this milter's authserv-id, as the header
 * arrives (RFC 8601 §5: such fields from outside are forgeries and are removed before ours is added). Fields are
 * counted among those of the same name, 1-based, as SMFIR_CHGHEADER counts them; fields of other authserv-ids are
 * left alone. Keeps one bit per Authentication-Results field, so it works even past the header limit.
 */
final class ForgedResults {
    private final String authservId;
    private final BitSet ours = new BitSet();
    private int seen;

    ForgedResults(String authservId) {
        this.authservId = authservId;
    }

    /** The authserv-id ours claims. */
    String authservId() {
        return authservId;
    }

    /** Looks at the next header field. */
    void field(String name, String value) {
        if (!name.equalsIgnoreCase(AuthenticationResultsField.NAME)) {
            return;
        }
        seen++;
        if (AuthservId.claims(value, authservId)) {
            ours.set(seen);
        }
    }

    /** How many fields claim our authserv-id. */
    int count() {
        return ours.cardinality();
    }

    /**
     * The removals, last field first, so that each removal leaves the index of the next one unchanged whether or not
     * the MTA counts removed fields.
     */
    List<MilterPacket> removals() {
        List<MilterPacket> packets = new ArrayList<>(ours.cardinality());
        for (int i = ours.length(); (i = ours.previousSetBit(i)) > 0; i--) {
            packets.add(MilterReplies.changeHeader(i, AuthenticationResultsField.NAME, ""));
        }
        return packets;
    }
}
