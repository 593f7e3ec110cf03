package org.postseal.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.postseal.fuzz.FuzzSupport;
import org.postseal.policy.HostList;
import org.postseal.policy.KeyTable;
import org.postseal.policy.SigningTable;
import org.postseal.policy.WildcardPattern;

/**
 * Fuzzes the readers of OpenDKIM's tables, the files an administrator moving from OpenDKIM already has: KeyTable,
 * SigningTable (exact and {@code refile:}) and host lists (InternalHosts, PeerList, ExternalIgnoreList). A refusal is
 * a {@link ConfigException} whose message starts with the file and line ({@code /path/KeyTable:3: ...}); nothing else
 * escapes. What is accepted writes back, one entry per line, to a file that reads as the same table; and the table
 * then answers lookups (addresses and hosts made of the same bytes) without failing.
 */
@Timeout(10)
class TableFileFuzzTest {
    private static final Pattern FILE_AND_LINE = Pattern.compile("(?s)/.*:\\d+: .+");
    private static final KeyTable KEYS = KeyTable.of(List.of(
            new KeyTable.Entry("mail", "example.com", "mail", "/etc/opendkim/keys/example.com/mail.private"),
            new KeyTable.Entry("mail._domainkey.jpistre.fr", "jpistre.fr", "mail", "/etc/opendkim/keys/mail.private"),
            new KeyTable.Entry("any", "%", "s1", "/keys/%.private"),
            new KeyTable.Entry("preskey", "example.com", "foo", "/usr/local/etc/dkim/keys/president"),
            new KeyTable.Entry("comkey", "example.com", "bar", "/usr/local/etc/dkim/keys/excom"),
            new KeyTable.Entry("netkey", "example.net", "baz", "/usr/local/etc/dkim/keys/exnet")));

    @TempDir
    static Path dir;

    @FuzzTest(maxDuration = "30s")
    void keyTable(byte[] input) throws IOException {
        KeyTable table;
        try {
            table = TableFile.keyTable(file("KeyTable", input), dir, new Warnings());
        } catch (ConfigException e) {
            assertPlaced(e, "KeyTable");
            return;
        }
        String written = table.entries().stream().map(KeyTable.Entry::toString)
                .collect(Collectors.joining("\n", "\n", "\n")); // not first: a U+FEFF there is a byte-order mark
        KeyTable again = TableFile.keyTable(file("KeyTable.again", written.getBytes(StandardCharsets.UTF_8)), dir,
                new Warnings());
        // entries carry their file and line; the text written must read back as the same entries
        assertEquals(texts(table.entries()), texts(again.entries()), written);
        for (KeyTable.Entry entry : table.entries()) {
            assertTrue(table.resolve(entry.name(), "example.com", Optional.empty()).isPresent(), entry.toString());
        }
    }

    @FuzzTest(maxDuration = "30s")
    void signingTable(byte[] input) throws IOException {
        for (String kind : List.of("file:", "refile:")) {
            SigningTable table;
            try {
                table = TableFile.signingTable(file("SigningTable", input, kind), KEYS, new Warnings());
            } catch (ConfigException e) {
                assertPlaced(e, "SigningTable");
                continue;
            }
            String written = table.entries().stream().map(SigningTable.Entry::toString)
                    .collect(Collectors.joining("\n", "\n", "\n")); // not first: a U+FEFF there is a byte-order mark
            SigningTable again = TableFile.signingTable(file("SigningTable.again",
                    written.getBytes(StandardCharsets.UTF_8), kind), KEYS, new Warnings());
            assertEquals(texts(table.entries()), texts(again.entries()), written);
            boolean regex = table.usesPatterns() && table.entries().stream()
                    .anyMatch(e -> !WildcardPattern.of(e.key()).operators().isEmpty());
            if (regex) {
                continue; // the administrator's own regular expressions: their cost is theirs to judge
            }
            for (String address : addresses(input)) {
                int at = address.lastIndexOf('@');
                for (SigningTable.Match match : table.lookup(address.substring(0, at), address.substring(at + 1),
                        true)) {
                    // a value of % names the key after the From domain (a fuzz finding: the property forgot it)
                    boolean fromDomain = match.entry().keyName().equals(KeyTable.FROM_DOMAIN)
                            && match.keyName().equals(address.substring(at + 1));
                    assertTrue(KEYS.contains(match.keyName()) || fromDomain,
                            () -> kind + " " + address + " -> " + match.keyName());
                }
            }
        }
    }

    @FuzzTest(maxDuration = "30s")
    void hostList(byte[] input) throws IOException {
        for (String kind : List.of("file:", "refile:")) {
            HostList list;
            try {
                list = TableFile.hostList(file("InternalHosts", input, kind), new Warnings());
            } catch (ConfigException e) {
                assertPlaced(e, "InternalHosts");
                continue;
            }
            String written = String.join("\n", list.entries()) + "\n";
            HostList again = TableFile.hostList(file("InternalHosts.again",
                    written.getBytes(StandardCharsets.UTF_8), kind), new Warnings());
            assertEquals(list.entries(), again.entries(), written);
            for (String host : List.of("127.0.0.1", "::1", "192.0.2.7", "2001:db8::7", "::ffff:10.1.2.3")) {
                boolean byAddress = list.matchesAddress(InetAddress.getByName(host));
                assertEquals(byAddress, again.matchesAddress(InetAddress.getByName(host)), host);
            }
            for (String entry : list.entries()) {
                list.matches(null, entry); // a host name made of the same bytes
            }
        }
    }

    private static DataSet file(String name, byte[] contents) throws IOException {
        return file(name, contents, "file:");
    }

    private static DataSet file(String name, byte[] contents, String kind) throws IOException {
        Path path = dir.resolve(name);
        Files.write(path, contents);
        return DataSet.parse(kind + path, dir, "opendkim.conf:1", new Warnings());
    }

    /** Whether the refusal names the file and line (the origin, when the data set itself is refused). */
    private static void assertPlaced(ConfigException e, String name) {
        FuzzSupport.explained(e);
        assertTrue(FILE_AND_LINE.matcher(e.getMessage()).matches() || e.getMessage().startsWith("opendkim.conf:1: "),
                () -> "not placed in " + name + ": " + e.getMessage());
    }

    /** Addresses built from the input's words: {@code user@domain} forms the lookups are made for. */
    private static List<String> addresses(byte[] input) {
        String text = new String(input, StandardCharsets.UTF_8);
        List<String> out = new java.util.ArrayList<>();
        for (String word : text.split("[\\s:#]+")) {
            if (word.length() > 64) {
                word = word.substring(0, 64);
            }
            out.add(word.indexOf('@') > 0 ? word : "user@" + word.replace("*", "x"));
            if (out.size() == 8) {
                break;
            }
        }
        return out;
    }

    private static List<String> texts(List<?> entries) {
        return entries.stream().map(Object::toString).toList();
    }
}
