package org.postseal.policy;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What a policy can sign for, rule by rule, and what in its tables never decides anything ({@code postseal check}
 * without a From address): each SigningTable line with the mail it covers and the KeyTable line it names, or
 * OpenDKIM's Domain list with its one key; lines that can never match ({@link SigningTable#neverMatches}), {@code
 * refile:} patterns that an earlier pattern always matches first, KeyTable keys no line can reach; and
 * ({@link #localMailWarning}) an InternalHosts list that leaves out the mail Postfix hands over from this machine.
 * Pure and immutable.
 */
public final class SigningCoverage {
    /** How Postfix presents mail from its own {@code sendmail} command (non_smtpd_milters) to a milter. */
    private static final Client LOCAL_SUBMISSION = Client.of(loopback(), "localhost");

    /**
     * One rule: a SigningTable line, or the Domain list.
     *
     * @param where the file and line of the SigningTable line; empty for the Domain list
     * @param text the line as written ({@code example.com mail._domainkey.example.com})
     * @param covers the mail it applies to, in words
     * @param key the key it signs with (a KeyTable line, or KeyFile with the From domain, {@code %}, as its domain);
     *     empty for the SigningTable's {@code %}: the KeyTable key named like the From domain
     * @param neverMatches why it never decides, if it does not
     */
    public record Rule(String where, String text, String covers, Optional<KeyTable.Entry> key,
            Optional<String> neverMatches) {
        public Rule {
            Objects.requireNonNull(where, "where");
            Objects.requireNonNull(text, "text");
            Objects.requireNonNull(covers, "covers");
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(neverMatches, "neverMatches");
        }

        /** Whether mail can ever be signed by this rule. */
        public boolean canMatch() {
            return neverMatches.isEmpty();
        }
    }

    private final List<Rule> rules;
    private final List<String> warnings;

    private SigningCoverage(List<Rule> rules, List<String> warnings) {
        this.rules = List.copyOf(rules);
        this.warnings = List.copyOf(warnings);
    }

    /** The coverage of {@code policy}. */
    public static SigningCoverage of(SigningPolicy policy) {
        List<Rule> rules = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        Optional<KeySetup> keys = policy.keys();
        if (keys.isPresent() && keys.get() instanceof KeySetup.Tables tables) {
            tableRules(tables, rules, warnings);
        } else if (keys.isPresent() && keys.get() instanceof KeySetup.DomainKey key) {
            rules.add(new Rule("", "Domain " + String.join(", ", key.domains().entries()), "mail from "
                    + (key.domains().contains("*") ? "any domain" : "the Domain list" + (key.subDomains()
                    ? " and its subdomains (SubDomains)" : "")), Optional.of(new KeyTable.Entry("KeyFile",
                    KeyTable.FROM_DOMAIN, key.selector(), key.keyFile())), key.domains().isEmpty()
                    ? Optional.of("Domain is not set, so KeyFile signs nothing") : Optional.empty()));
        }
        if (!rules.isEmpty() && rules.stream().noneMatch(Rule::canMatch)) {
            warnings.add("no rule can ever match: nothing will be signed");
        }
        return new SigningCoverage(rules, warnings);
    }

    /**
     * A warning when mail from this machine is not signed: InternalHosts (or MacroList, MTA) does not take in
     * {@code localhost [127.0.0.1]}, which is how Postfix presents mail from its sendmail command
     * (non_smtpd_milters) to a milter. Empty when it does, or when the policy signs nothing anyway.
     */
    public static Optional<String> localMailWarning(SigningPolicy policy) {
        if (policy.keys().isEmpty() || policy.isOriginating(LOCAL_SUBMISSION)) {
            return Optional.empty();
        }
        HostList internal = policy.internalHosts();
        return Optional.of("InternalHosts (" + (internal.source().isEmpty() ? String.join(", ", internal.entries())
                : internal.source()) + ") does not take in localhost [127.0.0.1], which is how Postfix presents"
                + " mail from this machine (its sendmail command, non_smtpd_milters, local web applications):"
                + " that mail is not signed unless it authenticates; add 127.0.0.1 and ::1 to the list");
    }

    private static void tableRules(KeySetup.Tables tables, List<Rule> rules, List<String> warnings) {
        SigningTable table = tables.signingTable();
        KeyTable keyTable = tables.keyTable();
        boolean patterns = table.usesPatterns();
        List<SigningTable.Entry> entries = table.entries();
        Set<String> reached = new HashSet<>();
        boolean anyFromDomain = false;
        for (int i = 0; i < entries.size(); i++) {
            SigningTable.Entry entry = entries.get(i);
            Optional<String> never = SigningTable.neverMatches(entry.key(), patterns);
            if (never.isEmpty() && patterns && !tables.multipleSignatures()) {
                never = shadow(entries, i);
                never.ifPresent(reason -> warnings.add(entry.where() + ": " + reason));
            }
            Optional<KeyTable.Entry> key = keyTable.get(entry.keyName());
            boolean fromDomain = entry.keyName().equals(KeyTable.FROM_DOMAIN);
            if (never.isEmpty()) {
                anyFromDomain |= fromDomain;
                key.ifPresent(k -> reached.add(k.name()));
            }
            rules.add(new Rule(entry.where(), entry.toString(), covers(entry.key(), patterns), key, never));
        }
        for (KeyTable.Entry key : keyTable.entries()) {
            boolean byDomain = anyFromDomain && DomainName.isValid(key.name());
            if (!reached.contains(key.name()) && !byDomain) {
                warnings.add((key.where().isEmpty() ? "KeyTable" : key.where()) + ": key '" + key.name()
                        + "' is never used: no SigningTable line that can match names it");
            }
        }
    }

    /** Why line {@code index} of a {@code refile:} table never decides: an earlier pattern always matches first. */
    private static Optional<String> shadow(List<SigningTable.Entry> entries, int index) {
        WildcardPattern pattern = WildcardPattern.of(entries.get(index).key());
        for (int i = 0; i < index; i++) {
            SigningTable.Entry earlier = entries.get(i);
            if (WildcardPattern.of(earlier.key()).covers(pattern)) {
                return Optional.of("'" + entries.get(index).key() + "' never decides: every address it matches is"
                        + " matched first by '" + earlier.key() + "' (" + earlier.where() + "), and only the first"
                        + " match counts without MultipleSignatures");
            }
        }
        return Optional.empty();
    }

    /** The mail a SigningTable key applies to, in words. */
    static String covers(String key, boolean patterns) {
        if (patterns) {
            return "From addresses matching " + key;
        }
        if (key.equals("*")) {
            return "mail from any address (the last resort)";
        }
        int at = key.lastIndexOf('@');
        String user = at < 0 ? "" : key.substring(0, at);
        String domain = at < 0 ? key : key.substring(at + 1);
        String where = domain.equals("*") ? "any domain"
                : domain.startsWith(".") ? "any subdomain of " + domain.substring(1) : domain;
        return at < 0 ? "mail from any address at " + where : "mail from " + user + " at " + where;
    }

    /** Every rule, in table order. */
    public List<Rule> rules() {
        return rules;
    }

    /**
     * What the tables cannot do that start-up does not already warn about: shadowed patterns, unused keys, nothing to
     * sign at all.
     */
    public List<String> warnings() {
        return warnings;
    }

    private static InetAddress loopback() {
        try {
            return InetAddress.getByAddress("localhost", new byte[] {127, 0, 0, 1});
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e); // four bytes are always an address
        }
    }

    @Override
    public String toString() {
        return "SigningCoverage" + rules;
    }
}
