package org.postseal.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class FromAddressTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "joe@example.com|joe|example.com",
        " joe@Example.COM |joe|example.com",
        "Joe Bloggs <joe@example.com>|joe|example.com",
        "\"Bloggs, Joe\" <joe@example.com>|joe|example.com",
        "\"Joe <joe@evil.example>\" <joe@example.com>|joe|example.com",
        "=?UTF-8?Q?Jos=C3=A9?= <jose@example.com>|jose|example.com",
        "joe@example.com (Joe Bloggs)|joe|example.com",
        "(comment, with @ and <) joe@example.com|joe|example.com",
        "Joe (the (nested) one) <joe @ example.com>|joe|example.com",
        "<joe@example.com>|joe|example.com",
        "<@relay.example:joe@example.com>|joe|example.com",
        "\"joe bloggs\"@example.com|\"joe bloggs\"|example.com",
        "\"odd@local\"@example.com|\"odd@local\"|example.com",
        "joe@[192.0.2.1]|joe|[192.0.2.1]",
        "joe@example.com, ann@example.org|joe|example.com",
        "Joe <joe@example.com>, Ann <ann@example.org>|joe|example.com",
        "Friends: joe@example.com, ann@example.org;|joe|example.com",
        "Friends: Joe <joe@example.com>;, ann@example.org|joe|example.com",
        "Bloggs, Joe <joe@example.com>|joe|example.com",
        "undisclosed-recipients:;, joe@example.com|joe|example.com",
        "joe.bloggs+tag@mail.example.co.uk|joe.bloggs+tag|mail.example.co.uk",
    })
    void findsTheFirstMailbox(String field, String localPart, String domain) {
        assertEquals(Optional.of(new FromAddress(localPart, domain)), FromAddress.parse(field), field);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   ", "joe", "@example.com", "joe@", "<>", "Joe <joe>", "\"unterminated@example.com",
        "(unbalanced joe@example.com", "joe@[192.0.2.1", "undisclosed-recipients:;", "<joe@>",
        "<@relay.example:jane@example;.com>", "<jane@example.com;>", "<jane<x>@example.com>",
        "jane@example.com>"})
    void findsNothingInAFieldWithoutAMailbox(String field) {
        assertTrue(FromAddress.parse(field).isEmpty(), field);
    }

    @org.junit.jupiter.api.Test
    void skipsFoldingWhitespace() {
        assertEquals(Optional.of(new FromAddress("joe", "example.com")),
                FromAddress.parse("Joe Bloggs\r\n <joe@example.com>"));
        assertEquals(Optional.of(new FromAddress("joe", "example.com")),
                FromAddress.parse("\"Joe\"\n\t<joe@\n example.com>"));
    }

    @org.junit.jupiter.api.Test
    void lowerCasesTheDomainOnly() {
        FromAddress address = FromAddress.parse("Joe.Bloggs@EXAMPLE.Com").orElseThrow();
        assertEquals("Joe.Bloggs", address.localPart());
        assertEquals("example.com", address.domain());
        assertEquals("Joe.Bloggs@example.com", address.toString());
    }
}
