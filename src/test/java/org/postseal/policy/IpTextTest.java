package org.postseal.policy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class IpTextTest {

    /** The right-hand sides are what glibc's inet_ntop printed for the left-hand sides (python3 socket.inet_ntop). */
    @ParameterizedTest
    @CsvSource({
        "::2, ::2",
        "::1, ::1",
        "::, ::",
        "::ffff:1.2.3.4, ::ffff:1.2.3.4",
        "::1.2.3.4, ::1.2.3.4",
        "2001:db8:0:0:1:0:0:1, 2001:db8::1:0:0:1",
        "2001:0:0:1::, 2001:0:0:1::",
        "1:0:2:0:3:0:4:0, 1:0:2:0:3:0:4:0",
        "::ffff:0:0, ::ffff:0.0.0.0",
        "0:0:0:0:0:ffff:102:304, ::ffff:1.2.3.4",
        "::102:304, ::1.2.3.4",
        "fe80::, fe80::",
        "1::, 1::",
        "0:1::, 0:1::",
        "2001:DB8::A, 2001:db8::a",
        "2001:0db8:0000:0000:0000:0000:0000:0001, 2001:db8::1",
    })
    void formatsIpv6AsGlibcDoes(String written, String expected) {
        assertEquals(expected, IpText.format(IpText.parse(written).orElseThrow()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.-4", "1..2.3", "a.b.c.d", "1.2.3.4 ", "",
        "1:2:3:4:5:6:7:8:9", "1::2::3", "12345::", "::g", "1.2.3.4::", ":::", "1:2:3:4:5:6:7", "fe80::1%eth0"})
    void refusesWhatIsNotALiteral(String text) {
        assertTrue(IpText.parse(text).isEmpty(), text);
    }

    @ParameterizedTest
    @CsvSource({"192.0.2.77, 24, 192.0.2.0", "192.0.2.77, 0, 0.0.0.0", "192.0.2.77, 32, 192.0.2.77",
        "10.255.255.255, 9, 10.128.0.0"})
    void masksAfterThePrefix(String address, int prefix, String network) {
        assertEquals(network, IpText.format(IpText.mask(IpText.parse(address).orElseThrow(), prefix)));
    }

    @org.junit.jupiter.api.Test
    void formatsIpv4AsADottedQuad() {
        assertArrayEquals(new byte[] {10, 0, 0, 1}, IpText.parse("10.0.0.1").orElseThrow());
        assertEquals("10.0.0.1", IpText.format(new byte[] {10, 0, 0, 1}));
        assertEquals("255.255.255.255", IpText.format(new byte[] {-1, -1, -1, -1}));
    }
}
