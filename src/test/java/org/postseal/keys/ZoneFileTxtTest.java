package org.postseal.keys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.postseal.dkim.SigningKey;
import org.postseal.dkim.PublicKeyCodec;

class ZoneFileTxtTest {
    private static final Pattern QUOTED = Pattern.compile("\"((?:[^\"\\\\]|\\\\.)*)\"");

    /**
     * The .txt files opendkim-genkey wrote (2048 bits; 2048 with -t -S; 1024; 4096) come out byte for byte from the
     * key in its .private file.
     */
    @ParameterizedTest
    @CsvSource({
        "sel,    example.com, false",
        "strict, example.org, true",
        "small,  example.net, false",
        "big,    example.net, false",
    })
    void formatsAsOpendkimGenkeyDoes(String selector, String domain, boolean flags) throws Exception {
        SigningKey key = PrivateKeyReader.read(selector, Fixtures.bytes("opendkim/" + selector + ".private"));
        KeyRecordText record = KeyRecordText.of(key).withTesting(flags).withStrict(flags);

        assertEquals(Fixtures.text("opendkim/" + selector + ".txt"), ZoneFileTxt.format(selector, domain, record));
    }

    @ParameterizedTest
    @CsvSource({
        "sel,    example.com",
        "strict, example.org",
        "small,  example.net",
        "big,    example.net",
    })
    void parsesOpendkimGenkeyOutput(String selector, String domain) throws Exception {
        String text = Fixtures.text("opendkim/" + selector + ".txt");
        SigningKey key = PrivateKeyReader.read(selector, Fixtures.bytes("opendkim/" + selector + ".private"));

        List<ZoneFileTxt.Entry> entries = ZoneFileTxt.parse(text);

        assertEquals(1, entries.size());
        ZoneFileTxt.Entry entry = entries.get(0);
        assertEquals(selector + "._domainkey", entry.owner());
        assertEquals(1, entry.line());
        assertFalse(entry.isAbsolute());
        assertTrue(entry.answers(selector, domain));
        assertTrue(entry.answers(selector.toUpperCase(), "anything.example"), "relative to whatever d= is");
        assertFalse(entry.answers("other", domain));
        assertTrue(entry.value().startsWith("v=DKIM1; h=sha256; k=rsa; "), entry.value());
        assertTrue(entry.value().endsWith("p=" + PublicKeyCodec.encode(key.publicKey())), entry.value());
    }

    @Test
    void parsesAnAbsoluteOwner() throws Exception {
        // abs.txt came from `opendkim-genkey -a`: the owner carries the domain and a final dot.
        ZoneFileTxt.Entry entry = ZoneFileTxt.parse(Fixtures.text("opendkim/abs.txt")).get(0);

        assertEquals("abs._domainkey.example.com.", entry.owner());
        assertTrue(entry.isAbsolute());
        assertTrue(entry.answers("abs", "example.com"));
        assertTrue(entry.answers("ABS", "Example.COM."));
        assertFalse(entry.answers("abs", "example.org"));
        assertFalse(entry.answers("abs", "sub.example.com"));
        SigningKey key = PrivateKeyReader.read("abs", Fixtures.bytes("opendkim/abs.private"));
        assertEquals(KeyRecordText.of(key).value(), entry.value());
    }

    @Test
    void roundTripsItsOwnFormat() throws Exception {
        for (SigningKey key : List.of(DkimKeyGenerator.rsa(1024), DkimKeyGenerator.rsa(3072),
                DkimKeyGenerator.ed25519(),
                PrivateKeyReader.read("big", Fixtures.bytes("opendkim/big.private")))) {
            KeyRecordText record = KeyRecordText.of(key).withTesting(true);
            String text = ZoneFileTxt.format("s2025", "mail.example.com", record);

            List<ZoneFileTxt.Entry> entries = ZoneFileTxt.parse(text);

            assertEquals(1, entries.size(), text);
            assertEquals(record.value(), entries.get(0).value());
            assertTrue(entries.get(0).answers("s2025", "mail.example.com"));
            assertStringsFit(text);
        }
    }

    @Test
    void formatsEd25519OnTwoLines() throws Exception {
        KeyRecordText record = KeyRecordText.of(
                PublicKeyCodec.decode("ed25519", "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="));

        assertEquals("brisbane._domainkey\tIN\tTXT\t( \"v=DKIM1; k=ed25519; \"\n"
                + "\t  \"p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\" )  ; ----- DKIM key brisbane for"
                + " football.example.com\n",
                ZoneFileTxt.format("brisbane", "football.example.com", record));
        assertEquals("brisbane._domainkey\tIN\tTXT\t( \"v=DKIM1; k=ed25519; \"\n"
                + "\t  \"p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\" ) \n",
                ZoneFileTxt.format("brisbane", "", record), "opendkim-genkey -d '' leaves no comment");
    }

    @Test
    void formatsOtherValuesInStringsOf255AndEscapes() throws Exception {
        String value = "n=\"quoted\" \\ back; " + "x".repeat(600) + "\u00e9";

        String text = ZoneFileTxt.format("s", "example.com", value);

        assertTrue(text.contains("\"n=\\\"quoted\\\" \\\\ back; xxx"), text);
        assertTrue(text.contains("\\233\""), text);
        assertStringsFit(text);
        assertEquals(value, ZoneFileTxt.parse(text).get(0).value());
        assertThrows(IllegalArgumentException.class, () -> ZoneFileTxt.format("s", "example.com", "\u20ac"));
        assertThrows(IllegalArgumentException.class, () -> ZoneFileTxt.format("a b", "example.com", "v=DKIM1"));
    }

