package org.postseal.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class NameServerTest {
    @ParameterizedTest
    @CsvSource({
        "192.0.2.1, 192.0.2.1:53",
        "192.0.2.1:5353, 192.0.2.1:5353",
        "' 127.0.0.1:1 ', 127.0.0.1:1",
        "::1, [0:0:0:0:0:0:0:1]:53",
        "2001:db8::53, [2001:db8:0:0:0:0:0:53]:53",
        "[2001:db8::53], [2001:db8:0:0:0:0:0:53]:53",
        "[::1]:5353, [0:0:0:0:0:0:0:1]:5353"})
    void parsesOpenDkimsFormAndAddressPort(String text, String expected) {
        assertEquals(expected, NameServer.parse(text).toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "dns.example.com", "192.0.2.1:", "192.0.2.1:0", "192.0.2.1:65536", "[::1",
        "[::1]5353", "[::1]:x", "300.0.0.1", "192.0.2.1:53:53"})
    void refusesAnythingElseNamingIt(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NameServer.parse(text));
        assertEquals("name server: " + text + " (expected: an IP address, IPv4:PORT or [IPv6]:PORT)",
                e.getMessage());
    }

    @org.junit.jupiter.api.Test
    void readsOpenDkimsCommaSeparatedList() {
        assertEquals(List.of(NameServer.parse("192.0.2.1"), NameServer.parse("[::1]:5353")),
                NameServer.parseList("192.0.2.1, [::1]:5353,"));
    }
}
