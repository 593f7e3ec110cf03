package org.postseal.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class LogTextTest {
    @Test
    void cleanTextIsKeptAsItIs() {
        String text = "joe@example.com: caf\u00e9 \u00fcber \u65e5\u672c";
        assertSame(text, LogText.escape(text));
    }

    @Test
    void lineBreaksAndTabsAreSpelledOutAndEscapingTwiceChangesNothing() {
        String once = LogText.escape("a\r\nINFO forged\tline \u001b");
        assertEquals("a\\r\\nINFO forged\\tline \\x1b", once);
        assertEquals(once, LogText.escape(once));
    }

    @Test
    void controlAndInvisibleCharactersBecomeHex() {
        assertEquals("\\x1b[31mred\\x00\\x7f\\x85", LogText.escape("\u001b[31mred\u0000\u007f\u0085"));
        assertEquals("abc\\x{202e}gpj.exe\\x{200b}\\x{2028}", LogText.escape("abc\u202egpj.exe\u200b\u2028"));
    }

    @Test
    void bytesAreReadOneCharacterEach() {
        byte[] raw = "X-Evil: \u001b]0;owned\u0007\r".getBytes(StandardCharsets.ISO_8859_1);
        assertEquals("X-Evil: \\x1b]0;owned\\x07\\r", LogText.escape(raw, 0, raw.length));
        assertEquals("null", LogText.escape(null));
    }
}
