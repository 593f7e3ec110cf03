package org.postseal.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HostListTest {

    private static InetAddress ip(String literal) {
        try {
            return InetAddress.getByAddress(IpText.parse(literal).orElseThrow());
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    private static boolean address(HostList list, String literal) {
        return list.matches(ip(literal), "[" + literal + "]");
    }

    @Test
    void defaultInternalHostsAreTheLoopbackAddresses() {
        assertTrue(address(HostList.DEFAULT_INTERNAL, "127.0.0.1"));
        assertTrue(address(HostList.DEFAULT_INTERNAL, "::1"));
        assertFalse(address(HostList.DEFAULT_INTERNAL, "127.0.0.2"));
        assertFalse(address(HostList.DEFAULT_INTERNAL, "192.0.2.7"));
        assertFalse(HostList.DEFAULT_INTERNAL.matches(null, "localhost"));
    }

    /** opendkim.conf(5), PeerList: "192.168.1.1" matches before "!192.168.1.0/24", whatever the order. */
    @Test
    void theMostSpecificEntryWinsWhateverTheOrder() {
        for (List<String> entries : List.of(List.of("192.168.1.1", "!192.168.1.0/24", "192.168.0.0/16"),
                List.of("192.168.0.0/16", "!192.168.1.0/24", "192.168.1.1"))) {
            HostList list = HostList.of(entries);
            assertTrue(address(list, "192.168.1.1"), entries.toString());
            assertFalse(address(list, "192.168.1.2"), entries.toString());
            assertTrue(address(list, "192.168.2.9"), entries.toString());
            assertFalse(address(list, "10.0.0.1"), entries.toString());
        }
    }

    @Test
    void anExclusionWinsOverAnInclusionOfTheSameBlock() {
        HostList list = HostList.of(List.of("10.0.0.0/8", "!10.0.0.0/8"));
        assertFalse(address(list, "10.1.2.3"));
        assertFalse(address(HostList.of(List.of("!192.0.2.7", "192.0.2.7")), "192.0.2.7"));
    }

    @ParameterizedTest
    @CsvSource({
        "0.0.0.0/0, 203.0.113.9, true",
        "192.0.2.0/24, 192.0.2.255, true",
        "192.0.2.0/24, 192.0.3.0, false",
        "192.0.2.128/25, 192.0.2.127, false",
        "192.0.2.128/25, 192.0.2.200, true",
        "[192.0.2.7], 192.0.2.7, true",
        "[192.0.2.0]/24, 192.0.2.7, true",
        "192.0.2.7/32, 192.0.2.7, true",
        "2001:db8::/32, 2001:db8:1::5, true",
        "2001:db8::/32, 2001:db9::5, false",
        "2001:db8::/32, 192.0.2.7, false",
        "::/0, 2001:db8::1, true",
        "::/0, 192.0.2.7, false",
        "[2001:db8::1], 2001:db8::1, true",
        "2001:DB8::1, 2001:db8::1, true",
        "2001:0db8:0:0:0:0:0:1, 2001:db8::1, true",
        "2001:db8::/127, 2001:db8::1, true",
        "2001:db8::/127, 2001:db8::2, false",
        "::ffff:192.0.2.0/120, ::ffff:192.0.2.9, true",
        "::ffff:192.0.2.0/120, 192.0.2.9, true",
        "192.0.2.0/24, ::ffff:192.0.2.9, true",
    })
    void matchesAddressesAndBlocks(String entry, String client, boolean expected) {
        assertEquals(expected, address(HostList.of(List.of(entry)), client), entry + " vs " + client);
    }

    @Test
    void ipv6ExclusionsCarveBlocks() {
        HostList list = HostList.of(List.of("2001:db8::/32", "!2001:db8:bad::/48"));
        assertTrue(address(list, "2001:db8:1::1"));
        assertFalse(address(list, "2001:db8:bad::1"));
    }

    @Test
    void aBlockWithHostBitsSetNeverMatchesAsInOpenDkim() {
        HostList list = HostList.of(List.of("127.0.0.1/8"));
        assertFalse(address(list, "127.0.0.1"));
        assertFalse(address(list, "127.0.0.2"));
        assertEquals(Optional.of("'127.0.0.1/8' has bits set after the /8 prefix, so it never matches (OpenDKIM"
                + " compares it with 127.0.0.0/8); write 127.0.0.0/8"), HostList.problem("127.0.0.1/8"));
    }

    @Test
    void hostNamesMatchWholeAndDomainsMatchBelowThemselves() {
        HostList list = HostList.of(List.of("mail.example.com", ".example.org"));
        assertTrue(list.matches(null, "mail.example.com"));
        assertTrue(list.matches(null, "MAIL.Example.COM"));
        assertTrue(list.matches(null, "mail.example.com."));
        assertFalse(list.matches(null, "other.example.com"));
        assertFalse(list.matches(null, "example.com"));
        assertTrue(list.matches(null, "a.b.example.org"));
        assertFalse(list.matches(null, "example.org"), ".example.org does not cover example.org itself");
        assertFalse(HostList.of(List.of("example.com")).matches(null, "mail.example.com"));
    }

    @Test
    void nameExclusionsWinAtTheirLevel() {
        HostList list = HostList.of(List.of(".example.com", "!bad.example.com"));
        assertTrue(list.matches(null, "good.example.com"));
        assertFalse(list.matches(null, "bad.example.com"));
        assertTrue(list.matches(null, "x.bad.example.com"), "x.bad.example.com is not bad.example.com");
        assertFalse(HostList.of(List.of("!.example.com", "mail.example.com")).matches(null, "x.example.com"));
        assertTrue(HostList.of(List.of("!.example.com", "mail.example.com")).matches(null, "mail.example.com"));
    }

    /** dkimf_checkhost and dkimf_checkip are or-ed: an exclusion by name does not keep out a listed address. */
    @Test
    void namesAndAddressesAreCheckedSeparately() {
        HostList list = HostList.of(List.of("!mail.example.com", "192.0.2.0/24"));
        assertTrue(list.matches(ip("192.0.2.7"), "mail.example.com"));
        HostList byName = HostList.of(List.of("mail.example.com", "!192.0.2.7"));
        assertTrue(byName.matches(ip("192.0.2.7"), "mail.example.com"));
        assertFalse(byName.matches(ip("192.0.2.7"), "[192.0.2.7]"));
    }

    @Test
    void aBracketedHostNameIsNotLookedUpAsAName() {
        assertFalse(HostList.of(List.of(".7]")).matches(ip("192.0.2.7"), "[192.0.2.7]"));
        assertTrue(HostList.of(List.of("[192.0.2.7]")).matches(ip("192.0.2.7"), "[192.0.2.7]"));
    }

    @Test
    void emptyListMatchesNothing() {
        assertFalse(address(HostList.empty(), "127.0.0.1"));
        assertFalse(HostList.empty().matches(null, null));
        assertTrue(HostList.empty().isEmpty());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "*.example.com|'*.example.com': * is a wildcard only in a refile: data set; here it never matches",
        "192.168.1|'192.168.1' is not an IP address or CIDR block that OpenDKIM understands (write a.b.c.d, a.b.c.d/n"
            + " or an IPv6 address); it never matches",
        "300.1.1.1|'300.1.1.1' is not an IP address or CIDR block that OpenDKIM understands (write a.b.c.d, a.b.c.d/n"
            + " or an IPv6 address); it never matches",
        "10.0.0.0/33|'10.0.0.0/33': a prefix longer than 32 bits never matches",
        "2001:0db8::1|'2001:0db8::1' is read as 2001:db8::1 (OpenDKIM matches only that spelling)",
        "::ffff:192.0.2.0/120|'::ffff:192.0.2.0/120' is read as 192.0.2.0/24 (Java presents IPv4-mapped client"
            + " addresses as IPv4 ones)",
    })
    void explainsEntriesThatDoNotDoWhatTheySeem(String entry, String problem) {
        assertEquals(Optional.of(problem), HostList.problem(entry));
    }

    @Test
    void plainEntriesHaveNoProblem() {
        for (String entry : List.of("127.0.0.1", "::1", "10.0.0.0/8", "!192.0.2.0/24", "mail.example.com",
                ".example.com", "localhost", "[192.0.2.1]", "2001:db8::/32", "2001:DB8::/32")) {
            assertEquals(Optional.empty(), HostList.problem(entry), entry);
        }
    }

    @Test
    void refilePatternsAreTriedOnTheSameProbes() {
        HostList list = HostList.ofPatterns(List.of("mail*.example.com", "192.0.2.*"));
        assertTrue(list.matches(null, "mail1.example.com"));
        assertFalse(list.matches(null, "smtp.example.com"));
        assertTrue(address(list, "192.0.2.77"));
    }

    /** OpenDKIM also tries the pattern on "!name", which "*..." matches first: such a pattern keeps hosts out. */
    @Test
    void refilePatternsStartingWithAStarExcludeAsInOpenDkim() {
        HostList list = HostList.ofPatterns(List.of("*.example.com", "192.0.2.0/24"));
        assertFalse(list.matches(null, "mail.example.com"));
        assertTrue(address(list, "192.0.2.7"));
    }

    /** {@code postseal check} names the entry that let a client in, as OpenDKIM's probes spell it. */
    @Test
    void matchingNamesTheEntryThatLetsTheClientIn() {
        HostList list = HostList.of(List.of("127.0.0.1", "10.0.0.0/8", "!10.1.0.0/16", ".example.com", "::1"));
        assertEquals(Optional.of("127.0.0.1"), list.matching(ip("127.0.0.1"), "localhost"));
        assertEquals(Optional.of("10.0.0.0/8"), list.matching(ip("10.2.3.4"), "[10.2.3.4]"));
        assertEquals(Optional.empty(), list.matching(ip("10.1.3.4"), "[10.1.3.4]"));
        assertEquals(Optional.of(".example.com"), list.matching(ip("192.0.2.1"), "mail.example.com"));
        assertEquals(Optional.of("::1"), list.matching(ip("::1"), ""));
        assertEquals(Optional.empty(), list.matching(null, ""));
        assertEquals("", list.source());
        assertEquals("file:/etc/TrustedHosts", list.withSource("file:/etc/TrustedHosts").source());
        assertTrue(list.withSource("x").matches(ip("10.2.3.4"), ""), "the source changes nothing else");
    }
}
