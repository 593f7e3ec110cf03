package org.postseal.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What {@code postseal check} lists without a From address: the rules, and what in the tables never decides. */
class SigningCoverageTest {
    private static final KeyTable KEYS = KeyTable.of(List.of(
            new KeyTable.Entry("mail", "example.com", "mail", "/keys/mail.private", "/etc/KeyTable:1"),
            new KeyTable.Entry("old", "example.com", "2019", "/keys/old.private", "/etc/KeyTable:2"),
            new KeyTable.Entry("net", "example.net", "s1", "/keys/net.private", "/etc/KeyTable:3")));

    @Test
    void anEarlierPatternThatMatchesEverythingALaterOneDoesShadowsIt() {
        SigningTable table = SigningTable.ofPatterns(List.of(
                new SigningTable.Entry("*@example.com", "mail", Optional.empty(), "/etc/SigningTable:1"),
                new SigningTable.Entry("joe@example.com", "old", Optional.empty(), "/etc/SigningTable:2"),
                new SigningTable.Entry("*@*.example.net", "net", Optional.empty(), "/etc/SigningTable:3"),
                new SigningTable.Entry("*@example.net", "net", Optional.empty(), "/etc/SigningTable:4")));
        SigningCoverage coverage = SigningCoverage.of(SigningPolicy.builder().tables(KEYS, table).build());

        assertEquals(List.of(true, false, true, true), coverage.rules().stream().map(SigningCoverage.Rule::canMatch)
                .toList());
        assertEquals(List.of(
                "/etc/SigningTable:2: 'joe@example.com' never decides: every address it matches is matched first by"
                        + " '*@example.com' (/etc/SigningTable:1), and only the first match counts without"
                        + " MultipleSignatures",
                "/etc/KeyTable:2: key 'old' is never used: no SigningTable line that can match names it"),
                coverage.warnings());
        assertEquals("From addresses matching *@example.com", coverage.rules().get(0).covers());
        assertEquals("/etc/KeyTable:1", coverage.rules().get(0).key().orElseThrow().where());
    }

    @Test
    void withMultipleSignaturesEveryMatchSignsSoNothingIsShadowed() {
        SigningTable table = SigningTable.ofPatterns(List.of(
                new SigningTable.Entry("*@example.com", "mail", Optional.empty(), "/etc/SigningTable:1"),
                new SigningTable.Entry("*@example.com", "old", Optional.empty(), "/etc/SigningTable:2"),
                new SigningTable.Entry("*", "net", Optional.empty(), "/etc/SigningTable:3")));
        SigningCoverage coverage = SigningCoverage.of(SigningPolicy.builder().tables(KEYS, table)
                .multipleSignatures(true).build());
        assertTrue(coverage.rules().stream().allMatch(SigningCoverage.Rule::canMatch));
        assertEquals(List.of(), coverage.warnings());
    }

    @Test
    void anExactTableSaysWhatEachKeyCoversAndWhichNeverMatch() {
        SigningTable table = SigningTable.of(List.of(
                new SigningTable.Entry("@example.com", "mail", Optional.empty(), "/etc/SigningTable:1"),
                new SigningTable.Entry("joe@example.com", "old", Optional.empty(), "/etc/SigningTable:2"),
                new SigningTable.Entry(".example.net", "net", Optional.empty(), "/etc/SigningTable:3"),
                new SigningTable.Entry("*", "net", Optional.empty(), "/etc/SigningTable:4")));
        SigningCoverage coverage = SigningCoverage.of(SigningPolicy.builder().tables(KEYS, table).build());
        List<SigningCoverage.Rule> rules = coverage.rules();
        assertTrue(rules.get(0).neverMatches().orElseThrow().startsWith("'@example.com' is never looked up"));
        assertEquals("mail from joe at example.com", rules.get(1).covers());
        assertEquals("mail from any address at any subdomain of example.net", rules.get(2).covers());
        assertEquals("mail from any address (the last resort)", rules.get(3).covers());
        assertEquals(List.of("/etc/KeyTable:1: key 'mail' is never used: no SigningTable line that can match names"
                + " it"), coverage.warnings());
    }

    @Test
    void tablesWhoseEveryLineNeverMatchesSignNothing() {
        SigningTable table = SigningTable.of(List.of(
                new SigningTable.Entry("@example.com", "mail", Optional.empty(), "/etc/SigningTable:1")));
        SigningCoverage coverage = SigningCoverage.of(SigningPolicy.builder().tables(KEYS, table).build());
        assertTrue(coverage.warnings().contains("no rule can ever match: nothing will be signed"));
    }

    @Test
    void keysNamedLikeADomainAreReachedByAPercentLine() {
        KeyTable keys = KeyTable.of(List.of(new KeyTable.Entry("example.com", "%", "mail", "/keys/%.private")));
        SigningTable table = SigningTable.ofPatterns(List.of(new SigningTable.Entry("*", "%", Optional.empty())));
        SigningCoverage coverage = SigningCoverage.of(SigningPolicy.builder().tables(keys, table).build());
        assertEquals(List.of(), coverage.warnings());
        assertTrue(coverage.rules().get(0).key().isEmpty(), "the key depends on the From domain");
    }

    @Test
    void localMailLeftOutOfInternalHostsIsWarnedAbout() {
        SigningTable table = SigningTable.of(List.of(new SigningTable.Entry("example.com", "mail", Optional.empty())));
        SigningPolicy seedLike = SigningPolicy.builder()
                .internalHosts(HostList.of(List.of("mail.example.com")).withSource("file:/etc/opendkim/TrustedHosts"))
                .tables(KEYS, table).build();
        assertEquals(Optional.of("InternalHosts (file:/etc/opendkim/TrustedHosts) does not take in localhost"
                + " [127.0.0.1], which is how Postfix presents mail from this machine (its sendmail command,"
                + " non_smtpd_milters, local web applications): that mail is not signed unless it authenticates;"
                + " add 127.0.0.1 and ::1 to the list"), SigningCoverage.localMailWarning(seedLike));
        assertFalse(SigningCoverage.localMailWarning(SigningPolicy.builder().tables(KEYS, table).build()).isPresent(),
                "OpenDKIM's default InternalHosts takes it in");
        assertFalse(SigningCoverage.localMailWarning(SigningPolicy.builder()
                .internalHosts(HostList.of(List.of("localhost"))).tables(KEYS, table).build()).isPresent());
    }

    @Test
    void theDomainListIsOneRule() {
        SigningPolicy policy = SigningPolicy.builder().domainKey(NameSet.of(List.of("example.com")), "mail",
                "/keys/mail.private").subDomains(true).build();
        SigningCoverage.Rule rule = SigningCoverage.of(policy).rules().get(0);
        assertEquals("mail from the Domain list and its subdomains (SubDomains)", rule.covers());
        assertEquals("mail", rule.key().orElseThrow().selector());
    }
}
