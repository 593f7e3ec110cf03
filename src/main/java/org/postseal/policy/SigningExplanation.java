package org.postseal.policy;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Why the signing policy decides what it decides for one client and one From address, in sentences an administrator
 * reads ({@code postseal check}): which PeerList or InternalHosts entry the client matched, or that it matched none
 * and did not authenticate; which SigningTable line (file and line) matched the address, and which KeyTable line it
 * named; or which keys were looked up in vain, and which lines look meant for the address but can never match.
 *
 * <p>The decision itself is {@link SigningPolicy#decide}'s, the one the milter acts on: this class only describes it,
 * with the same list lookups ({@link HostList#matching}) and the same lookup order
 * ({@link SigningTable#lookupOrder}), so that it cannot tell a different story. Immutable.
 */
public final class SigningExplanation {
    private final SigningDecision decision;
    private final List<String> reasons;

    private SigningExplanation(SigningDecision decision, List<String> reasons) {
        this.decision = decision;
        this.reasons = List.copyOf(reasons);
    }

    /** Explains {@code decision}, which {@code policy} made for {@code client}. */
    static SigningExplanation of(SigningPolicy policy, Client client, SigningDecision decision) {
        List<String> reasons = new ArrayList<>();
        if (decision.outcome() == SigningDecision.Outcome.PEER) {
            reasons.add("client " + client.describe() + " is in PeerList (entry '"
                    + policy.peerList().matching(client.address().orElse(null), client.hostName()).orElse("?")
                    + "'" + source(policy.peerList()) + "): its mail is not signed");
            return new SigningExplanation(decision, reasons);
        }
        if (decision.outcome() == SigningDecision.Outcome.EXTERNAL) {
            reasons.add(external(policy, client));
            if (decision.notice()) {
                reasons.add("the milter logs a warning for it: an outside host sending as a domain signed here (list"
                        + " the host in ExternalIgnoreList to silence it)");
            }
            return new SigningExplanation(decision, reasons);
        }
        reasons.add(originating(policy, client));
        switch (decision.outcome()) {
            case UNPARSABLE_FROM -> reasons.add("not signed: " + decision.reason());
            case SIGN -> signed(policy, decision, reasons);
            case ERROR -> reasons.add("cannot sign: " + decision.reason() + where(decision));
            default -> notSigned(policy, decision, reasons);
        }
        return new SigningExplanation(decision, reasons);
    }

    /** The decision explained: the milter's. */
    public SigningDecision decision() {
        return decision;
    }

    /** The explanation, one sentence a line, client first, then the From address. */
    public List<String> reasons() {
        return reasons;
    }

    private static String external(SigningPolicy policy, Client client) {
        HostList internal = policy.internalHosts();
        StringBuilder text = new StringBuilder("not signed: client ").append(client.describe())
                .append(" is not in InternalHosts (").append(listed(internal)).append(source(internal))
                .append(") and did not authenticate");
        if (!policy.macroList().isEmpty()) {
            text.append("; MacroList does not match its macros");
        }
        List<String> names = internal.entries().stream().filter(SigningExplanation::isHostName).toList();
        boolean named = !client.hostName().isEmpty() && !client.hostName().startsWith("[");
        if (!names.isEmpty() && !named) {
            text.append("; the entries that are host names (").append(String.join(", ", names))
                    .append(") match only the name the MTA reports for a client, and this client has none");
        }
        return text.toString();
    }

    private static String originating(SigningPolicy policy, Client client) {
        Optional<String> entry = policy.internalEntry(client);
        if (entry.isPresent()) {
            return "client " + client.describe() + " is in InternalHosts (entry '" + entry.get() + "'"
                    + source(policy.internalHosts()) + "), so its mail may be signed";
        }
        if (client.isAuthenticated()) {
            return "client " + client.describe() + " authenticated (SMTP AUTH"
                    + client.authenticatedAs().map(u -> " as " + u).orElse("") + "), so its mail may be signed";
        }
        if (!policy.macroList().isEmpty() && policy.macroList().matches(client.macros())) {
            return "client " + client.describe() + " matches MacroList " + policy.macroList().rules()
                    + ", so its mail may be signed";
        }
        return "client " + client.describe() + " arrives on MTA " + client.macro("daemon_name").orElse("?")
                + ", which is in the MTA list, so its mail may be signed";
    }

    private static void signed(SigningPolicy policy, SigningDecision decision, List<String> reasons) {
        FromAddress from = decision.from().orElseThrow();
        Optional<KeySetup> keys = policy.keys();
        if (keys.isPresent() && keys.get() instanceof KeySetup.Tables tables) {
            for (SigningTable.Match match : decision.matches()) {
                reasons.add("SigningTable " + line(match.entry().where()) + "'" + match.entry() + "' matches "
                        + from + (tables.signingTable().usesPatterns() ? " (refile: pattern)"
                        : " (looked up as '" + match.entry().key() + "')"));
            }
            for (SignatureRequest request : decision.signatures()) {
                String keyLine = tables.keyTable().get(request.keyName())
                        .map(e -> "KeyTable " + line(e.where()) + "'" + e + "'").orElse("KeyTable entry "
                                + request.keyName());
                reasons.add(keyLine + " gives d=" + request.domain() + " s=" + request.selector()
                        + request.identity().map(i -> " i=" + i).orElse("") + ", key " + request.keyFile());
            }
        } else {
            reasons.add(decision.reason() + ": d=" + decision.signatures().get(0).domain() + " s="
                    + decision.signatures().get(0).selector() + ", key " + decision.signatures().get(0).keyFile());
        }
    }

    private static void notSigned(SigningPolicy policy, SigningDecision decision, List<String> reasons) {
        Optional<KeySetup> keys = policy.keys();
        if (decision.from().isEmpty() || keys.isEmpty() || !(keys.get() instanceof KeySetup.Tables tables)) {
            reasons.add("not signed: " + decision.reason());
            return;
        }
        FromAddress from = decision.from().get();
        SigningTable table = tables.signingTable();
        if (table.usesPatterns()) {
            reasons.add("not signed: no pattern of the refile: SigningTable matches " + from + " (" + table.entries()
                    .size() + " line" + (table.entries().size() == 1 ? "" : "s") + " tried in order)");
        } else {
            reasons.add("not signed: no SigningTable line for " + from + "; the milter looks up, in order: "
                    + String.join(", ", SigningTable.lookupOrder(from.localPart(), from.domain())));
        }
        for (SigningTable.Entry entry : table.entries()) {
            if (meantFor(entry.key(), from)) {
                SigningTable.neverMatches(entry.key(), table.usesPatterns()).ifPresent(why -> reasons.add(
                        "SigningTable " + line(entry.where()) + "looks meant for " + from + ", but " + why));
            }
        }
    }

    /** Whether a key that can never match names the address's domain (or a parent): {@code @example.com}... */
    private static boolean meantFor(String key, FromAddress from) {
        int at = key.lastIndexOf('@');
        String domain = (at >= 0 ? key.substring(at + 1) : key).replace("*", "");
        if (domain.startsWith(".")) {
            domain = domain.substring(1);
        }
        String fromDomain = from.domain();
        return !domain.isEmpty() && (NameSet.fold(domain).equals(fromDomain)
                || fromDomain.endsWith("." + NameSet.fold(domain)));
    }

    private static String where(SigningDecision decision) {
        return decision.matches().isEmpty() ? "" : " (SigningTable " + decision.matches().get(0).entry().where()
                + ")";
    }

    private static String listed(HostList list) {
        if (list.isEmpty()) {
            return "it is empty";
        }
        List<String> entries = list.entries();
        return entries.size() <= 6 ? String.join(", ", entries)
                : String.join(", ", entries.subList(0, 6)) + ", ... (" + entries.size() + " entries)";
    }

    private static String source(HostList list) {
        return list.source().isEmpty() ? "" : ": " + list.source();
    }

    private static String line(String where) {
        return where.isEmpty() ? "" : where + " ";
    }

    /** Whether a host-list entry is a host name rather than an address, a block or a domain with a leading dot. */
    private static boolean isHostName(String entry) {
        String body = entry.startsWith("!") ? entry.substring(1) : entry;
        return !body.isEmpty() && !body.startsWith(".") && body.indexOf('*') < 0 && body.indexOf(':') < 0
                && body.indexOf('/') < 0 && !body.startsWith("[") && !body.chars().allMatch(
                        c -> (c >= '0' && c <= '9') || c == '.');
    }

    @Override
    public String toString() {
        return decision.outcome() + ": " + String.join(" / ", reasons);
    }
}
