package org.postseal.policy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * OpenDKIM's KeyTable: key names mapped to a signing domain, a selector and a private key file. The SigningTable
 * picks entries by name.
 *
 * <p>A domain written as {@code %} alone stands for the domain of the message's From address, and every {@code %} in
 * the key file path is replaced by the signing domain, so one entry {@code default %:mail:/etc/dkimkeys/%.private}
 * serves every domain. Names are compared exactly (OpenDKIM opens the KeyTable case-sensitively); when a name is
 * listed twice the first entry counts, as in OpenDKIM.
 */
public final class KeyTable {
    /** The domain placeholder. */
    public static final String FROM_DOMAIN = "%";

    private final List<Entry> entries;
    private final Map<String, Entry> byName;

    private KeyTable(List<Entry> entries, Map<String, Entry> byName) {
        this.entries = entries;
        this.byName = byName;
    }

    /** A table of the given entries, in order; for a repeated name the first entry counts. */
    public static KeyTable of(List<Entry> entries) {
        Map<String, Entry> byName = new LinkedHashMap<>();
        for (Entry entry : entries) {
            byName.putIfAbsent(entry.name(), entry);
        }
        return new KeyTable(List.copyOf(entries), Map.copyOf(byName));
    }

    /** The entry of that name. */
    public Optional<Entry> get(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    public boolean contains(String name) {
        return byName.containsKey(name);
    }

    /**
     * The signature that entry {@code name} makes for mail from {@code fromDomain}: {@code %} replaced in the domain
     * and the key path, the identity dropped unless it lies within the signing domain (OpenDKIM leaves such an
     * {@code i=} out).
     *
     * @param fromDomain the From address's domain, lower case
     * @return empty if there is no entry of that name
     * @throws IllegalArgumentException if the entry signs for {@code fromDomain} (so puts it into {@code d=} and its
     *     key path) and it is not a domain name ({@link DomainName}); the policy checks that first, this is the last
     *     guard before a path
     */
    public Optional<SignatureRequest> resolve(String name, String fromDomain, Optional<String> identity) {
        Entry entry = byName.get(name);
        if (entry == null) {
            return Optional.empty();
        }
        if (entry.domain().equals(FROM_DOMAIN) && !DomainName.isValid(fromDomain)) {
            throw new IllegalArgumentException("From domain: '" + fromDomain + "' (expected: a domain name)");
        }
        String domain = entry.domain().equals(FROM_DOMAIN) ? fromDomain : NameSet.fold(entry.domain());
        String keyFile = entry.keyFile().replace(FROM_DOMAIN, domain);
        Optional<String> fitting = identity.filter(i -> SignatureRequest.identityFits(i, domain));
        return Optional.of(new SignatureRequest(name, domain, entry.selector(), keyFile, fitting));
    }

    public List<Entry> entries() {
        return entries;
    }

    public int size() {
        return entries.size();
    }

    @Override
    public String toString() {
        return "KeyTable" + entries;
    }

    /**
     * One line of the KeyTable: {@code name domain:selector:keyfile}.
     *
     * @param name the key name the SigningTable refers to
     * @param domain the signing domain, or {@code %} for the From domain
     * @param selector the selector
     * @param keyFile the private key file; {@code %} in it is replaced by the signing domain
     * @param where the file and line it was read from ({@code /etc/opendkim/KeyTable:3}), for explanations; empty
     *     for an entry made in code
     */
    public record Entry(String name, String domain, String selector, String keyFile, String where) {
        public Entry {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(domain, "domain");
            Objects.requireNonNull(selector, "selector");
            Objects.requireNonNull(keyFile, "keyFile");
            Objects.requireNonNull(where, "where");
            if (name.isEmpty() || domain.isEmpty() || selector.isEmpty() || keyFile.isEmpty()) {
                throw new IllegalArgumentException("KeyTable entry: " + name + " " + domain + ":" + selector + ":"
                        + keyFile + " (expected: no empty field)");
            }
        }

        /** An entry made in code, read from no file. */
        public Entry(String name, String domain, String selector, String keyFile) {
            this(name, domain, selector, keyFile, "");
        }

        @Override
        public String toString() {
            return name + " " + domain + ":" + selector + ":" + keyFile;
        }
    }
}
