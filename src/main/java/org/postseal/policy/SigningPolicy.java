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
 *       MultipleSignatures every matching entry signs, in table order, each distinct signature once. With the single
 *       key setup (Domain, Selector, KeyFile), the From domain must be in the Domain list (or the list must hold
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
    private final KeyTable keyTable;
    private final SigningTable signingTable;
    private final boolean multipleSignatures;
    private final NameSet domains;
    private final String selector;
    private final String keyFile;
    private final boolean subDomains;

    private SigningPolicy(Builder b) {
        this.peerList = b.peerList;
        this.internalHosts = b.internalHosts;
        this.externalIgnoreList = b.externalIgnoreList;
        this.macroList = b.macroList;
        this.mtas = b.mtas;
        this.keyTable = b.keyTable;
        this.signingTable = b.signingTable;
        this.multipleSignatures = b.multipleSignatures;
        this.domains = b.domains;
        this.selector = b.selector;
        this.keyFile = b.keyFile;
        this.subDomains = b.subDomains;
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
        if (internalHosts.matches(addressOf(client), client.hostName()) || client.isAuthenticated()) {
            return true;
        }
        if (!macroList.isEmpty() && macroList.matches(client.macros())) {
            return true;
        }
        return !mtas.isEmpty() && client.macro("daemon_name").filter(mtas::contains).isPresent();
    }

    /** The signatures for mail from {@code from} by an originating client. */
    private SigningDecision select(FromAddress from) {
        if (!DomainName.isValid(from.domain())) {
            return SigningDecision.skip(SigningDecision.Outcome.NOT_SIGNED, "the From domain '"
                    + abbreviate(from.domain()) + "' is not a domain name", Optional.of(from), false);
        }
        if (signingTable != null) {
            return selectFromTables(from);
        }
        if (keyFile != null) {
            return selectSingleKey(from);
        }
        return SigningDecision.skip(SigningDecision.Outcome.NOT_SIGNED,
                "no signing keys are configured (neither KeyTable nor KeyFile)", Optional.of(from), false);
    }

    private SigningDecision selectFromTables(FromAddress from) {
        List<SigningTable.Match> matches = signingTable.lookup(from.localPart(), from.domain(), multipleSignatures);
        if (matches.isEmpty()) {
            return SigningDecision.skip(SigningDecision.Outcome.NOT_SIGNED,
                    "no SigningTable entry for " + abbreviate(from.toString()),
                    Optional.of(from), false);
        }
        Set<SignatureRequest> requests = new LinkedHashSet<>();
        Set<String> signatures = new LinkedHashSet<>();
        for (SigningTable.Match match : matches) {
            Optional<SignatureRequest> request = keyTable.resolve(match.keyName(), from.domain(), match.signer());
            if (request.isEmpty()) {
                return SigningDecision.skip(SigningDecision.Outcome.ERROR, "SigningTable entry '" + match.entry()
                        + "' names key '" + match.keyName() + "', which is not in the KeyTable", Optional.of(from),
                        false);
            }
            SignatureRequest r = request.get();
            if (signatures.add(r.domain() + "\0" + r.selector() + "\0" + r.keyFile() + "\0" + r.identity())) {
                requests.add(r);
            }
        }
        String keys = matches.stream().map(m -> m.entry().key()).distinct().collect(Collectors.joining(", "));
        return SigningDecision.sign(new ArrayList<>(requests), from, from + " matches SigningTable " + keys);
    }

    private SigningDecision selectSingleKey(FromAddress from) {
        String domain = from.domain();
        if (domains.isEmpty()) {
            return SigningDecision.skip(SigningDecision.Outcome.NOT_SIGNED,
                    "no Domain is configured, so KeyFile signs nothing", Optional.of(from), false);
        }
        if (domains.contains(domain) || domains.contains("*")) {
            return SigningDecision.sign(List.of(new SignatureRequest("KeyFile", domain, selector, keyFile,
                    Optional.empty())), from, domain + " is a signing Domain");
        }
        if (subDomains) {
            for (int dot = domain.indexOf('.'); dot >= 0 && dot + 1 < domain.length();
                    dot = domain.indexOf('.', dot + 1)) {
                String parent = domain.substring(dot + 1);
                if (domains.contains(parent)) {
                    return SigningDecision.sign(List.of(new SignatureRequest("KeyFile", parent, selector, keyFile,
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

    /** The KeyTable, when the KeyTable/SigningTable setup is in use. */
    public Optional<KeyTable> keyTable() {
        return Optional.ofNullable(keyTable);
    }

    /** The SigningTable, when the KeyTable/SigningTable setup is in use. */
    public Optional<SigningTable> signingTable() {
        return Optional.ofNullable(signingTable);
    }

    public boolean multipleSignatures() {
        return multipleSignatures;
    }

    /** The key file of the single-key setup. */
    public Optional<String> keyFile() {
        return Optional.ofNullable(keyFile);
    }

    @Override
    public String toString() {
        return "SigningPolicy[" + (signingTable != null ? "tables=" + signingTable.entries().size() + " entries"
                : keyFile != null ? "domains=" + domains.entries() + " selector=" + selector : "no keys")
                + ", internal=" + internalHosts.entries() + "]";
    }

    /**
     * Builds a {@link SigningPolicy}. Hosts default to OpenDKIM's defaults (InternalHosts 127.0.0.1 and ::1, the
     * other lists empty). A key setup may be chosen once: tables or a single key.
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
         * The single-key setup: sign mail from {@code domains} with one key.
         *
         * @throws IllegalStateException if a key setup was already chosen
         */
        public Builder singleKey(NameSet signingDomains, String keySelector, String privateKeyFile) {
            requireNoKeySetup();
            this.domains = Objects.requireNonNull(signingDomains, "domains");
            this.selector = Objects.requireNonNull(keySelector, "selector");
            this.keyFile = Objects.requireNonNull(privateKeyFile, "keyFile");
            return this;
        }

        /** With the single-key setup, sign subdomains of the Domain list too. */
        public Builder subDomains(boolean value) {
            this.subDomains = value;
            return this;
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
