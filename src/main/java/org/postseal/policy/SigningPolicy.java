package org.postseal.policy;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Decides, as OpenDKIM 2.11 decides, whether a message is signed and with which keys. Pure and immutable: one policy
 * serves every session and every thread.
 *
 * <p>The order is OpenDKIM's ({@code mlfi_connect}, {@code mlfi_eoh}):
 * <ol>
 *   <li>A client in PeerList is left alone ({@link SigningDecision.Outcome#PEER}).</li>
 *   <li>The client must be <em>originating</em>: in InternalHosts (by host name or address; a client without an
 *       address counts as 127.0.0.1, as in OpenDKIM), or authenticated ({@code {auth_type}} not empty), or matched
 *       by MacroList, or arriving on an MTA named in the MTA list ({@code {daemon_name}}). Otherwise nothing is
 *       signed, whatever the From address says ({@link SigningDecision.Outcome#EXTERNAL}); if the From domain is one
 *       we sign for and the client is not in ExternalIgnoreList, the decision is a {@link SigningDecision#notice()}
 *       ("external host attempted to send as ...").</li>
 *   <li>The From field must yield an address ({@link FromAddress}) whose domain is a domain name
 *       ({@link DomainName}): a domain such as {@code ../../keys/other} is never put into a {@code %} key path or a
 *       {@code d=} (OpenDKIM does not check; postseal does not sign such mail).</li>
 *   <li>With a KeyTable and SigningTable, the SigningTable picks the keys ({@link SigningTable#lookup}); with
 *       MultipleSignatures every matching entry signs, in table order, each distinct signature once. With OpenDKIM's
 *       Domain, Selector and KeyFile ({@link KeySetup.DomainKey}), the From domain must be in the Domain list (or the list must hold
 *       {@code *}), or, with SubDomains, one of its parent domains must be, which then becomes the signing domain.</li>
 * </ol>
 *
 * <p>Unlike OpenDKIM 2.11, MultipleSignatures really applies every match: OpenDKIM's request list keeps only the first
 * and the last (its tail pointer never advances). The "external host" notice is given for SigningTable setups too,
 * where OpenDKIM only gives it for the Domain list.
 */
public final class SigningPolicy {
    private static final InetAddress LOOPBACK = loopback();

    private final HostList peerList;
    private final HostList internalHosts;
    private final HostList externalIgnoreList;
    private final MacroList macroList;
    private final NameSet mtas;
    private final Optional<KeySetup> keys;

    private SigningPolicy(Builder b) {
        this.peerList = b.peerList;
        this.internalHosts = b.internalHosts;
        this.externalIgnoreList = b.externalIgnoreList;
        this.macroList = b.macroList;
        this.mtas = b.mtas;
        this.keys = b.keys();
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * The decision that can be made from the client alone, before the message: PEER or EXTERNAL, or empty when the
     * client may have mail signed and the rest depends on the message.
     */
    public Optional<SigningDecision> screen(Client client) {
        if (isPeer(client)) {
            return Optional.of(SigningDecision.skip(SigningDecision.Outcome.PEER,
                    "client " + client.describe() + " is in PeerList", Optional.empty(), false));
        }
        if (!isOriginating(client)) {
            return Optional.of(SigningDecision.skip(SigningDecision.Outcome.EXTERNAL, external(client),
                    Optional.empty(), false));
        }
        return Optional.empty();
    }

    /**
     * Decides for one message.
     *
     * @param client the SMTP client
     * @param fromField the value of the (first) From header field, unfolded; empty if the message has none
     */
    public SigningDecision decide(Client client, Optional<String> fromField) {
        Optional<FromAddress> from = fromField.flatMap(FromAddress::parse);
        if (isPeer(client)) {
            return SigningDecision.skip(SigningDecision.Outcome.PEER,
                    "client " + client.describe() + " is in PeerList", from, false);
        }
        if (!isOriginating(client)) {
            String reason = external(client);
            boolean notice = false;
            if (from.isPresent() && !externalIgnoreList.matches(addressOf(client), client.hostName())
                    && select(from.get()).signs()) {
                notice = true;
                reason += "; it sent as " + from.get().domain() + ", a domain signed here";
            }
            return SigningDecision.skip(SigningDecision.Outcome.EXTERNAL, reason, from, notice);
        }
        if (from.isEmpty()) {
            return SigningDecision.skip(SigningDecision.Outcome.UNPARSABLE_FROM, fromField
                    .map(v -> "cannot find an address in From: " + v.strip())
                    .orElse("message has no From header field"), from, false);
        }
        return select(from.get());
    }

    /** Whether the client is in PeerList (its host name is not consulted when it is a bracketed address). */
    public boolean isPeer(Client client) {
        return peerList.matches(client.address().orElse(null), client.hostName());
    }

    /** Whether mail from this client may be signed: internal, authenticated, MacroList or MTA list. */
    public boolean isOriginating(Client client) {
        if (internalEntry(client).isPresent() || client.isAuthenticated()) {
            return true;
        }
        if (!macroList.isEmpty() && macroList.matches(client.macros())) {
            return true;
        }
        return !mtas.isEmpty() && client.macro("daemon_name").filter(mtas::contains).isPresent();
    }

    /**
     * The InternalHosts entry the client matches (by name, else by address; a client without an address counts as
     * 127.0.0.1, as in OpenDKIM), or empty.
     */
    Optional<String> internalEntry(Client client) {
        return internalHosts.matching(addressOf(client), client.hostName());
    }

    /**
     * Decides for one message, as {@link #decide} does (it is that decision), and says why in words: which list
     * entries and table lines led to it ({@code postseal check}).
     *
     * @param client the SMTP client
     * @param fromField the value of the From header field, unfolded; empty if the message has none
     */
    public SigningExplanation explain(Client client, Optional<String> fromField) {
        return SigningExplanation.of(this, client, decide(client, fromField));
    }

    /** The signatures for mail from {@code from} by an originating client. */
    private SigningDecision select(FromAddress from) {
        if (!DomainName.isValid(from.domain())) {
            return SigningDecision.skip(SigningDecision.Outcome.NOT_SIGNED, "the From domain '"
                    + abbreviate(from.domain()) + "' is not a domain name", Optional.of(from), false);
        }
        if (keys.isPresent() && keys.get() instanceof KeySetup.Tables tables) {
            return selectFromTables(tables, from);
        }
        if (keys.isPresent() && keys.get() instanceof KeySetup.DomainKey domainKey) {
            return selectDomainKey(domainKey, from);
        }
        return SigningDecision.skip(SigningDecision.Outcome.NOT_SIGNED,
                "no signing keys are configured (neither KeyTable nor KeyFile)", Optional.of(from), false);
    }

    private static SigningDecision selectFromTables(KeySetup.Tables tables, FromAddress from) {
        List<SigningTable.Match> matches = tables.signingTable().lookup(from.localPart(), from.domain(),
                tables.multipleSignatures());
        if (matches.isEmpty()) {
            return SigningDecision.skip(SigningDecision.Outcome.NOT_SIGNED,
                    "no SigningTable entry for " + abbreviate(from.toString()),
                    Optional.of(from), false);
        }
        Set<SignatureRequest> requests = new LinkedHashSet<>();
        Set<String> signatures = new LinkedHashSet<>();
        for (SigningTable.Match match : matches) {
            Optional<SignatureRequest> request = tables.keyTable().resolve(match.keyName(), from.domain(),
                    match.signer());
            if (request.isEmpty()) {
                return SigningDecision.skip(SigningDecision.Outcome.ERROR, "SigningTable entry '" + match.entry()
                        + "' names key '" + match.keyName() + "', which is not in the KeyTable", Optional.of(from),
                        false).withMatches(List.of(match));
            }
            SignatureRequest r = request.get();
            if (signatures.add(r.domain() + "\0" + r.selector() + "\0" + r.keyFile() + "\0" + r.identity())) {
                requests.add(r);
            }
        }
        String keys = matches.stream().map(m -> m.entry().key()).distinct().collect(Collectors.joining(", "));
        return SigningDecision.sign(new ArrayList<>(requests), matches, from, from + " matches SigningTable " + keys);
    }

    private static SigningDecision selectDomainKey(KeySetup.DomainKey key, FromAddress from) {
        String domain = from.domain();
        NameSet domains = key.domains();
        if (domains.isEmpty()) {
            return SigningDecision.skip(SigningDecision.Outcome.NOT_SIGNED,
                    "no Domain is configured, so KeyFile signs nothing", Optional.of(from), false);
        }
        if (domains.contains(domain) || domains.contains("*")) {
            return SigningDecision.sign(List.of(new SignatureRequest("KeyFile", domain, key.selector(), key.keyFile(),
                    Optional.empty())), from, domain + " is a signing Domain");
        }
        if (key.subDomains()) {
            for (int dot = domain.indexOf('.'); dot >= 0 && dot + 1 < domain.length();
                    dot = domain.indexOf('.', dot + 1)) {
                String parent = domain.substring(dot + 1);
                if (domains.contains(parent)) {
                    return SigningDecision.sign(List.of(new SignatureRequest("KeyFile", parent, key.selector(),
                            key.keyFile(),
                            Optional.of("@" + parent))), from, domain + " is a subdomain of signing Domain " + parent);
                }
            }
            return SigningDecision.skip(SigningDecision.Outcome.NOT_SIGNED,
                    "neither " + domain + " nor a parent domain is a signing Domain", Optional.of(from), false);
        }
        return SigningDecision.skip(SigningDecision.Outcome.NOT_SIGNED, domain + " is not a signing Domain",
                Optional.of(from), false);
    }

    private static String abbreviate(String text) {
        return text.length() <= 80 ? text : text.substring(0, 77) + "...";
    }

    private static String external(Client client) {
        return "client " + client.describe() + " not internal and not authenticated";
    }

    private static InetAddress loopback() {
        try {
            return InetAddress.getByAddress("localhost", new byte[] {127, 0, 0, 1});
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e); // four bytes are always an address
        }
    }

    /** The address the internal-host checks use: the client's, or 127.0.0.1 when it has none (as OpenDKIM). */
    private static InetAddress addressOf(Client client) {
        return client.address().orElse(LOOPBACK);
    }

    public HostList peerList() {
        return peerList;
    }

    public HostList internalHosts() {
        return internalHosts;
    }

    public HostList externalIgnoreList() {
        return externalIgnoreList;
    }

    public MacroList macroList() {
        return macroList;
    }

    /** The MTA names ({@code {daemon_name}}) whose mail may be signed. */
    public NameSet mtas() {
        return mtas;
    }

    /** The keys this policy signs with: tables or OpenDKIM's Domain/Selector/KeyFile; empty when none. */
    public Optional<KeySetup> keys() {
        return keys;
    }

    /** Whether every matching SigningTable entry signs (false without tables). */
    public boolean multipleSignatures() {
        return keys.filter(KeySetup.Tables.class::isInstance).map(k -> ((KeySetup.Tables) k).multipleSignatures())
                .orElse(false);
    }

    @Override
    public String toString() {
        return "SigningPolicy[" + keys.map(SigningPolicy::describe).orElse("no keys")
                + ", internal=" + internalHosts.entries() + "]";
    }

    private static String describe(KeySetup keys) {
        if (keys instanceof KeySetup.Tables tables) {
            return "tables=" + tables.signingTable().entries().size() + " entries";
        }
        KeySetup.DomainKey key = (KeySetup.DomainKey) keys;
        return "domains=" + key.domains().entries() + " selector=" + key.selector();
    }

    /**
     * Builds a {@link SigningPolicy}. Hosts default to OpenDKIM's defaults (InternalHosts 127.0.0.1 and ::1, the
     * other lists empty). A key setup ({@link KeySetup}) may be chosen once: tables, or OpenDKIM's
     * Domain/Selector/KeyFile.
     */
    public static final class Builder {
        private HostList peerList = HostList.empty();
        private HostList internalHosts = HostList.DEFAULT_INTERNAL;
        private HostList externalIgnoreList = HostList.empty();
        private MacroList macroList = MacroList.empty();
        private NameSet mtas = NameSet.empty();
        private KeyTable keyTable;
        private SigningTable signingTable;
        private boolean multipleSignatures;
        private NameSet domains;
        private String selector;
        private String keyFile;
        private boolean subDomains;

        private Builder() {
        }

        public Builder peerList(HostList value) {
            this.peerList = Objects.requireNonNull(value, "peerList");
            return this;
        }

        public Builder internalHosts(HostList value) {
            this.internalHosts = Objects.requireNonNull(value, "internalHosts");
            return this;
        }

        public Builder externalIgnoreList(HostList value) {
            this.externalIgnoreList = Objects.requireNonNull(value, "externalIgnoreList");
            return this;
        }

        public Builder macroList(MacroList value) {
            this.macroList = Objects.requireNonNull(value, "macroList");
            return this;
        }

        /** MTA names ({@code {daemon_name}} values) whose mail is signed, compared exactly. */
        public Builder mtas(NameSet value) {
            this.mtas = Objects.requireNonNull(value, "mtas");
            return this;
        }

        /**
         * The KeyTable/SigningTable setup.
         *
         * @throws IllegalStateException if a key setup was already chosen
         */
        public Builder tables(KeyTable keys, SigningTable table) {
            requireNoKeySetup();
            this.keyTable = Objects.requireNonNull(keys, "keyTable");
            this.signingTable = Objects.requireNonNull(table, "signingTable");
            return this;
        }

        public Builder multipleSignatures(boolean value) {
            this.multipleSignatures = value;
            return this;
        }

        /**
         * OpenDKIM's Domain/Selector/KeyFile setup ({@link KeySetup.DomainKey}): sign mail from {@code domains} with
         * one key.
         *
         * @throws IllegalStateException if a key setup was already chosen
         */
        public Builder domainKey(NameSet signingDomains, String keySelector, String privateKeyFile) {
            requireNoKeySetup();
            this.domains = Objects.requireNonNull(signingDomains, "domains");
            this.selector = Objects.requireNonNull(keySelector, "selector");
            this.keyFile = Objects.requireNonNull(privateKeyFile, "keyFile");
            return this;
        }

        /** With the Domain/Selector/KeyFile setup, sign subdomains of the Domain list too. */
        public Builder subDomains(boolean value) {
            this.subDomains = value;
            return this;
        }

        private Optional<KeySetup> keys() {
            if (signingTable != null) {
                return Optional.of(new KeySetup.Tables(keyTable, signingTable, multipleSignatures));
            }
            if (keyFile != null) {
                return Optional.of(new KeySetup.DomainKey(domains, selector, keyFile, subDomains));
            }
            return Optional.empty();
        }

        public SigningPolicy build() {
            return new SigningPolicy(this);
        }

        private void requireNoKeySetup() {
            if (signingTable != null) {
                throw new IllegalStateException("key setup: already KeyTable/SigningTable " + signingTable);
            }
            if (keyFile != null) {
                throw new IllegalStateException("key setup: already KeyFile " + keyFile);
            }
        }
    }
}
