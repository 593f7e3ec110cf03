package org.postseal.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** OpenDKIM's Mode letters as a value with names. */
class OpenDkimModeTest {
    @Test
    void lettersInAnyOrder() {
        assertEquals(new OpenDkimMode(true, false), OpenDkimMode.parse("s", "f:1"));
        assertEquals(new OpenDkimMode(false, true), OpenDkimMode.parse("v", "f:1"));
        assertEquals(new OpenDkimMode(true, true), OpenDkimMode.parse("sv", "f:1"));
        assertEquals(OpenDkimMode.parse("sv", "f:1"), OpenDkimMode.parse("vs", "f:1"));
    }

    @Test
    void anotherLetterIsAnError() {
        assertEquals("f:1: unknown mode 'x' (expected: s, v or sv)",
                assertThrows(ConfigException.class, () -> OpenDkimMode.parse("sx", "f:1")).getMessage());
    }
}
