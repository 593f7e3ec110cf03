package org.postseal.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postseal.dkim.SignatureSpec;
import org.postseal.policy.HostList;
import org.postseal.policy.KeyTable;
import org.postseal.policy.MacroList;
import org.postseal.policy.NameSet;
import org.postseal.policy.SigningTable;

class TableFileTest {
    @TempDir
    Path dir;

    private DataSet file(String name, String contents) {
        return DataSet.file(Fixtures.write(dir, name, contents), false, "opendkim.conf:7 (" + name + ")");
    }

    private DataSet refile(String name, String contents) {
        return DataSet.file(Fixtures.write(dir, name, contents), true, "opendkim.conf:8 (" + name + ")");
    }

    private KeyTable keys() {
        return TableFile.keyTable(file("KeyTable", "mail example.com:mail:/keys/mail.private\n"
                + "any %:s1:/keys/%.private\n"), dir, new Warnings());
    }

    @Test
    void readsLinesAsOpenDkimDoes() {
        List<TableFile.Line> lines = TableFile.lines(file("t", "# a comment\n\n  key   value with  spaces  \r\n"
                + "\tkey2\n key3 value # trailing comment\nkey4#no value\n"), new Warnings());
        assertEquals(List.of(
                new TableFile.Line(dir.resolve("t") + ":3", "key", Optional.of("value with  spaces")),
                new TableFile.Line(dir.resolve("t") + ":4", "key2", Optional.empty()),
                new TableFile.Line(dir.resolve("t") + ":5", "key3", Optional.of("value")),
                new TableFile.Line(dir.resolve("t") + ":6", "key4", Optional.empty())), lines);
    }

    @Test
    void listEntriesMayCarryAValueAfterEquals() {
        List<TableFile.Line> lines = TableFile.lines(DataSet.of(List.of("a", "b=c:d", "e = f"), "conf:3"), new Warnings());
        assertEquals(List.of(new TableFile.Line("conf:3 entry 1", "a", Optional.empty()),
                new TableFile.Line("conf:3 entry 2", "b", Optional.of("c:d")),
                new TableFile.Line("conf:3 entry 3", "e", Optional.of("f"))), lines);
    }

    @Test
    void aMissingFileIsAnError() {
        DataSet set = DataSet.file(dir.resolve("nope"), false, "opendkim.conf:3 (KeyTable)");
        assertEquals("opendkim.conf:3 (KeyTable): cannot read " + dir.resolve("nope") + ": no such file",
                assertThrows(ConfigException.class, () -> TableFile.lines(set, new Warnings())).getMessage());
    }

    @Test
    void readsAKeyTable() {
        KeyTable table = TableFile.keyTable(file("KeyTable", "# name  domain:selector:key\n"
                + "mail._domainkey.example.com example.com:mail:/etc/opendkim/keys/example.com/mail.private\n"
                + "wild %:s2024:./keys/%.private\n"
                + "colons example.org:sel:/keys/odd:name.private\n"), dir, new Warnings());
        Path file = dir.resolve("KeyTable");
        assertEquals(List.of(
                new KeyTable.Entry("mail._domainkey.example.com", "example.com", "mail",
                        "/etc/opendkim/keys/example.com/mail.private", file + ":2"),
                new KeyTable.Entry("wild", "%", "s2024", dir.resolve("keys/%.private").toString(), file + ":3"),
                new KeyTable.Entry("colons", "example.org", "sel", "/keys/odd:name.private", file + ":4")),
                table.entries());
    }

