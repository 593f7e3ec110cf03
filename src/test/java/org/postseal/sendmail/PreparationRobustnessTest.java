package org.postseal.sendmail;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Every prefix of a message either prepares or is refused with a PreparationException; never anything else. */
class PreparationRobustnessTest {
    private final MessagePreparer preparer = new MessagePreparer(
            Clock.fixed(Instant.EPOCH, ZoneOffset.UTC), "h.test", "u", () -> "id");

    @Test
    void everyPrefixPreparesOrIsRefused() {
        byte[] raw = ("From: \"A, B\" <a@b.test>\r\nTo: team: x@y.test,\n (c) \"q\"@z.test;\nBcc: h@x.test\n"
                + "Subject: caf\u00e9\n\n.\nline\r\n\r.\n").getBytes(StandardCharsets.UTF_8);
        for (boolean ignoreDots : new boolean[] {false, true}) {
            SendmailOptions options = SendmailOptions.builder().extractRecipients(true).ignoreDots(ignoreDots)
                    .readEnvelopeFrom(true).build();
            int prepared = 0;
            for (int cut = 0; cut <= raw.length; cut++) {
                byte[] prefix = Arrays.copyOf(raw, cut);
                try {
                    assertWellFormed(preparer.prepare(prefix, options).message(), cut);
                    prepared++;
                } catch (PreparationException expected) {
                    // a prefix may well have no recipients yet; any other exception fails the test
                    assertTrue(cut < raw.length, "the whole message is refused: " + expected.getMessage());
                }
            }
            assertTrue(prepared > 1, "only " + prepared + " prefixes prepared (ignoreDots " + ignoreDots + ")");
        }
    }

    @Test
    void theWholeMessagePreparesWithItsRecipientsAndWithoutBcc() throws PreparationException {
        byte[] raw = ("From: a@b.test\nTo: x@y.test\nBcc: h@x.test\nSubject: s\n\nline\n").getBytes(
                StandardCharsets.UTF_8);
        PreparedMessage prepared = preparer.prepare(raw, SendmailOptions.builder().extractRecipients(true)
                .readEnvelopeFrom(true).build());
        assertWellFormed(prepared.message(), raw.length);
        assertEquals("a@b.test", prepared.envelope().sender());
        assertEquals(java.util.List.of("x@y.test", "h@x.test"), prepared.envelope().recipients());
    }

    private static void assertWellFormed(byte[] out, int cut) {
        assertEquals('\n', out[out.length - 1]);
        assertEquals('\r', out[out.length - 2]);
        String text = new String(out, StandardCharsets.ISO_8859_1);
        assertTrue(text.replace("\r\n", "").indexOf('\n') < 0, "bare LF left at cut " + cut);
        assertTrue(!text.contains("h@x.test"), "Bcc left at cut " + cut);
    }
}
