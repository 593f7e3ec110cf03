package org.postseal.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.postseal.policy.SigningDecision.Outcome;

/**
 * The explanation {@code postseal check} prints: it names the list entry and the table lines (file and line) behind
 * the decision, and its decision is always {@link SigningPolicy#decide}'s, the milter's.
 */
class SigningExplanationTest {
    private static final KeyTable KEYS = KeyTable.of(List.of(
            new KeyTable.Entry("mail", "example.com", "mail", "/keys/mail.private", "/etc/KeyTable:1"),
            new KeyTable.Entry("other", "example.org", "s1", "/keys/other.private", "/etc/KeyTable:2"),
            new KeyTable.Entry("example.net", "example.net", "s2", "/keys/net.private", "/etc/KeyTable:3")));
    private static final SigningTable EXACT = SigningTable.of(List.of(
            new SigningTable.Entry("@example.com", "mail", Optional.empty(), "/etc/SigningTable:1"),
            new SigningTable.Entry("example.org", "other", Optional.empty(), "/etc/SigningTable:2"),
            new SigningTable.Entry("joe@example.org", "other", Optional.of("joe@example.org"), "/etc/SigningTable:3"),
            new SigningTable.Entry("example.net", "%", Optional.empty(), "/etc/SigningTable:4"),
            new SigningTable.Entry("example.biz", "%", Optional.empty(), "/etc/SigningTable:5")));
    private static final SigningPolicy POLICY = SigningPolicy.builder()
            .internalHosts(HostList.of(List.of("127.0.0.1", "192.168.0.0/16", "mail.example.com"))
                    .withSource("file:/etc/TrustedHosts"))
            .peerList(HostList.of(List.of("192.0.2.99")).withSource("file:/etc/PeerList"))
            .tables(KEYS, EXACT).build();

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

    @Test
    void aSignedMessageNamesTheInternalHostsEntryTheSigningTableLineAndTheKeyTableLine() {
        SigningExplanation explanation = POLICY.explain(client("192.168.4.2"), Optional.of("Joe <joe@example.org>"));
        assertEquals(Outcome.SIGN, explanation.decision().outcome());
        assertEquals(List.of(
                "client 192.168.4.2 is in InternalHosts (entry '192.168.0.0/16': file:/etc/TrustedHosts), so its"
                        + " mail may be signed",
                "SigningTable /etc/SigningTable:3 'joe@example.org other:joe@example.org' matches joe@example.org"
                        + " (looked up as 'joe@example.org')",
                "KeyTable /etc/KeyTable:2 'other example.org:s1:/keys/other.private' gives d=example.org s=s1"
                        + " i=joe@example.org, key /keys/other.private"), explanation.reasons());
    }

    @Test
    void theDomainLineDecidesForAnotherUserOfTheDomain() {
        SigningExplanation explanation = POLICY.explain(client("127.0.0.1"), Optional.of("ann@example.org"));
        assertTrue(explanation.reasons().get(1).startsWith("SigningTable /etc/SigningTable:2 'example.org other'"
                + " matches ann@example.org (looked up as 'example.org')"), explanation.reasons().toString());
        assertEquals(POLICY.decide(client("127.0.0.1"), Optional.of("ann@example.org")).signatures(),
                explanation.decision().signatures());
    }

    @Test
    void anUntrustedClientIsRefusedNamingTheListItIsNotIn() {
        SigningExplanation explanation = POLICY.explain(client("203.0.113.5"), Optional.of("joe@example.org"));
        assertEquals(Outcome.EXTERNAL, explanation.decision().outcome());
        assertEquals("not signed: client 203.0.113.5 is not in InternalHosts (127.0.0.1, 192.168.0.0/16,"
                + " mail.example.com: file:/etc/TrustedHosts) and did not authenticate; the entries that are host"
                + " names (mail.example.com) match only the name the MTA reports for a client, and this client has"
                + " none", explanation.reasons().get(0));
        assertTrue(explanation.reasons().get(1).contains("an outside host sending as a domain signed here"));
    }

    @Test
    void anAuthenticatedClientMaySignAndSaysAsWhom() {
        Client joe = client("203.0.113.5").authenticated("PLAIN", "joe");
        SigningExplanation explanation = POLICY.explain(joe, Optional.of("joe@example.org"));
        assertEquals(Outcome.SIGN, explanation.decision().outcome());
        assertEquals("client 203.0.113.5 authenticated (SMTP AUTH as joe), so its mail may be signed",
                explanation.reasons().get(0));
    }

    @Test
    void aClientNamedInInternalHostsIsTakenInByName() {
        SigningExplanation explanation = POLICY.explain(Client.of(ip("198.51.100.1"), "mail.example.com"),
                Optional.of("joe@example.org"));
        assertTrue(explanation.reasons().get(0).contains("(entry 'mail.example.com'"), explanation.toString());
    }

