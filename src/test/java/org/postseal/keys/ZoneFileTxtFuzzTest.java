package org.postseal.keys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Timeout;
import org.postseal.fuzz.FuzzSupport;

/**
 * Fuzzes the zone-file reader behind {@code postseal testkey --zone-file}: the {@code .txt} files
 * {@code opendkim-genkey} and zone editors write. A refusal is a {@link ZoneFileException} naming the line
 * ({@code line N: ...}, N within the text); nothing else escapes; every record read, written back in
 * {@code opendkim-genkey}'s layout by {@link ZoneFileTxt#format}, reads as the same value; and so does any text value
 * made of the same characters.
 */
@Timeout(10)
class ZoneFileTxtFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void parse(byte[] input) throws ZoneFileException {
        String text = new String(input, StandardCharsets.ISO_8859_1);
        roundTrip(text);
        List<ZoneFileTxt.Entry> entries;
        try {
            entries = ZoneFileTxt.parse(text);
        } catch (ZoneFileException e) {
            FuzzSupport.explained(e);
            long lines = text.chars().filter(c -> c == '\n').count() + 1;
            assertTrue(e.line() >= 1 && e.line() <= lines, e.getMessage());
            return;
        }
        for (ZoneFileTxt.Entry entry : entries) {
            assertTrue(entry.line() >= 1);
            roundTrip(entry.value());
        }
    }

    /** A value written in opendkim-genkey's layout reads back as the same value. */
    private static void roundTrip(String value) throws ZoneFileException {
        String written = ZoneFileTxt.format("sel", "example.com", value);
        List<ZoneFileTxt.Entry> read = ZoneFileTxt.parse(written);
        assertEquals(1, read.size(), written);
        assertEquals("sel._domainkey", read.get(0).owner());
        assertEquals(value, read.get(0).value(), written);
        assertTrue(read.get(0).answers("sel", "example.com"));
    }
}