    @Test
    void aBadKeyTableLineNamesFileLineAndTheExpectedForm() {
        Path file = dir.resolve("KeyTable");
        for (String line : List.of("lonely", "name example.com:mail", "name example.com::/k", "name :s:/k")) {
            ConfigException e = assertThrows(ConfigException.class, () -> TableFile.keyTable(file("KeyTable",
                    "ok example.com:s:/k\n\n" + line + "\n"), dir, new Warnings()));
            assertEquals(file + ":3: expected \"name domain:selector:keypath\"", e.getMessage(), line);
        }
        assertEquals(file + ":1: domain 'exa mple' is neither a domain name nor %", assertThrows(
                ConfigException.class, () -> TableFile.keyTable(file("KeyTable", "n exa mple:s:/k\n"), dir,
                        new Warnings())).getMessage());
        assertEquals(file + ":1: selector 's!' is not a DNS name", assertThrows(ConfigException.class,
                () -> TableFile.keyTable(file("KeyTable", "n example.com:s!:/k\n"), dir, new Warnings()))
                .getMessage());
        assertTrue(assertThrows(ConfigException.class, () -> TableFile.keyTable(file("KeyTable",
                "n example.com:s:MIICXAIBAAKBgQC\n"), dir, new Warnings())).getMessage().startsWith(file
                        + ":1: key 'MIICXAIBAAKBgQC' is not a file path (expected: a path starting with /, ./ or"
                        + " ../;"));
        assertEquals("opendkim.conf:8 (KeyTable): a KeyTable cannot be a refile: data set (expected: file:)",
                assertThrows(ConfigException.class, () -> TableFile.keyTable(refile("KeyTable", "n d:s:/k\n"),
                        dir, new Warnings())).getMessage());
    }

    @Test
    void aRepeatedKeyNameWarns() {
        Warnings warnings = new Warnings();
        TableFile.keyTable(file("KeyTable", "k example.com:a:/a\nk example.com:b:/b\n"), dir, warnings);
        Path file = dir.resolve("KeyTable");
        assertEquals(List.of(file + ":2: key name 'k' repeats " + file + ":1; the first entry counts"),
                warnings.list());
    }

    @Test
    void readsASigningTable() {
        Warnings warnings = new Warnings();
        SigningTable table = TableFile.signingTable(refile("SigningTable",
                "*@example.com mail\n*@example.net any:joe@%\n"), keys(), warnings);
        assertTrue(table.usesPatterns());
        Path file = dir.resolve("SigningTable");
        assertEquals(List.of(new SigningTable.Entry("*@example.com", "mail", Optional.empty(), file + ":1"),
                new SigningTable.Entry("*@example.net", "any", Optional.of("joe@%"), file + ":2")), table.entries());
        assertTrue(warnings.isEmpty(), warnings.toString());
        assertTrue(TableFile.signingTable(file("SigningTable", "example.com mail\n"), keys(), warnings)
                .lookup("joe", "example.com", false).size() == 1);
    }

    @Test
    void aSigningTableNamingAnUnknownKeyIsAnError() {
        Path file = dir.resolve("SigningTable");
        ConfigException e = assertThrows(ConfigException.class, () -> TableFile.signingTable(file("SigningTable",
                "example.com mail._domainkey.jpistre.fr\n"), keys(), new Warnings()));
        assertEquals(file + ":1: key name 'mail._domainkey.jpistre.fr' is not in the KeyTable (it has mail, any)",
                e.getMessage());
        assertEquals(file + ":2: expected \"pattern keyname[:signer]\"", assertThrows(ConfigException.class,
                () -> TableFile.signingTable(file("SigningTable", "example.com mail\nexample.org\n"), keys(),
                        new Warnings())).getMessage());
        TableFile.signingTable(file("SigningTable", "* %\n"), keys(), new Warnings()); // % is resolved per message
    }

    @Test
    void warnsOfSigningTableKeysThatNeverMatch() {
        Warnings warnings = new Warnings();
        TableFile.signingTable(file("SigningTable", "@example.com mail\n*@example.org mail\n"), keys(), warnings);
        Path plain = dir.resolve("SigningTable");
        assertEquals(List.of(plain + ":1: '@example.com' is never looked up (OpenDKIM looks up user@host, host,"
                + " user@.parent, .parent, user@* and *), so it never matches; write example.com, or use refile:"
                + " with *@example.com", plain + ":2: '*@example.org': * is a wildcard only in a refile:"
                + " SigningTable; here it never matches"), warnings.list());

        Warnings patterns = new Warnings();
        TableFile.signingTable(refile("Patterns", "@example.com mail\nexample.org mail\njo?@example.net mail\n"),
                keys(), patterns);
        Path re = dir.resolve("Patterns");
        assertEquals(List.of(re + ":1: '@example.com' is matched against the whole address user@domain, so it"
                + " never matches; write *@example.com", re + ":2: 'example.org' is matched against the whole"
                + " address user@domain, so it never matches; write *@example.org", re + ":3: 'jo?@example.net'"
                + " uses ?, which OpenDKIM (and postseal) read as regular-expression operators, not as plain"
                + " characters"), patterns.list());
        assertEquals(re + ":1: pattern: (x@y (expected: a wildcard pattern; Unclosed group)", assertThrows(
                ConfigException.class, () -> TableFile.signingTable(refile("Patterns", "(x@y mail\n"), keys(),
                        new Warnings())).getMessage());
    }

