package org.postseal.smtp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.postseal.smtp.RecipientResult.Status;

/** Each recipient's outcome: decided at RCPT when refused, otherwise by the reply that ends the attempt. */
class RecipientOutcomesTest {
    private static final SmtpReply OK = SmtpReply.of(250, List.of("ok"));
    private static final SmtpReply NO_SUCH_USER = SmtpReply.of(550, List.of("no such user"));
    private static final SmtpReply BUSY = SmtpReply.of(450, List.of("busy"));

    @Test
    void aRefusedRecipientKeepsItsRcptReplyWhenTheOthersAreDelivered() {
        RecipientOutcomes outcomes = new RecipientOutcomes(List.of("a@x.test", "b@x.test", "c@x.test"));
        outcomes.rcptReply(0, OK);
        outcomes.rcptReply(1, NO_SUCH_USER);
        outcomes.rcptReply(2, BUSY);
        assertFalse(outcomes.noneAccepted());
        SmtpReply queued = SmtpReply.of(250, List.of("queued"));
        outcomes.dataEnded(queued);
        DeliveryReport report = outcomes.decideAll(queued);
        assertEquals(List.of(Status.DELIVERED, Status.REJECTED, Status.DEFERRED),
                report.results().stream().map(RecipientResult::status).toList());
        assertSame(NO_SUCH_USER, report.results().get(1).reply());
        assertEquals("<a@x.test> DELIVERED, <b@x.test> REJECTED (550 no such user), <c@x.test> DEFERRED (450 busy)",
                RecipientOutcomes.summary(report, queued));
    }

    @Test
    void withNobodyAcceptedTheDecidingReplyGoesToTheOpenOnesOnly() {
        RecipientOutcomes outcomes = new RecipientOutcomes(List.of("a@x.test", "b@x.test"));
        outcomes.rcptReply(0, NO_SUCH_USER);
        outcomes.rcptReply(1, BUSY);
        assertTrue(outcomes.noneAccepted());
        DeliveryReport report = outcomes.decideAll(SmtpReply.localTemporary("timeout"));
        assertEquals(List.of(NO_SUCH_USER, BUSY), report.results().stream().map(RecipientResult::reply).toList());
    }

    @Test
    void aPositiveOrLocalReplyDefersEveryOpenRecipient() {
        RecipientOutcomes outcomes = new RecipientOutcomes(List.of("a@x.test"));
        outcomes.rcptReply(0, OK);
        assertEquals(Status.DEFERRED, outcomes.decideAll(SmtpReply.localTemporary("lost")).results().get(0).status());
        assertEquals(Status.REJECTED, new RecipientOutcomes(List.of("a@x.test"))
                .decideAll(SmtpReply.localPermanent("bad address")).results().get(0).status());
    }
}
