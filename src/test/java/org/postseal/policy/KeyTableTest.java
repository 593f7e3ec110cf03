package org.postseal.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class KeyTableTest {
    private final KeyTable table = KeyTable.of(List.of(
            new KeyTable.Entry("mail._domainkey.example.com", "example.com", "mail", "/etc/dkim/example.private"),
            new KeyTable.Entry("default", "%", "s2024", "/etc/dkim/%/s2024.private"),
            new KeyTable.Entry("upper", "EXAMPLE.ORG", "sel", "/k"),
            new KeyTable.Entry("default", "ignored.example", "x", "/ignored")));

    @Test
    void resolvesAFixedEntry() {
        SignatureRequest request = table.resolve("mail._domainkey.example.com", "example.com", Optional.empty())
                .orElseThrow();
        assertEquals(new SignatureRequest("mail._domainkey.example.com", "example.com", "mail",
                "/etc/dkim/example.private", Optional.empty()), request);
    }

    /** opendkim.conf(5), KeyTable: % alone as the domain is the sender's domain; % in the key path too. */
    @Test
    void percentStandsForTheFromDomainInTheDomainAndTheKeyPath() {
        SignatureRequest request = table.resolve("default", "example.net", Optional.empty()).orElseThrow();
        assertEquals("example.net", request.domain());
        assertEquals("s2024", request.selector());
        assertEquals("/etc/dkim/example.net/s2024.private", request.keyFile());
    }

    @Test
    void theFirstOfTwoEntriesWithTheSameNameCounts() {
        assertEquals("s2024", table.get("default").orElseThrow().selector());
        assertEquals(4, table.entries().size());
    }

    @Test
    void namesAreCaseSensitiveAsInOpenDkim() {
        assertTrue(table.contains("default"));
        assertFalse(table.contains("Default"));
        assertTrue(table.resolve("DEFAULT", "example.com", Optional.empty()).isEmpty());
    }

    @Test
    void domainsAreLowerCased() {
        assertEquals("example.org", table.resolve("upper", "x.test", Optional.empty()).orElseThrow().domain());
    }

    @Test
    void anIdentityOutsideTheSigningDomainIsLeftOut() {
        assertEquals(Optional.of("joe@example.com"),
                table.resolve("mail._domainkey.example.com", "example.com", Optional.of("joe@example.com"))
                        .orElseThrow().identity());
        assertEquals(Optional.of("@lists.example.com"),
                table.resolve("mail._domainkey.example.com", "example.com", Optional.of("@lists.example.com"))
                        .orElseThrow().identity());
        assertEquals(Optional.empty(),
                table.resolve("mail._domainkey.example.com", "example.com", Optional.of("joe@example.org"))
                        .orElseThrow().identity());
        assertEquals(Optional.empty(),
                table.resolve("mail._domainkey.example.com", "example.com", Optional.of("joe@badexample.com"))
                        .orElseThrow().identity());
    }

    @Test
    void refusesEmptyFields() {
        assertThrows(IllegalArgumentException.class, () -> new KeyTable.Entry("k", "", "s", "/k"));
        assertThrows(IllegalArgumentException.class, () -> new KeyTable.Entry("k", "d", "s", ""));
    }
}
