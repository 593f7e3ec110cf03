package org.postseal.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Lookup order and matching, as {@code dkimf_apply_signtable} does them. The cases marked "opendkim -t" were run
 * through OpenDKIM 2.11 (Debian 12) in test mode with the same tables, and signed (or not) as asserted.
 */
class SigningTableTest {

    private static SigningTable.Entry entry(String key, String keyName) {
        return new SigningTable.Entry(key, keyName, Optional.empty());
    }

    private static List<String> keyNames(List<SigningTable.Match> matches) {
        return matches.stream().map(SigningTable.Match::keyName).toList();
    }

    @Test
    void exactKeysAreLookedUpInOpenDkimsOrder() {
        assertEquals(List.of("joe@mail.example.com", "mail.example.com", "joe@.example.com", ".example.com",
                "joe@.com", ".com", "joe@*", "*"), SigningTable.lookupOrder("joe", "mail.example.com"));
    }

    @Test
    void eachLevelOfTheOrderIsFound() {
        for (String key : SigningTable.lookupOrder("joe", "mail.example.com")) {
            SigningTable table = SigningTable.of(List.of(entry(key, "k")));
            assertEquals(List.of("k"), keyNames(table.lookup("joe", "mail.example.com", false)), key);
        }
    }

    /** opendkim -t: "@example.com" is never a lookup key; "example.com" is not a parent of itself. */
    @Test
    void keysOutsideTheOrderNeverMatch() {
        for (String key : List.of("@example.com", "*@example.com", ".example.com", "joe@.example.com",
                "sub.example.com", "ann@example.com", "example")) {
            SigningTable table = SigningTable.of(List.of(entry(key, "k")));
            assertTrue(table.lookup("joe", "example.com", true).isEmpty(), key);
        }
    }

    /** opendkim -t: "example.com" does not cover joe@sub.example.com; ".example.com" does, but not the apex. */
    @Test
    void aDomainKeyCoversOnlyItselfAndADotKeyOnlyItsSubdomains() {
        SigningTable exact = SigningTable.of(List.of(entry("example.com", "k")));
        assertEquals(1, exact.lookup("joe", "example.com", false).size());
        assertTrue(exact.lookup("joe", "sub.example.com", false).isEmpty());
        SigningTable dot = SigningTable.of(List.of(entry(".example.com", "k")));
        assertEquals(1, dot.lookup("joe", "sub.example.com", false).size());
        assertTrue(dot.lookup("joe", "example.com", false).isEmpty());
    }

    /** opendkim -t: "EXAMPLE.COM" matched Joe@Example.com. */
    @Test
    void exactKeysIgnoreCase() {
        SigningTable table = SigningTable.of(List.of(entry("EXAMPLE.COM", "k"), entry("Joe@Example.COM", "j")));
        assertEquals(List.of("j", "k"), keyNames(table.lookup("JOE", "example.com", true)));
    }

    /** opendkim -t: only the first match without MultipleSignatures, each in lookup order with it. */
    @Test
    void firstMatchUnlessMultipleSignatures() {
        SigningTable table = SigningTable.of(List.of(entry("*", "any"), entry("joe@*", "joe-any"),
                entry(".com", "dot-com"), entry("joe@.com", "joe-dot-com"), entry("example.com", "domain"),
                entry("joe@example.com", "joe")));
        assertEquals(List.of("joe"), keyNames(table.lookup("joe", "example.com", false)));
        assertEquals(List.of("joe", "domain", "joe-dot-com", "dot-com", "joe-any", "any"),
                keyNames(table.lookup("joe", "example.com", true)));
        assertEquals(List.of("domain", "dot-com", "any"), keyNames(table.lookup("ann", "example.com", true)));
    }

    /** opendkim -t: of two lines with the same key the first counts, with or without MultipleSignatures. */
    @Test
    void aRepeatedExactKeyCountsOnce() {
        SigningTable table = SigningTable.of(List.of(entry("example.com", "first"), entry("example.com", "second")));
        assertEquals(List.of("first"), keyNames(table.lookup("joe", "example.com", true)));
    }

    @Test
    void anExactTableIgnoresNonAsciiAddressesAsOpenDkimDoes() {
        SigningTable table = SigningTable.of(List.of(entry("*", "any"), entry("example.com", "k")));
        assertEquals(List.of("k", "any"), keyNames(table.lookup("jos\u00e9", "example.com", true)),
                "only the keys holding the local part are skipped");
        SigningTable patterns = SigningTable.ofPatterns(List.of(entry("*@example.com", "k")));
        assertEquals(List.of("k"), keyNames(patterns.lookup("jos\u00e9", "example.com", false)));
    }

    /** opendkim -t: refile lines in file order; MultipleSignatures takes every matching line. */
    @Test
    void patternsAreTriedInFileOrder() {
        SigningTable table = SigningTable.ofPatterns(List.of(entry("*@example.com", "k1"),
                entry("*example.com", "k2"), entry("joe@*", "k3")));
        assertEquals(List.of("k1"), keyNames(table.lookup("joe", "example.com", false)));
        assertEquals(List.of("k1", "k2", "k3"), keyNames(table.lookup("joe", "example.com", true)));
        assertEquals(List.of("k2", "k3"), keyNames(table.lookup("joe", "sub.example.com", true)));
        assertEquals(List.of("k1", "k2"), keyNames(table.lookup("ann", "example.com", true)));
        assertTrue(table.usesPatterns());
    }

    /** opendkim.conf(5): % alone as key name is the From domain; every % in the signer too. */
    @Test
    void percentIsReplacedInTheKeyNameAndTheSigner() {
        SigningTable table = SigningTable.ofPatterns(List.of(
                new SigningTable.Entry("*@*", "%", Optional.of("joe@%"))));
        SigningTable.Match match = table.lookup("joe", "example.net", false).get(0);
        assertEquals("example.net", match.keyName());
        assertEquals(Optional.of("joe@example.net"), match.signer());
        assertEquals("%", match.entry().keyName());
    }
}
