package org.postseal.sendmail;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SendmailOptionsTest {
    @Test
    void defaultsAreAllOff() {
        SendmailOptions options = SendmailOptions.defaults();
        assertFalse(options.extractRecipients());
        assertFalse(options.ignoreDots());
        assertFalse(options.readEnvelopeFrom());
        assertEquals(Optional.empty(), options.envelopeFrom());
        assertEquals(Optional.empty(), options.fullName());
        assertEquals(List.of(), options.recipients());
    }

    @Test
    void phpMailIsTheSeedChain() {
        SendmailOptions options = SendmailOptions.phpMail();
        assertTrue(options.extractRecipients());
        assertTrue(options.ignoreDots());
        assertTrue(options.readEnvelopeFrom());
    }

    @Test
    void envelopeFromLosesAngleBracketsAndNullSenderIsEmpty() {
        assertEquals(Optional.of("a@b.test"), SendmailOptions.builder().envelopeFrom(" <a@b.test> ").build()
                .envelopeFrom());
        assertEquals(Optional.of(""), SendmailOptions.builder().envelopeFrom("<>").build().envelopeFrom());
        assertEquals(Optional.of(""), SendmailOptions.builder().envelopeFrom("").build().envelopeFrom());
    }

    @Test
    void badEnvelopeFromRefused() {
        assertThrows(IllegalArgumentException.class, () -> SendmailOptions.builder().envelopeFrom("a b@c.test"));
        assertThrows(IllegalArgumentException.class, () -> SendmailOptions.builder().envelopeFrom("a@c.test\r\nX: y"));
        assertThrows(IllegalArgumentException.class, () -> SendmailOptions.builder().envelopeFrom("Name <a@c.test>"));
    }

    @Test
    void settingTwiceNamesTheFirstValue() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> SendmailOptions.builder().envelopeFrom("a@b.test").envelopeFrom("c@d.test"));
        assertEquals("envelopeFrom: already set to \"a@b.test\"", e.getMessage());
        assertThrows(IllegalStateException.class, () -> SendmailOptions.builder().fullName("A").fullName("B"));
    }

    @Test
    void fullNameWithLineBreakRefused() {
        assertThrows(IllegalArgumentException.class, () -> SendmailOptions.builder().fullName("A\r\nBcc: x@y"));
        assertEquals(Optional.of("Jürgen \"J\" Müller"),
                SendmailOptions.builder().fullName("Jürgen \"J\" Müller").build().fullName());
    }

    @Test
    void recipientsKeptInOrderAndCopied() {
        List<String> given = new ArrayList<>(List.of("a@x.test", "b@y.test"));
        SendmailOptions options = SendmailOptions.builder().recipients(given).recipient("c@z.test").build();
        given.clear();
        assertEquals(List.of("a@x.test", "b@y.test", "c@z.test"), options.recipients());
        assertThrows(UnsupportedOperationException.class, () -> options.recipients().add("d@w.test"));
        assertThrows(IllegalArgumentException.class, () -> SendmailOptions.builder().recipient(" "));
        assertThrows(IllegalArgumentException.class, () -> SendmailOptions.builder().recipient("a@x.test\nb"));
    }
}