    @Test
    void readsHostListsAndWarnsOfDeadEntries() throws Exception {
        Warnings warnings = new Warnings();
        HostList hosts = TableFile.hostList(file("TrustedHosts", "127.0.0.1\n::1\nlocalhost\n192.168.1.0/24\n"
                + "mail.example.com\n.example.org\n127.0.0.1/8\n*.example.com\n10.0.0.1 comment\n"), warnings);
        assertTrue(hosts.matches(InetAddress.getByName("192.168.1.77"), "[192.168.1.77]"));
        assertTrue(hosts.matches(InetAddress.getByName("192.0.2.1"), "mail.example.com"));
        assertTrue(hosts.matches(InetAddress.getByName("10.0.0.1"), ""));
        Path file = dir.resolve("TrustedHosts");
        assertEquals(List.of(
                file + ":7: '127.0.0.1/8' has bits set after the /8 prefix, so it never matches (OpenDKIM compares"
                        + " it with 127.0.0.0/8); write 127.0.0.0/8",
                file + ":8: '*.example.com': * is a wildcard only in a refile: data set; here it never matches",
                file + ":9: 'comment' after the host is ignored"), warnings.list());
    }

    @Test
    void readsRefileHostListsWithTheirQuirk() throws Exception {
        Warnings warnings = new Warnings();
        HostList hosts = TableFile.hostList(refile("TrustedHosts", "*.example.com\nmail*.example.org\n"
                + "192.168.0.1/24\n"), warnings);
        assertTrue(hosts.matches(null, "mail2.example.org"));
        assertEquals(2, warnings.list().size());
        assertTrue(warnings.list().get(1).endsWith(":3: '192.168.0.1/24' has bits set after the /24 prefix, so it"
                + " never matches (OpenDKIM compares it with 192.168.0.0/24); write 192.168.0.0/24"));
        assertTrue(warnings.list().get(0).endsWith(":1: '*.example.com' also matches OpenDKIM's '!host' exclusion"
                + " probe, which is tried first, so it keeps hosts out instead of letting them in (postseal does the"
                + " same); list the hosts without a leading *"), warnings.list().get(0));
    }

    @Test
    void readsNamesAndMacros() {
        NameSet domains = TableFile.nameSet(DataSet.of(List.of("Example.com", "example.org"), "conf:1"), false, new Warnings());
        assertTrue(domains.contains("EXAMPLE.COM"));
        NameSet mtas = TableFile.nameSet(DataSet.of(List.of("MSA"), "conf:1"), true, new Warnings());
        assertTrue(mtas.contains("MSA") && !mtas.contains("msa"));
        assertTrue(TableFile.nameSet(refile("Domains", "*.example.com\n"), false, new Warnings()).contains("a.example.com"));

        MacroList inline = TableFile.macroList(DataSet.of(List.of("daemon_name=ORIGINATING|SUBMISSION",
                "auth_type"), "conf:2"), new Warnings());
        assertEquals("[daemon_name=ORIGINATING|SUBMISSION, auth_type]", inline.rules().toString());
        MacroList fromFile = TableFile.macroList(file("Macros", "daemon_name ORIGINATING\n"), new Warnings());
        assertTrue(fromFile.matches(Map.of("{daemon_name}", "ORIGINATING")));
    }

