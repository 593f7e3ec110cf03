package org.postseal.submission;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SubmissionOptionsTest {
    @Test
    void defaultsAreAllOff() {
        SubmissionOptions options = SubmissionOptions.defaults();
        assertFalse(options.extractRecipients());
        assertFalse(options.ignoreDots());
        assertFalse(options.readEnvelopeFrom());
        assertEquals(Optional.empty(), options.envelopeFrom());
        assertEquals(Optional.empty(), options.fullName());
        assertEquals(List.of(), options.recipients());
    }

    @Test
    void phpMailIsTheSeedChain() {
        SubmissionOptions options = SubmissionOptions.phpMail();
        assertTrue(options.extractRecipients());
        assertTrue(options.ignoreDots());
        assertTrue(options.readEnvelopeFrom());
    }

    @Test
    void envelopeFromLosesAngleBracketsAndNullSenderIsEmpty() {
        assertEquals(Optional.of("a@b.test"), SubmissionOptions.builder().envelopeFrom(" <a@b.test> ").build()
                .envelopeFrom());
        assertEquals(Optional.of(""), SubmissionOptions.builder().envelopeFrom("<>").build().envelopeFrom());
        assertEquals(Optional.of(""), SubmissionOptions.builder().envelopeFrom("").build().envelopeFrom());
    }

    @Test
    void badEnvelopeFromRefused() {
        assertThrows(IllegalArgumentException.class, () -> SubmissionOptions.builder().envelopeFrom("a b@c.test"));
        assertThrows(IllegalArgumentException.class, () -> SubmissionOptions.builder().envelopeFrom("a@c.test\r\nX: y"));
        assertThrows(IllegalArgumentException.class, () -> SubmissionOptions.builder().envelopeFrom("Name <a@c.test>"));
    }

    @Test
    void settingTwiceNamesTheFirstValue() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> SubmissionOptions.builder().envelopeFrom("a@b.test").envelopeFrom("c@d.test"));
        assertEquals("envelopeFrom: already set to \"a@b.test\"", e.getMessage());
        assertThrows(IllegalStateException.class, () -> SubmissionOptions.builder().fullName("A").fullName("B"));
    }

    @Test
    void fullNameWithLineBreakRefused() {
        assertThrows(IllegalArgumentException.class, () -> SubmissionOptions.builder().fullName("A\r\nBcc: x@y"));
        assertEquals(Optional.of("Jürgen \"J\" Müller"),
                SubmissionOptions.builder().fullName("Jürgen \"J\" Müller").build().fullName());
    }

    @Test
    void recipientsKeptInOrderAndCopied() {
        List<String> given = new ArrayList<>(List.of("a@x.test", "b@y.test"));
        SubmissionOptions options = SubmissionOptions.builder().recipients(given).recipient("c@z.test").build();
        given.clear();
        assertEquals(List.of("a@x.test", "b@y.test", "c@z.test"), options.recipients());
        assertThrows(UnsupportedOperationException.class, () -> options.recipients().add("d@w.test"));
        assertThrows(IllegalArgumentException.class, () -> SubmissionOptions.builder().recipient(" "));
        assertThrows(IllegalArgumentException.class, () -> SubmissionOptions.builder().recipient("a@x.test\nb"));
    }
}
