package org.postseal.sendmail;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.postseal.message.MessageFormatException;

class AddressesTest {
    @Test
    void groupsAndComments() throws Exception {
        assertEquals(List.of(), Addresses.parse("To", "undisclosed-recipients:;"));
        assertEquals(List.of("a@x", "b@y", "c@z.test"), Addresses.parse("To", "team: a@x, b@y;, c@z.test"));
        assertEquals(List.of("a@b.test", "c@d.test"),
                Addresses.parse("To", "a@b.test (comment (nested), with comma), c@d.test"));
        assertEquals(List.of("a@b.test"), Addresses.parse("To", "<@route.test:a@b.test>"));
        assertEquals(List.of("a@[127.0.0.1]"), Addresses.parse("To", "a@[127.0.0.1]"));
    }

    @Test
    void emptyListsAndStrayCommas() throws Exception {
        assertEquals(List.of(), Addresses.parse("To", ""));
        assertEquals(List.of(), Addresses.parse("To", "   "));
        assertEquals(List.of("a@b.test", "b@c.test"), Addresses.parse("To", "a@b.test,,  ,b@c.test, "));
    }

    @Test
    void unfoldingAndCharset() {
        assertEquals("a@b.test,\t c@d.test", Addresses.unfoldedValue(" a@b.test,\r\n\t c@d.test".getBytes(
                StandardCharsets.US_ASCII)).strip());
        assertEquals(" ü@x.test", Addresses.unfoldedValue(" ü@x.test".getBytes(StandardCharsets.UTF_8)));
        assertEquals(" \u00fc@x.test", Addresses.unfoldedValue(" \u00fc@x.test".getBytes(StandardCharsets.ISO_8859_1)));
    }

    @Test
    void junkRefused() {
        MessageFormatException e = assertThrows(MessageFormatException.class,
                () -> Addresses.parse("Cc field", "x@y.test <a@b.test>"));
        assertEquals("Cc field: cannot read the address list \"x@y.test <a@b.test>\"", e.getMessage());
        assertThrows(MessageFormatException.class, () -> Addresses.parse("To", "a@b.test;"));
    }

    @Test
    void mailboxKeyIgnoresDomainCaseOnly() {
        assertEquals(Addresses.mailboxKey("Joe@Example.ORG"), Addresses.mailboxKey("Joe@example.org"));
        assertEquals("joe@example.org", Addresses.mailboxKey("joe@Example.org"));
        assertEquals("root", Addresses.mailboxKey("root"));
    }

    @Test
    void formatQuotesWhatIsNotADotAtom() {
        assertEquals("a.b@c.test", Addresses.format("a.b", "c.test"));
        assertEquals("\"a b\"@c.test", Addresses.format("a b", "c.test"));
        assertEquals("\"a..b\"@c.test", Addresses.format("a..b", "c.test"));
        assertEquals("\"q\\\"x\"@c.test", Addresses.format("q\"x", "c.test"));
        assertEquals("root", Addresses.format("root", null));
    }

    @Test
    void displayNames() {
        assertEquals("SRC", MessagePreparer.displayName("SRC"));
        assertEquals("\"Doe, John\"", MessagePreparer.displayName("Doe, John"));
        // B is chosen here because it is shorter than Q
        assertEquals("=?UTF-8?B?w6l0w6k=?=", MessagePreparer.displayName("été"));
    }
}