    /** opendkim.conf(5), OmitHeaders/SignHeaders: a "*" entry makes the list a change to the default list. */
    @Test
    void headerListsAreAListOrAChangeToTheDefaults() {
        assertEquals(List.of("From", "To", "Subject"), TableFile.headerNames(DataSet.of(List.of("From", "To",
                "Subject", "from"), "c"), SignatureSpec.DEFAULT_SIGNED_HEADERS, new Warnings()));
        List<String> delta = TableFile.headerNames(DataSet.of(List.of("*", "-Reply-To", "+List-Unsubscribe-Post",
                "-list-id"), "c"), SignatureSpec.DEFAULT_SIGNED_HEADERS, new Warnings());
        assertTrue(delta.contains("List-Unsubscribe-Post"));
        assertTrue(!delta.contains("Reply-To") && !delta.contains("List-Id"));
        assertEquals(SignatureSpec.DEFAULT_SIGNED_HEADERS.size() - 1, delta.size());
        assertEquals("c entry 1: 'Bad:Name' is not a header field name", assertThrows(ConfigException.class,
                () -> TableFile.headerNames(DataSet.of(List.of("Bad:Name"), "c"), List.of(), new Warnings())).getMessage());
    }

    /** Issue 8, defect 7: a byte-order mark made the first entry's key "\uFEFF*@example.com", which never matched. */
    @Test
    void aByteOrderMarkIsSkippedWithAWarningNamingTheFile() {
        Warnings warnings = new Warnings();
        SigningTable table = TableFile.signingTable(refile("SigningTable", "\uFEFF*@example.com mail\n"), keys(),
                warnings);
        assertEquals("*@example.com", table.entries().get(0).key());
        assertEquals(List.of(dir.resolve("SigningTable") + ": starts with a UTF-8 byte-order mark; skipped"),
                warnings.list());
        assertEquals("mail", table.lookup("joe", "example.com", false).get(0).keyName());
    }

    @Test
    void aTableThatIsNotARegularFileIsRefusedBeforeItIsRead() {
        ConfigException e = assertThrows(ConfigException.class, () -> TableFile.lines(DataSet.file(
                Path.of("/dev/zero"), false, "opendkim.conf:9 (KeyTable)"), new Warnings()));
        assertEquals("opendkim.conf:9 (KeyTable): cannot read /dev/zero: is not a regular file (a device, FIFO or"
                + " socket), not a table file", e.getMessage());
    }

    /**
     * {@code postseal check} reads tables with the same code and warnings that collect errors: every bad line is
     * reported, each with its file and line, and the good lines are kept.
     */
    @Test
    void collectingErrorsReportsEveryBadLineAndKeepsTheGoodOnes() {
        Warnings warnings = Warnings.collectingErrors();
        KeyTable keys = TableFile.keyTable(file("KeyTable", "bad\nmail example.com:mail:/keys/mail.private\n"
                + "worse example.com::/k\n"), dir, warnings);
        SigningTable table = TableFile.signingTable(file("SigningTable", "@example.com mail._domainkey.jpistre.fr\n"
                + "example.com mail\nexample.org\n"), keys, warnings);
        Path keyFile = dir.resolve("KeyTable");
        Path signingFile = dir.resolve("SigningTable");
        assertEquals(List.of(keyFile + ":1: expected \"name domain:selector:keypath\"",
                keyFile + ":3: expected \"name domain:selector:keypath\"",
                signingFile + ":1: key name 'mail._domainkey.jpistre.fr' is not in the KeyTable (it has mail)",
                signingFile + ":3: expected \"pattern keyname[:signer]\""), warnings.errors());
        assertEquals(List.of("mail"), keys.entries().stream().map(KeyTable.Entry::name).toList());
        assertEquals(List.of(signingFile + ":2"), table.entries().stream().map(SigningTable.Entry::where).toList());
        assertTrue(warnings.list().get(0).startsWith(signingFile + ":1: '@example.com' is never looked up"),
                "a line with an error is warned about too: " + warnings.list());
    }

    @Test
    void aMistypedKeyNameAmongSeveralSuggestsTheClosest() {
        KeyTable keys = TableFile.keyTable(file("KeyTable", "mail._domainkey.example.com example.com:mail:/k/a\n"
                + "mail._domainkey.example.org example.org:mail:/k/b\n"), dir, new Warnings());
        ConfigException e = assertThrows(ConfigException.class, () -> TableFile.signingTable(file("SigningTable",
                "example.org mail._domainkey.exmaple.org\n"), keys, new Warnings()));
        assertEquals(dir.resolve("SigningTable") + ":1: key name 'mail._domainkey.exmaple.org' is not in the KeyTable"
                + " (it has mail._domainkey.example.com, mail._domainkey.example.org); did you mean"
                + " 'mail._domainkey.example.org'?", e.getMessage());
    }
}