    @Test
    void aPeerIsLeftAlone() {
        SigningExplanation explanation = POLICY.explain(client("192.0.2.99"), Optional.of("joe@example.org"));
        assertEquals(Outcome.PEER, explanation.decision().outcome());
        assertEquals(List.of("client 192.0.2.99 is in PeerList (entry '192.0.2.99': file:/etc/PeerList): its mail"
                + " is not signed"), explanation.reasons());
    }

    @Test
    void noEntryListsTheKeysLookedUpAndTheAtDomainLineThatLooksMeantForIt() {
        SigningExplanation explanation = POLICY.explain(client("127.0.0.1"), Optional.of("joe@mail.example.com"));
        assertEquals(Outcome.NOT_SIGNED, explanation.decision().outcome());
        assertEquals(List.of(
                "client 127.0.0.1 is in InternalHosts (entry '127.0.0.1': file:/etc/TrustedHosts), so its mail may be"
                        + " signed",
                "not signed: no SigningTable line for joe@mail.example.com; the milter looks up, in order:"
                        + " joe@mail.example.com, mail.example.com, joe@.example.com, .example.com, joe@.com, .com,"
                        + " joe@*, *",
                "SigningTable /etc/SigningTable:1 looks meant for joe@mail.example.com, but '@example.com' is never"
                        + " looked up (OpenDKIM looks up user@host, host, user@.parent, .parent, user@* and *), so it"
                        + " never matches; write example.com, or use refile: with *@example.com"),
                explanation.reasons());
    }

    @Test
    void aPatternTableSaysNoPatternMatched() {
        SigningPolicy policy = SigningPolicy.builder().tables(KEYS, SigningTable.ofPatterns(List.of(
                new SigningTable.Entry("example.com", "mail", Optional.empty(), "/etc/SigningTable:1"),
                new SigningTable.Entry("*@example.org", "other", Optional.empty(), "/etc/SigningTable:2")))).build();
        SigningExplanation explanation = policy.explain(client("127.0.0.1"), Optional.of("joe@example.com"));
        assertEquals("not signed: no pattern of the refile: SigningTable matches joe@example.com (2 lines tried in"
                + " order)", explanation.reasons().get(1));
        assertEquals("SigningTable /etc/SigningTable:1 looks meant for joe@example.com, but 'example.com' is matched"
                + " against the whole address user@domain, so it never matches; write *@example.com",
                explanation.reasons().get(2));
        assertTrue(policy.explain(client("127.0.0.1"), Optional.of("joe@example.org")).reasons().get(1)
                .contains("'*@example.org other' matches joe@example.org (refile: pattern)"));
    }

    @Test
    void aPercentKeyNameWithoutItsKeyIsAnErrorNamingTheLine() {
        SigningExplanation explanation = POLICY.explain(client("127.0.0.1"), Optional.of("joe@example.biz"));
        assertEquals(Outcome.ERROR, explanation.decision().outcome());
        assertEquals("cannot sign: SigningTable entry 'example.biz %' names key 'example.biz', which is not in the"
                + " KeyTable (SigningTable /etc/SigningTable:5)", explanation.reasons().get(1));
        assertTrue(POLICY.explain(client("127.0.0.1"), Optional.of("joe@example.net")).decision().signs());
    }

    @Test
    void aClientTakenInByTheMtaListSaysSo() {
        SigningPolicy policy = SigningPolicy.builder().mtas(NameSet.caseSensitive(List.of("ORIGINATING")))
                .tables(KEYS, EXACT).build();
        Client submission = client("203.0.113.5").withMacros(Map.of("daemon_name", "ORIGINATING"));
        assertEquals("client 203.0.113.5 arrives on MTA ORIGINATING, which is in the MTA list, so its mail may be"
                + " signed", policy.explain(submission, Optional.of("x@example.org")).reasons().get(0));
    }

    /** The explanation never tells another story than the decision the milter acts on. */
    @Test
    void itsDecisionIsTheMiltersForEveryCombination() {
        List<Client> clients = List.of(client("127.0.0.1"), client("192.168.1.1"), client("203.0.113.5"),
                client("203.0.113.5").authenticated("LOGIN", "ann"), client("192.0.2.99"),
                Client.of(ip("198.51.100.1"), "mail.example.com"), Client.of(null, ""));
        List<Optional<String>> froms = List.of(Optional.empty(), Optional.of("joe@example.org"),
                Optional.of("ann@example.org"), Optional.of("x@example.com"), Optional.of("x@example.net"),
                Optional.of("x@example.biz"), Optional.of("not an address"), Optional.of("x@sub.example.org"));
        for (Client c : clients) {
            for (Optional<String> from : froms) {
                SigningDecision decided = POLICY.decide(c, from);
                SigningDecision explained = POLICY.explain(c, from).decision();
                assertEquals(decided.toString(), explained.toString(), c + " " + from);
            }
        }
    }
}
