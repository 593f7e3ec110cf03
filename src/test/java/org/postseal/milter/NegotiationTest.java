package org.postseal.milter;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nightcode.milter.ProtocolSteps;

/**
 * SMFIC_OPTNEG answered for protocol versions 2 to 6 and every combination of the SMFIP flags Postfix 3.7 knows
 * (0 to 0x1fffff; Postfix offers a version's subset of them, reduced by milter_protocol and its own settings): the
 * answer never asks for a step the MTA did not offer, asks for each wanted one it did, and reads back the same.
 */
class NegotiationTest {
    private static final int WANTED = ProtocolSteps.NO_HELO | ProtocolSteps.NO_RECIPIENTS | ProtocolSteps.NO_UNKNOWN
            | ProtocolSteps.NO_REPLY_FOR_HEADERS | ProtocolSteps.NO_REPLY_FOR_BODY
            | ProtocolSteps.HEADER_VALUE_LEADING_SPACE;

    @ParameterizedTest
    @ValueSource(ints = {2, 3, 4, 5, 6})
    void everyFlagCombinationPostfixCanOfferAtEachVersion(int version) {
        for (int offered = 0; offered <= MilterTestClient.POSTFIX_STEPS_V6; offered++) {
            Negotiation answer = Negotiation.answer(version, MilterTestClient.POSTFIX_ACTIONS, offered);
            if (answer.version() != version || answer.actions() != Negotiation.ADD_HEADERS
                    || answer.steps() != (offered & WANTED)
                    || answer.noReplyForHeaders() != ((offered & ProtocolSteps.NO_REPLY_FOR_HEADERS) != 0)
                    || answer.noReplyForBody() != ((offered & ProtocolSteps.NO_REPLY_FOR_BODY) != 0)
                    || answer.noReplyForConnect()
                    || answer.leadingSpace() != ((offered & ProtocolSteps.HEADER_VALUE_LEADING_SPACE) != 0)) {
                fail(String.format("version %d, offered 0x%x: %s", version, offered, answer));
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 6})
    void postfixsOwnOffersGetTheStepsSigningNeeds(int version) {
        int offered = version == 6 ? MilterTestClient.POSTFIX_STEPS_V6 : MilterTestClient.POSTFIX_STEPS_V2;
        Negotiation answer = Negotiation.answer(version, MilterTestClient.POSTFIX_ACTIONS, offered);
        int skipped = ProtocolSteps.NO_HELO | ProtocolSteps.NO_RECIPIENTS;
        assertEquals(version == 6 ? WANTED : skipped, answer.steps());
        assertEquals(version == 6, answer.leadingSpace(), "leading space only where offered (version 6)");
        assertEquals(version == 6, answer.noReplyForHeaders());
        assertArrayEquals(new byte[] {0, 0, 0, (byte) version, 0, 0, 0, 1, (byte) (answer.steps() >>> 24),
            (byte) (answer.steps() >>> 16), (byte) (answer.steps() >>> 8), (byte) answer.steps()}, answer.payload());
    }

    @Test
    void everyActionsOfferWithAddHeadersIsAcceptedAndOnlyAddHeadersIsUsed() {
        for (int actions = 0; actions <= MilterTestClient.POSTFIX_ACTIONS; actions++) {
            if ((actions & Negotiation.ADD_HEADERS) != 0) {
                assertEquals(Negotiation.ADD_HEADERS, Negotiation.answer(6, actions, 0).actions());
            } else {
                int refused = actions;
                assertEquals(String.format("MTA does not allow adding header fields (actions 0x%x)", refused),
                        assertThrows(MilterProtocolException.class, () -> Negotiation.answer(6, refused, 0))
                                .getMessage());
            }
        }
    }

    @Test
    void verifyingAlsoNeedsChangeHeadersAndTakesQuarantineWhenOffered() {
        int add = Negotiation.ADD_HEADERS;
        int change = Negotiation.CHANGE_HEADERS;
        int quarantine = Negotiation.QUARANTINE;
        for (int actions = 0; actions <= MilterTestClient.POSTFIX_ACTIONS; actions++) {
            if ((actions & (add | change)) == (add | change)) {
                Negotiation n = Negotiation.answer(6, actions, 0, true);
                assertEquals(add | change | (actions & quarantine), n.actions());
                assertEquals((actions & quarantine) != 0, n.canQuarantine());
            } else if ((actions & add) != 0) {
                int refused = actions;
                assertThrows(MilterProtocolException.class, () -> Negotiation.answer(6, refused, 0, true));
            }
        }
    }

    @Test
    void versionsBelowTwoAreRefusedAndAboveSixAnsweredWithSix() {
        for (int version : new int[] {0, 1}) {
            assertEquals("MTA protocol version " + version + " (expected: 2 or later)",
                    assertThrows(MilterProtocolException.class,
                            () -> Negotiation.answer(version, MilterTestClient.POSTFIX_ACTIONS, 0)).getMessage());
        }
        assertEquals(Negotiation.MAX_VERSION, Negotiation.answer(7, MilterTestClient.POSTFIX_ACTIONS, 0).version());
    }
}