    @Test
    void parsesSeveralRecordsInTheirManyForms() throws Exception {
        String text = String.join("\n",
                "; keys for example.com",
                "$TTL 1h",
                "",
                "a._domainkey 3600 IN TXT \"v=DKIM1; k=ed25519; p=AAAA\"",
                "b._domainkey.example.com. IN 300 TXT ( \"v=DKIM1; \"   ; a comment inside",
                "      \"p=BB\" \"BB\" )",
                "www IN A 192.0.2.1",
                "c._domainkey TXT v=DKIM1\\;\\032p=C\\\"C\\\\ ; unquoted, with escapes",
                "d._domainkey\tin\ttxt\t\"semi;colon ( paren\"",
                "$ORIGIN example.org.",
                "e._domainkey 1w2d IN TXT \"p=EE\"",
                "@ IN TXT \"v=spf1 -all\"");

        List<ZoneFileTxt.Entry> entries = ZoneFileTxt.parse(text);

        assertEquals(List.of(
                new ZoneFileTxt.Entry("a._domainkey", "v=DKIM1; k=ed25519; p=AAAA", 4),
                new ZoneFileTxt.Entry("b._domainkey.example.com.", "v=DKIM1; p=BBBB", 5),
                new ZoneFileTxt.Entry("c._domainkey", "v=DKIM1; p=C\"C\\", 8),
                new ZoneFileTxt.Entry("d._domainkey", "semi;colon ( paren", 9),
                new ZoneFileTxt.Entry("e._domainkey.example.org.", "p=EE", 11),
                new ZoneFileTxt.Entry("example.org.", "v=spf1 -all", 12)), entries);
        assertTrue(entries.get(1).answers("b", "example.com"));
        assertTrue(entries.get(4).answers("e", "example.org"));
        assertFalse(entries.get(4).answers("e", "example.com"));
    }

    @Test
    void readsWindowsLineEnds() throws Exception {
        String text = Fixtures.text("opendkim/sel.txt").replace("\n", "\r\n");

        assertEquals(ZoneFileTxt.parse(Fixtures.text("opendkim/sel.txt")), ZoneFileTxt.parse(text));
    }

    @Test
    void emptyOrCommentOnlyTextHasNoEntries() throws Exception {
        assertEquals(List.of(), ZoneFileTxt.parse(""));
        assertEquals(List.of(), ZoneFileTxt.parse("; nothing here\n\n   \n"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "'\"v=DKIM1; p=AAAA\"'                              | line 1: the record does not start with an owner name",
        "'x IN TXT \"a\"\n  IN TXT \"b\"'                   | line 2: the record does not start with an owner name",
        "'sel._domainkey IN TXT ( \"v=DKIM1;\"\n\"p=A\"'    | line 1: '(' is never closed",
        "'sel._domainkey IN TXT \"v=DKIM1; p=A'             | line 1: a quoted string is not closed on its line",
        "'\n\nsel._domainkey IN TXT \"a\" )'                | line 3: ')' without '('",
        "'sel._domainkey IN TXT ( ( \"a\" ) )'              | line 1: '(' inside parentheses opened on line 1",
        "'sel._domainkey 3600 IN'                           | line 1: no record type after \"sel._domainkey\"",
        "'sel._domainkey IN \"v=DKIM1\"'                    | line 1: no record type after \"sel._domainkey\"",
        "'sel._domainkey IN TXT'                            | line 1: the TXT record of \"sel._domainkey\" has no text",
        "'sel._domainkey IN TXT \"\\12\"'                   | line 1: a \\DDD escape needs three digits",
        "'sel._domainkey IN TXT \"\\256\"'                  | line 1: \\256 is more than 255",
        "'sel._domainkey IN TXT ab\\'                       | line 1: a backslash at the end of a line",
        "'$INCLUDE other.zone'                              | line 1: $INCLUDE is not supported",
        "'$ORIGIN example.com'                              | line 1: $ORIGIN needs one absolute name",
        "'$TTL soon'                                        | line 1: $TTL needs one time value",
    })
    void reportsSyntaxErrorsWithTheLine(String text, String expected) {
        ZoneFileException e = assertThrows(ZoneFileException.class, () -> ZoneFileTxt.parse(text));

        assertTrue(e.getMessage().startsWith(expected), () -> "expected \"" + expected + "\", got: " + e.getMessage());
        assertEquals(Integer.parseInt(expected.substring(5, expected.indexOf(':'))), e.line());
    }

    @Test
    void refusesStringsOver255() {
        String text = "s._domainkey IN TXT (\n \"" + "a".repeat(255) + "\"\n \"" + "b".repeat(256) + "\" )";

        ZoneFileException e = assertThrows(ZoneFileException.class, () -> ZoneFileTxt.parse(text));

        assertEquals("line 3: a string of 256 characters is longer than 255", e.getMessage());
    }

    @Test
    void entryChecksItsValues() {
        assertThrows(IllegalArgumentException.class, () -> new ZoneFileTxt.Entry("", "v", 1));
        assertThrows(IllegalArgumentException.class, () -> new ZoneFileTxt.Entry("o", "v", 0));
        assertThrows(NullPointerException.class, () -> new ZoneFileTxt.Entry("o", null, 1));
    }

    /** Every quoted string in a formatted text holds at most 255 characters once unescaped. */
    private static void assertStringsFit(String text) {
        Matcher matcher = QUOTED.matcher(text);
        int count = 0;
        while (matcher.find()) {
            String unescaped = matcher.group(1).replaceAll("\\\\[0-9]{3}", "x").replaceAll("\\\\(.)", "$1");
            assertTrue(unescaped.length() <= ZoneFileTxt.MAX_STRING_LENGTH, unescaped.length() + ": " + unescaped);
            count++;
        }
        assertTrue(count > 0, text);
    }
}
