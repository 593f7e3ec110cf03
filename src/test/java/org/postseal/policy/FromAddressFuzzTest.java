package org.postseal.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes the reading of the From field's address, on which the signing decision turns (which SigningTable entry,
 * which {@code d=}). On any value it returns an address or nothing, never fails; an address has a local part and a
 * lower-case domain; written back as {@code local@domain} it reads as itself; the same in angle brackets after a
 * display name reads as itself too when its local part has no space; and a comment or folding in front changes
 * nothing.
 */
@Timeout(10)
class FromAddressFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void from(byte[] input) {
        String value = new String(input, StandardCharsets.UTF_8);
        Optional<FromAddress> address = FromAddress.parse(value);
        if (address.isEmpty()) {
            return;
        }
        FromAddress from = address.get();
        assertFalse(from.localPart().isEmpty());
        assertFalse(from.domain().isEmpty());
        assertEquals(NameSet.fold(from.domain()), from.domain());
        assertEquals(address, FromAddress.parse(from.toString()), "written back: " + from);
        if (from.localPart().indexOf(' ') < 0) {
            assertEquals(address, FromAddress.parse("\"Display, Name\" <" + from + ">"), "in angle brackets: " + from);
        }
        assertEquals(address, FromAddress.parse("(comment)\r\n " + value), "after a comment and a fold");
        assertTrue(from.toString().toLowerCase(Locale.ROOT).endsWith(from.domain().toLowerCase(Locale.ROOT)));
    }
}
