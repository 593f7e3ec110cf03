package org.postseal.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataSetTest {
    @TempDir
    Path dir;

    private DataSet parse(String spec, Warnings warnings) {
        return DataSet.parse(spec, dir, "opendkim.conf:9 (X)", warnings);
    }

    @Test
    void readsTheKindsOpenDkimNames() {
        Warnings warnings = new Warnings();
        assertEquals(DataSet.Kind.FILE, parse("/etc/opendkim/KeyTable", warnings).kind());
        assertEquals(Optional.of(Path.of("/etc/opendkim/KeyTable")), parse("file:/etc/opendkim/KeyTable", warnings)
                .file());
        DataSet refile = parse("refile:/etc/opendkim/SigningTable", warnings);
        assertEquals(DataSet.Kind.REFILE, refile.kind());
        assertEquals("refile:/etc/opendkim/SigningTable", refile.toString());
        assertEquals(Optional.of(dir.resolve("tables/KeyTable")), parse("file:tables/KeyTable", warnings).file());
        assertEquals(List.of("127.0.0.1", "::1", "10.0.0.0/8"), parse("csl:127.0.0.1,::1, 10.0.0.0/8", warnings)
                .entries());
        assertTrue(warnings.isEmpty());
    }

    /** opendkim(8): any other string is a comma-separated list; dkimf_db_open looks for a colon before a comma. */
    @Test
    void anythingElseIsACommaSeparatedList() {
        Warnings warnings = new Warnings();
        assertEquals(List.of("192.168.0.0/16", "10.0.0.0/8", "172.16.0.0/12"),
                parse("192.168.0.0/16, 10.0.0.0/8, 172.16.0.0/12", warnings).entries());
        assertEquals(List.of("127.0.0.1", "::1"), parse("127.0.0.1, ::1", warnings).entries());
        assertEquals(List.of("::1"), parse("::1", warnings).entries(), "OpenDKIM would refuse ::1 here");
        assertEquals(List.of("2001:db8::/32"), parse("2001:db8::/32", warnings).entries());
        assertEquals(List.of("localhost"), parse("localhost", warnings).entries());
        assertEquals(DataSet.Kind.LIST, parse("From,To,Subject", warnings).kind());
    }

    @Test
    void aRelativePathNamingAFileIsReadAsAFileWithAWarning() {
        Fixtures.write(dir, "KeyTable", "k example.com:s:/k\n");
        Warnings warnings = new Warnings();
        DataSet set = parse("KeyTable", warnings);
        assertEquals(DataSet.Kind.FILE, set.kind());
        assertEquals(List.of("opendkim.conf:9 (X): 'KeyTable' is read as a file; OpenDKIM reads a relative path"
                + " without file: as a list of one entry (write file:KeyTable to be clear)"), warnings.list());
    }

    @Test
    void refusesDatabasesAndUnknownTypes() {
        assertEquals("opendkim.conf:9 (X): 'ldap:' data sets are not supported by postseal (expected: file:,"
                + " refile:, csl: or a path)", assertThrows(ConfigException.class,
                        () -> parse("ldap://ldap.example.com/dc=example", new Warnings())).getMessage());
        assertEquals("opendkim.conf:9 (X): 'fiel:/etc/x': unknown data set type 'fiel:' (expected: file:, refile:,"
                + " csl: or a path)", assertThrows(ConfigException.class,
                        () -> parse("fiel:/etc/x", new Warnings())).getMessage());
        assertEquals("opendkim.conf:9 (X): 'refile:': no file name after refile:", assertThrows(
                ConfigException.class, () -> parse("refile:", new Warnings())).getMessage());
    }
}
