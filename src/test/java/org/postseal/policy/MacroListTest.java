package org.postseal.policy;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MacroListTest {
    private final MacroList list = MacroList.of(List.of(
            new MacroList.Rule("daemon_name", List.of("ORIGINATING", "SUBMISSION")),
            new MacroList.Rule("{auth_authen}", List.of())));

    @Test
    void aListedValueMatchesExactly() {
        assertTrue(list.matches(Map.of("{daemon_name}", "ORIGINATING")));
        assertTrue(list.matches(Map.of("daemon_name", "SUBMISSION")));
        assertFalse(list.matches(Map.of("{daemon_name}", "originating")), "values are case-sensitive");
        assertFalse(list.matches(Map.of("{daemon_name}", "smtpd")));
    }

    @Test
    void aRuleWithoutValuesNeedsTheMacroSetAtAll() {
        assertTrue(list.matches(Map.of("auth_authen", "")));
        assertFalse(list.matches(Map.of("{i}", "4BCD")));
    }

    @Test
    void anEmptyListMatchesNothing() {
        assertFalse(MacroList.empty().matches(Map.of("{daemon_name}", "ORIGINATING")));
    }
}
