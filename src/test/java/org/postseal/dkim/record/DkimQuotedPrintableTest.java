package org.postseal.dkim.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** DKIM-Quoted-Printable (RFC 6376 §2.11) as the {@code i=} and {@code z=} values use it. */
class DkimQuotedPrintableTest {
    @Test
    void decodesEscapesInEitherCaseAndIgnoresFoldingWhitespace() throws TagSyntaxException {
        assertEquals("joe@mail.example.com", DkimQuotedPrintable.decode("joe=40mail.example.com"));
        assertEquals("Subject:demo run", DkimQuotedPrintable.decode("Subject:demo=20\r\n run"));
        assertEquals("j\u00e9r\u00f4me@example.fr", DkimQuotedPrintable.decode("j=c3=A9r=C3=b4me@example.fr"));
        assertEquals("j\u00e9r\u00f4me=;@example.fr", DkimQuotedPrintable.decode(
                DkimQuotedPrintable.encode("j\u00e9r\u00f4me=;@example.fr")));
    }

    /** Found by DkimQuotedPrintableFuzzTest: a non-ASCII character was written as its low byte (U+FFFD as 0xFD). */
    @Test
    void aCharacterOutsideTheGrammarIsRefusedNotChangedIntoAnotherByte() {
        for (String value : new String[] {"@football\ufffdexample.com", "joe\u0100@example.com", "a;b", "a\u0000b"}) {
            TagSyntaxException e = assertThrows(TagSyntaxException.class, () -> DkimQuotedPrintable.decode(value));
            assertEquals(true, e.getMessage().startsWith("character U+"), e.getMessage());
        }
    }

    /** Found reading the fuzz target's grammar: Character.digit took digits of any script as hex. */
    @Test
    void onlyAsciiHexDigitsMakeAnEscape() {
        TagSyntaxException e = assertThrows(TagSyntaxException.class,
                () -> DkimQuotedPrintable.decode("a=\u0664\u0660b"));
        assertEquals("bad quoted-printable escape in a=\u0664\u0660b", e.getMessage());
        assertThrows(TagSyntaxException.class, () -> DkimQuotedPrintable.decode("a=4"));
    }
}
