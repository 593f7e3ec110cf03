package org.postseal.smarthost;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.postseal.transport.ExitStatus;

class SubmissionAnswerTest {
    private static final List<SubmissionAnswer> ALL = List.of(
            SubmissionAnswer.relayed("m7abcdef-0badf00d", "250 2.0.0 Ok: queued as 4Xb"),
            SubmissionAnswer.queued("m7abcdef-0badf00d", "421 (local) connection refused"),
            SubmissionAnswer.rejected("m7abcdef-0badf00d", "b@example.net: 550 5.1.1 no such user"),
            SubmissionAnswer.badMessage("line 1: not a header field"),
            SubmissionAnswer.tooBig(1024),
            SubmissionAnswer.tempFail("cannot sign: no key"),
            new SubmissionAnswer(554, 64, "bad request: unknown request field: x"),
            new SubmissionAnswer(250, 0, ""),
            new SubmissionAnswer(250, 0, "  spaces  inside and around  "),
            new SubmissionAnswer(451, 70, "internal error: Jérôme’s ✉"));

    @Test
    void lineParseRoundTrips() {
        for (SubmissionAnswer answer : ALL) {
            assertEquals(answer, SubmissionAnswer.parse(answer.line()), answer.line());
            assertEquals(answer.line(), answer.toString());
        }
    }

    @Test
    void factoriesGiveTheirCodesAndExitStatuses() {
        assertEquals("250 0 m7abcdef-0badf00d relayed: 250 2.0.0 Ok: queued as 4Xb", ALL.get(0).line());
        assertEquals("250 0 m7abcdef-0badf00d queued: 421 (local) connection refused", ALL.get(1).line());
        assertEquals("554 69 m7abcdef-0badf00d rejected: b@example.net: 550 5.1.1 no such user", ALL.get(2).line());
        assertEquals("554 65 message refused: line 1: not a header field", ALL.get(3).line());
        assertEquals("552 65 message refused: larger than the limit of 1024 bytes", ALL.get(4).line());
        assertEquals("451 75 message not accepted, try again later: cannot sign: no key", ALL.get(5).line());
    }

    @Test
    void acceptedByCode() {
        assertTrue(new SubmissionAnswer(200, 0, "").accepted());
        assertTrue(new SubmissionAnswer(399, 0, "").accepted());
        assertFalse(new SubmissionAnswer(400, 75, "").accepted());
        assertFalse(new SubmissionAnswer(451, 75, "").accepted());
        assertFalse(new SubmissionAnswer(599, 69, "").accepted());
        assertTrue(ALL.get(0).accepted());
        assertTrue(ALL.get(1).accepted());
        for (SubmissionAnswer refused : ALL.subList(2, 7)) {
            assertFalse(refused.accepted(), refused.line());
        }
    }

    @Test
    void textNeverHoldsALineBreak() {
        SubmissionAnswer answer = SubmissionAnswer.queued("m7abcdef-0badf00d", "421-first\r\n421 second\n");

        assertEquals("250 0 m7abcdef-0badf00d queued: 421-first  421 second ", answer.line());
        assertEquals(answer, SubmissionAnswer.parse(answer.line()));
    }

    @Test
    void codeOutsideTheRangeIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new SubmissionAnswer(199, 0, ""));
        assertThrows(IllegalArgumentException.class, () -> new SubmissionAnswer(600, 0, ""));
        assertThrows(NullPointerException.class, () -> new SubmissionAnswer(250, 0, null));
    }

    @Test
    void garbageIsATemporaryFailureQuotingIt() {
        for (String garbage : List.of("", "250", "250 ", "OK 0 fine", "250 zero fine", "999 0 out of range",
                "-250 0 x", "<html>", "250\t0\tx")) {
            SubmissionAnswer answer = SubmissionAnswer.parse(garbage);
            assertEquals(451, answer.code(), garbage);
            assertEquals(ExitStatus.TEMP_FAIL, answer.exitStatus(), garbage);
            assertFalse(answer.accepted(), garbage);
            assertEquals("message not accepted, try again later: the smarthost answered something unexpected: "
                    + garbage, answer.text());
        }
    }

    @Test
    void answerWithoutTextParses() {
        assertEquals(new SubmissionAnswer(250, 0, ""), SubmissionAnswer.parse("250 0"));
    }
}
