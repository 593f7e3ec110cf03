package org.postseal.policy;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * OpenDKIM's MacroList: MTA macros whose presence (or value) marks a message as coming from a local user, so that it
 * is signed like mail from an internal host. A rule {@code daemon_name=ORIGINATING|SUBMISSION} matches when the MTA
 * sent {@code {daemon_name}} with one of those values (compared exactly); a rule with no values matches when the
 * macro was sent at all. The list matches when any rule does.
 *
 * <p>With Postfix, {@code -o milter_macro_daemon_name=ORIGINATING} on the submission service and
 * {@code MacroList daemon_name=ORIGINATING} is the usual way to sign what arrives on port 587.
 */
public final class MacroList {
    private static final MacroList EMPTY = new MacroList(List.of());

    private final List<Rule> rules;

    private MacroList(List<Rule> rules) {
        this.rules = rules;
    }

    public static MacroList of(List<Rule> rules) {
        return new MacroList(List.copyOf(rules));
    }

    public static MacroList empty() {
        return EMPTY;
    }

    /**
     * Whether any rule matches.
     *
     * @param macros macro values by name; names may be written with or without braces
     */
    public boolean matches(Map<String, String> macros) {
        for (Map.Entry<String, String> macro : macros.entrySet()) {
            String name = stripBraces(macro.getKey());
            for (Rule rule : rules) {
                if (rule.macro().equals(name) && macro.getValue() != null
                        && (rule.values().isEmpty() || rule.values().contains(macro.getValue()))) {
                    return true;
                }
            }
        }
        return false;
    }

    public List<Rule> rules() {
        return rules;
    }

    public boolean isEmpty() {
        return rules.isEmpty();
    }

    static String stripBraces(String name) {
        return name.length() > 2 && name.startsWith("{") && name.endsWith("}")
                ? name.substring(1, name.length() - 1) : name;
    }

    @Override
    public String toString() {
        return "MacroList" + rules;
    }

    /**
     * One rule.
     *
     * @param macro the macro name, without braces
     * @param values the values that match; empty if any value does
     */
    public record Rule(String macro, List<String> values) {
        public Rule {
            Objects.requireNonNull(macro, "macro");
            macro = stripBraces(macro);
            values = List.copyOf(values);
            if (macro.isEmpty()) {
                throw new IllegalArgumentException("macro: empty");
            }
        }

        @Override
        public String toString() {
            return values.isEmpty() ? macro : macro + "=" + String.join("|", values);
        }
    }
}
