package org.postseal.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.postseal.policy.SigningDecision.Outcome;

class SigningPolicyTest {
    private static final KeyTable KEYS = KeyTable.of(List.of(
            new KeyTable.Entry("mail", "example.com", "mail", "/keys/example.com.private"),
            new KeyTable.Entry("ed", "example.com", "ed", "/keys/example.com.ed25519"),
            new KeyTable.Entry("any", "%", "s1", "/keys/%.private")));
    private static final SigningTable TABLE = SigningTable.ofPatterns(List.of(
            new SigningTable.Entry("*@example.com", "mail", Optional.empty()),
            new SigningTable.Entry("*@example.com", "ed", Optional.empty()),
            new SigningTable.Entry("*@example.com", "mail", Optional.empty()),
            new SigningTable.Entry("*@example.net", "any", Optional.of("@%"))));

    private static InetAddress ip(String literal) {
        try {
            return InetAddress.getByAddress(IpText.parse(literal).orElseThrow());
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    private static Client client(String address) {
        return Client.of(ip(address), "[" + address + "]");
    }

    private static SigningPolicy tables(boolean multiple) {
        return SigningPolicy.builder().internalHosts(HostList.of(List.of("127.0.0.1", "::1", "192.168.0.0/16")))
                .tables(KEYS, TABLE).multipleSignatures(multiple).build();
    }

    @Test
    void signsForAnInternalClient() {
        SigningDecision decision = tables(false).decide(client("192.168.1.9"),
                Optional.of("Joe <joe@example.com>"));
        assertEquals(Outcome.SIGN, decision.outcome());
        assertEquals(List.of(new SignatureRequest("mail", "example.com", "mail", "/keys/example.com.private",
                Optional.empty())), decision.signatures());
        assertEquals("joe@example.com matches SigningTable *@example.com", decision.reason());
        assertEquals("joe@example.com", decision.from().orElseThrow().toString());
    }

    @Test
    void neverSignsForAnUntrustedUnauthenticatedClient() {
        SigningDecision decision = tables(false).decide(client("192.0.2.7"), Optional.of("joe@example.com"));
        assertEquals(Outcome.EXTERNAL, decision.outcome());
        assertFalse(decision.signs());
        assertTrue(decision.signatures().isEmpty());
        assertEquals("client 192.0.2.7 not internal and not authenticated; it sent as example.com, a domain"
                + " signed here", decision.reason());
        assertTrue(decision.notice(), "OpenDKIM logs 'external host ... attempted to send as' at LOG_NOTICE");
    }

    @Test
    void anExternalClientSendingAsAnotherDomainIsNoNotice() {
        SigningDecision decision = tables(false).decide(Client.of(ip("192.0.2.7"), "mx.example.org"),
                Optional.of("joe@example.org"));
        assertEquals("client mx.example.org [192.0.2.7] not internal and not authenticated", decision.reason());
        assertFalse(decision.notice());
    }

    @Test
    void externalIgnoreListSilencesTheNotice() {
        SigningPolicy policy = SigningPolicy.builder().tables(KEYS, TABLE)
                .externalIgnoreList(HostList.of(List.of("192.0.2.0/24"))).build();
        SigningDecision decision = policy.decide(client("192.0.2.7"), Optional.of("joe@example.com"));
        assertEquals(Outcome.EXTERNAL, decision.outcome());
        assertFalse(decision.notice());
    }

    @Test
    void anAuthenticatedClientIsSignedForFromAnywhere() {
        Client client = client("198.51.100.20").authenticated("PLAIN", "joe");
        assertEquals(Outcome.SIGN, tables(false).decide(client, Optional.of("joe@example.com")).outcome());
        Client emptyAuthType = client("198.51.100.20").authenticated("", "joe");
        assertEquals(Outcome.EXTERNAL, tables(false).decide(emptyAuthType, Optional.of("joe@example.com"))
                .outcome(), "OpenDKIM wants {auth_type} set and not empty");
    }

    @Test
    void macroListAndMtaListMakeAClientOriginating() {
        SigningPolicy byMacro = SigningPolicy.builder().tables(KEYS, TABLE)
                .macroList(MacroList.of(List.of(new MacroList.Rule("daemon_name", List.of("ORIGINATING"))))).build();
        Client submission = client("198.51.100.20").withMacros(Map.of("{daemon_name}", "ORIGINATING"));
        assertEquals(Outcome.SIGN, byMacro.decide(submission, Optional.of("joe@example.com")).outcome());
        Client smtpd = client("198.51.100.20").withMacros(Map.of("{daemon_name}", "smtpd"));
        assertEquals(Outcome.EXTERNAL, byMacro.decide(smtpd, Optional.of("joe@example.com")).outcome());

        SigningPolicy byMta = SigningPolicy.builder().tables(KEYS, TABLE)
                .mtas(NameSet.caseSensitive(List.of("MSA"))).build();
        assertEquals(Outcome.SIGN, byMta.decide(client("198.51.100.20").withMacros(Map.of("daemon_name", "MSA")),
                Optional.of("joe@example.com")).outcome());
        assertEquals(Outcome.EXTERNAL, byMta.decide(client("198.51.100.20").withMacros(
                Map.of("daemon_name", "msa")), Optional.of("joe@example.com")).outcome());
    }

    @Test
    void aClientWithoutAddressCountsAsLoopbackAsInOpenDkim() {
        Client local = new Client(Optional.empty(), "localhost", Optional.empty(), Optional.empty(), Map.of());
        assertEquals(Outcome.SIGN, tables(false).decide(local, Optional.of("joe@example.com")).outcome());
        SigningPolicy noLoopback = SigningPolicy.builder().internalHosts(HostList.of(List.of("10.0.0.0/8")))
                .tables(KEYS, TABLE).build();
        assertEquals(Outcome.EXTERNAL, noLoopback.decide(local, Optional.of("joe@example.com")).outcome());
    }

    @Test
    void internalHostsByName() {
        SigningPolicy policy = SigningPolicy.builder().internalHosts(HostList.of(List.of("mail.example.com")))
                .tables(KEYS, TABLE).build();
        assertEquals(Outcome.SIGN, policy.decide(Client.of(ip("192.0.2.7"), "mail.example.com"),
                Optional.of("joe@example.com")).outcome());
    }

    @Test
    void peersAreLeftAlone() {
        SigningPolicy policy = SigningPolicy.builder().peerList(HostList.of(List.of("192.168.5.5"))).tables(KEYS,
                TABLE).internalHosts(HostList.of(List.of("192.168.0.0/16"))).build();
        SigningDecision decision = policy.decide(client("192.168.5.5"), Optional.of("joe@example.com"));
        assertEquals(Outcome.PEER, decision.outcome());
        assertEquals("client 192.168.5.5 is in PeerList", decision.reason());
        assertEquals(Optional.of(decision.outcome()), policy.screen(client("192.168.5.5")).map(
                SigningDecision::outcome));
    }

    @Test
    void screenDecidesWhatTheClientAloneDecides() {
        assertEquals(Optional.empty(), tables(false).screen(client("192.168.1.1")));
        SigningDecision external = tables(false).screen(client("192.0.2.7")).orElseThrow();
        assertEquals(Outcome.EXTERNAL, external.outcome());
        assertEquals("client 192.0.2.7 not internal and not authenticated", external.reason());
    }

    @Test
    void noFromMeansNothingToSignFor() {
        SigningDecision none = tables(false).decide(client("127.0.0.1"), Optional.empty());
        assertEquals(Outcome.UNPARSABLE_FROM, none.outcome());
        assertEquals("message has no From header field", none.reason());
        SigningDecision garbled = tables(false).decide(client("127.0.0.1"), Optional.of(" undisclosed:; "));
        assertEquals(Outcome.UNPARSABLE_FROM, garbled.outcome());
        assertEquals("cannot find an address in From: undisclosed:;", garbled.reason());
    }

    @Test
    void severalFromFieldsAreNeverSignedAndAnExternalClientStaysExternal() {
        SigningDecision two = tables(false).decide(client("127.0.0.1"), List.of("joe@example.com", "ann@example.net"));
        assertEquals(Outcome.UNPARSABLE_FROM, two.outcome());
        assertEquals("message has 2 From header fields (RFC 5322 allows one)", two.reason());
        assertEquals(Outcome.SIGN, tables(false).decide(client("127.0.0.1"), List.of("joe@example.com")).outcome());
        SigningDecision external = tables(false).decide(client("192.0.2.7"),
                List.of("joe@example.com", "joe@example.com"));
        assertEquals(Outcome.EXTERNAL, external.outcome(), "the client is refused first, as with one field");
        assertTrue(external.notice());
    }

    @Test
    void noSigningTableEntry() {
        SigningDecision decision = tables(false).decide(client("127.0.0.1"), Optional.of("joe@example.org"));
        assertEquals(Outcome.NOT_SIGNED, decision.outcome());
        assertEquals("no SigningTable entry for joe@example.org", decision.reason());
    }

    @Test
    void multipleSignaturesSignsWithEveryDistinctMatch() {
        SigningDecision decision = tables(true).decide(client("127.0.0.1"), Optional.of("joe@example.com"));
        assertEquals(List.of("mail", "ed"), decision.signatures().stream().map(SignatureRequest::selector)
                .toList());
    }

    @Test
    void percentKeysAndSigners() {
        SigningDecision decision = tables(false).decide(client("127.0.0.1"), Optional.of("joe@Example.NET"));
        assertEquals(List.of(new SignatureRequest("any", "example.net", "s1", "/keys/example.net.private",
                Optional.of("@example.net"))), decision.signatures());
    }

    /** Issue 8, defect 8a: a From domain is checked before it is put into a % key path (or anything else). */
    @Test
    void aFromDomainThatIsNotADomainNameIsNotSignedAndNeverReachesAKeyPath() {
        SigningTable table = SigningTable.ofPatterns(List.of(new SigningTable.Entry("*", "any", Optional.empty())));
        SigningPolicy policy = SigningPolicy.builder().tables(KEYS, table).build();
        for (String from : List.of("x@../../keys/other", "x@a/b", "x@a..b", "x@" + "a.".repeat(200) + "com")) {
            SigningDecision decision = policy.decide(client("127.0.0.1"), Optional.of(from));
            assertEquals(Outcome.NOT_SIGNED, decision.outcome(), from);
            assertTrue(decision.reason().endsWith("' is not a domain name"), decision.reason());
            assertTrue(decision.reason().length() < 200, decision.reason());
        }
        assertThrows(IllegalArgumentException.class, () -> KEYS.resolve("any", "../../keys/other", Optional.empty()));
        assertEquals(Outcome.SIGN, policy.decide(client("127.0.0.1"), Optional.of("x@mail.example.org")).outcome());
    }

    @Test
    void aPercentKeyNameWithoutKeyTableEntryIsAnError() {
        SigningTable table = SigningTable.ofPatterns(List.of(new SigningTable.Entry("*", "%", Optional.empty())));
        SigningPolicy policy = SigningPolicy.builder().tables(KEYS, table).build();
        SigningDecision decision = policy.decide(client("127.0.0.1"), Optional.of("joe@example.org"));
        assertEquals(Outcome.ERROR, decision.outcome());
        assertEquals("SigningTable entry '* %' names key 'example.org', which is not in the KeyTable",
                decision.reason());
    }

    @Test
    void singleKeySignsTheListedDomains() {
        SigningPolicy policy = SigningPolicy.builder().domainKey(NameSet.of(List.of("Example.com")), "mail",
                "/keys/mail.private").build();
        SigningDecision decision = policy.decide(client("127.0.0.1"), Optional.of("joe@example.com"));
        assertEquals(List.of(new SignatureRequest("KeyFile", "example.com", "mail", "/keys/mail.private",
                Optional.empty())), decision.signatures());
        SigningDecision sub = policy.decide(client("127.0.0.1"), Optional.of("joe@sub.example.com"));
        assertEquals(Outcome.NOT_SIGNED, sub.outcome());
        assertEquals("sub.example.com is not a signing Domain", sub.reason());
    }

    @Test
    void subDomainsSignsForTheListedParent() {
        SigningPolicy policy = SigningPolicy.builder().domainKey(NameSet.of(List.of("example.com")), "mail",
                "/keys/mail.private").subDomains(true).build();
        SigningDecision decision = policy.decide(client("127.0.0.1"), Optional.of("joe@a.b.example.com"));
        assertEquals(List.of(new SignatureRequest("KeyFile", "example.com", "mail", "/keys/mail.private",
                Optional.of("@example.com"))), decision.signatures());
        assertEquals("a.b.example.com is a subdomain of signing Domain example.com", decision.reason());
        assertEquals("neither example.org nor a parent domain is a signing Domain",
                policy.decide(client("127.0.0.1"), Optional.of("joe@example.org")).reason());
    }

    @Test
    void aStarDomainSignsEverything() {
        SigningPolicy policy = SigningPolicy.builder().domainKey(NameSet.of(List.of("*")), "mail", "/k").build();
        assertEquals("anything.example", policy.decide(client("127.0.0.1"), Optional.of("x@anything.example"))
                .signatures().get(0).domain());
    }

    @Test
    void keyFileWithoutDomainSignsNothing() {
        SigningPolicy policy = SigningPolicy.builder().domainKey(NameSet.empty(), "mail", "/k").build();
        SigningDecision decision = policy.decide(client("127.0.0.1"), Optional.of("joe@example.com"));
        assertEquals(Outcome.NOT_SIGNED, decision.outcome());
        assertEquals("no Domain is configured, so KeyFile signs nothing", decision.reason());
        assertEquals("no signing keys are configured (neither KeyTable nor KeyFile)", SigningPolicy.builder()
                .build().decide(client("127.0.0.1"), Optional.of("joe@example.com")).reason());
    }

    @Test
    void aKeySetupIsChosenOnce() {
        SigningPolicy.Builder builder = SigningPolicy.builder().tables(KEYS, TABLE);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> builder.domainKey(NameSet.empty(), "s", "/k"));
        assertTrue(e.getMessage().startsWith("key setup: already KeyTable/SigningTable"), e.getMessage());
    }

    @Test
    void describesClients() {
        assertEquals("mail.example.com [192.0.2.7]", Client.of(ip("192.0.2.7"), "mail.example.com").describe());
        assertEquals("2001:db8::7", Client.of(ip("2001:db8::7"), "[IPv6:2001:db8::7]").describe());
        assertEquals("localhost", Client.of(null, "localhost").describe());
    }
}
