package org.postseal.policy;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * A list of hosts as OpenDKIM's InternalHosts, PeerList and ExternalIgnoreList hold them, matched as OpenDKIM matches
 * them (its {@code dkimf_checkhost} and {@code dkimf_checkip}).
 *
 * <p>Entries are host names ({@code mail.example.com}), domains written with a leading dot ({@code .example.com}, which
 * covers every name below example.com but not example.com itself), IPv4 and IPv6 addresses, with or without square
 * brackets, and CIDR blocks ({@code 192.0.2.0/24}, {@code 2001:db8::/32}). An entry starting with {@code !} excludes.
 *
 * <p>A client matches when its host name matches or, failing that, its address does (an exclusion in one does not
 * stop the other). Within each, the most specific entry wins and, at equal specificity, an exclusion wins: the host
 * name is tried whole, then each parent domain ({@code .example.com}, {@code .com}); the address is tried exactly,
 * then as every enclosing block from /32 (or /128) down to /0. So {@code 192.0.2.1} and {@code !192.0.2.0/24} let
 * 192.0.2.1 in and keep the rest of the block out, whatever their order.
 *
 * <p>As in OpenDKIM, a CIDR block whose address has bits set after the prefix ({@code 192.0.2.1/24}) never matches;
 * {@link #problem(String)} says so, for a warning. Unlike OpenDKIM, an IPv6 entry need not be spelled exactly as
 * {@code inet_ntop} spells it: entries are rewritten to that spelling when the list is built; IPv4-mapped entries
 * ({@code ::ffff:192.0.2.0/120}) become IPv4 ones, since Java presents such clients as IPv4. Names compare ignoring
 * ASCII case. With {@link #ofPatterns(Collection)} (a {@code refile:} data set) every entry is a
 * {@link WildcardPattern} tried against the same probe strings, {@code !}-prefixed probes included.
 */
public final class HostList {
    /** OpenDKIM 2.11's InternalHosts when none is configured: the IPv4 and IPv6 loopback addresses. */
    public static final HostList DEFAULT_INTERNAL = of(List.of("127.0.0.1", "::1"))
            .withSource("OpenDKIM's default, as none is configured");

    private static final HostList EMPTY = new HostList(List.of(), NameSet.empty(), new BitSet(), "");

    private final List<String> entries;
    private final NameSet probes;
    /**
     * The CIDR prefix lengths worth probing: those some entry is written with (any, for patterns). A client's
     * address is probed at these only, instead of at all 33 (or 129) on every message.
     */
    private final BitSet prefixes;
    private final String source;

    private HostList(List<String> entries, NameSet probes, BitSet prefixes, String source) {
        this.entries = entries;
        this.probes = probes;
        this.prefixes = prefixes;
        this.source = source;
    }

    /** The list that matches no host. */
    public static HostList empty() {
        return EMPTY;
    }

    /** A list from entries as written in a {@code file:} or comma-separated data set. */
    public static HostList of(Collection<String> entries) {
        List<String> canonical = new ArrayList<>();
        for (String entry : entries) {
            canonical.add(canonical(entry));
        }
        BitSet prefixes = new BitSet(129);
        for (String entry : canonical) {
            Address parsed = Address.parse(entry.startsWith("!") ? entry.substring(1) : entry);
            if (parsed != null && parsed.prefix >= 0 && parsed.prefix <= 128) {
                prefixes.set(parsed.prefix);
            }
        }
        return new HostList(List.copyOf(entries), NameSet.of(canonical), prefixes, "");
    }

    /**
     * A list whose entries are {@code refile:} wildcard patterns.
     *
     * @throws IllegalArgumentException naming the first pattern that does not compile
     */
    public static HostList ofPatterns(Collection<String> patterns) {
        BitSet every = new BitSet(129);
        every.set(0, 129);
        return new HostList(List.copyOf(patterns), NameSet.patterns(patterns), every, "");
    }

    /** This list, described as coming from {@code description} (a file, a setting), for explanations. */
    public HostList withSource(String description) {
        return new HostList(entries, probes, prefixes, description);
    }

    /** Where the list comes from, for explanations ({@code file:/etc/opendkim/TrustedHosts}); empty if not known. */
    public String source() {
        return source;
    }

    /**
     * Whether the client belongs to the list: by host name first, then by address.
     *
     * @param address the client address, or null if unknown
     * @param hostName the client's host name, or null, empty or a bracketed address when it has none
     */
    public boolean matches(InetAddress address, String hostName) {
        return matching(address, hostName).isPresent();
    }

    /**
     * The entry that lets the client in ({@link #matches}), as OpenDKIM probes it: the name or parent domain
     * ({@code .example.com}), the address, or the block ({@code 192.0.2.0/24}); empty when the client does not
     * belong to the list.
     */
    public Optional<String> matching(InetAddress address, String hostName) {
        Optional<String> byName = matchingName(hostName);
        return byName.isPresent() ? byName : matchingAddress(address);
    }

    /** The host-name half of {@link #matches}: the name, then each parent domain with a leading dot. */
    public boolean matchesName(String hostName) {
        return matchingName(hostName).isPresent();
    }

    private Optional<String> matchingName(String hostName) {
        if (hostName == null || hostName.isEmpty() || hostName.startsWith("[") || entries.isEmpty()) {
            return Optional.empty();
        }
        String name = hostName.endsWith(".") ? hostName.substring(0, hostName.length() - 1) : hostName;
        for (int dot = 0; dot >= 0 && dot < name.length(); dot = name.indexOf('.', dot + 1)) {
            String key = name.substring(dot);
            Boolean verdict = probe(key);
            if (verdict != null) {
                return verdict ? Optional.of(key) : Optional.empty();
            }
        }
        return Optional.empty();
    }

    /** The address half of {@link #matches}: the address, bracketed or not, then each enclosing CIDR block. */
    public boolean matchesAddress(InetAddress address) {
        return matchingAddress(address).isPresent();
    }

    private Optional<String> matchingAddress(InetAddress address) {
        if (address == null || entries.isEmpty()) {
            return Optional.empty();
        }
        byte[] bytes = address.getAddress();
        String text = IpText.format(bytes);
        Optional<Optional<String>> verdict = verdict(text);
        if (verdict.isEmpty()) {
            verdict = verdict("[" + text + "]");
        }
        for (int prefix = prefixes.previousSetBit(bytes.length * 8); verdict.isEmpty() && prefix >= 0;
                prefix = prefixes.previousSetBit(prefix - 1)) {
            String network = IpText.format(IpText.mask(bytes, prefix));
            verdict = verdict(network + "/" + prefix);
            if (verdict.isEmpty()) {
                verdict = verdict("[" + network + "]/" + prefix);
            }
        }
        return verdict.flatMap(v -> v);
    }

    /** {@link #probe} with the key: the key if listed, an empty value if excluded, empty to look further. */
    private Optional<Optional<String>> verdict(String key) {
        Boolean verdict = probe(key);
        return verdict == null ? Optional.empty() : Optional.of(verdict ? Optional.of(key) : Optional.empty());
    }

    /** FALSE if the exclusion of {@code key} is listed, TRUE if {@code key} is, null to look further. */
    private Boolean probe(String key) {
        if (probes.contains("!" + key)) {
            return Boolean.FALSE;
        }
        return probes.contains(key) ? Boolean.TRUE : null;
    }

    public boolean isEmpty() {
        return entries.isEmpty();
    }

    /** The entries as written. */
    public List<String> entries() {
        return entries;
    }

    /**
     * Why an entry of a {@code file:} or comma-separated host list will not do what it seems to, for a warning: a
     * CIDR block with host bits set, a prefix too long, text that looks like an address but is not one, a
     * {@code *} outside a {@code refile:} data set, or an address OpenDKIM would only match spelled differently.
     */
    public static Optional<String> problem(String entry) {
        String body = entry.startsWith("!") ? entry.substring(1) : entry;
        if (body.indexOf('*') >= 0) {
            return Optional.of("'" + entry + "': * is a wildcard only in a refile: data set; here it never matches");
        }
        Address parsed = Address.parse(body);
        if (parsed == null) {
            boolean looksNumeric = !body.isEmpty() && body.chars().allMatch(
                    c -> (c >= '0' && c <= '9') || c == '.' || c == '/' || c == '[' || c == ']');
            if (looksNumeric || body.indexOf(':') >= 0) {
                return Optional.of("'" + entry + "' is not an IP address or CIDR block that OpenDKIM understands"
                        + " (write a.b.c.d, a.b.c.d/n or an IPv6 address); it never matches");
            }
            return Optional.empty();
        }
        int bits = parsed.bytes.length * 8;
        if (parsed.prefix > bits) {
            return Optional.of("'" + entry + "': a prefix longer than " + bits + " bits never matches");
        }
        if (parsed.prefix >= 0 && !Arrays.equals(parsed.bytes, IpText.mask(parsed.bytes, parsed.prefix))) {
            String network = IpText.format(IpText.mask(parsed.bytes, parsed.prefix)) + "/" + parsed.prefix;
            return Optional.of("'" + entry + "' has bits set after the /" + parsed.prefix + " prefix, so it never"
                    + " matches (OpenDKIM compares it with " + network + "); write " + network);
        }
        String canonical = parsed.canonical();
        if (parsed.isMappedIpv4()) {
            return Optional.of("'" + entry + "' is read as " + canonical + " (Java presents IPv4-mapped client"
                    + " addresses as IPv4 ones)");
        }
        if (!NameSet.fold(parsed.written).equals(canonical)) {
            return Optional.of("'" + entry + "' is read as " + canonical + " (OpenDKIM matches only that spelling)");
        }
        return Optional.empty();
    }

    /** The entry as OpenDKIM's probes spell it: addresses in inet_ntop form without brackets, names as written. */
    private static String canonical(String entry) {
        boolean excluded = entry.startsWith("!");
        String body = excluded ? entry.substring(1) : entry;
        Address parsed = Address.parse(body);
        String out = parsed == null || parsed.prefix > parsed.bytes.length * 8 ? body : parsed.canonical();
        return excluded ? "!" + out : out;
    }

    @Override
    public String toString() {
        return "HostList" + entries;
    }

    /** An address or CIDR entry taken apart: its bytes, its prefix (-1 if none), the address text as written. */
    private static final class Address {
        final byte[] bytes;
        final int prefix;
        final String written;

        private Address(byte[] bytes, int prefix, String written) {
            this.bytes = bytes;
            this.prefix = prefix;
            this.written = written;
        }

        static Address parse(String body) {
            String text = body;
            String suffix = "";
            int slash = text.indexOf('/');
            if (slash >= 0) {
                suffix = text.substring(slash + 1);
                text = text.substring(0, slash);
                if (suffix.isEmpty() || suffix.length() > 3 || !suffix.chars().allMatch(c -> c >= '0' && c <= '9')) {
                    return null;
                }
            }
            if (text.length() > 2 && text.startsWith("[") && text.endsWith("]")) {
                text = text.substring(1, text.length() - 1);
            }
            Optional<byte[]> bytes = IpText.parse(text);
            if (bytes.isEmpty()) {
                return null;
            }
            return new Address(bytes.get(), suffix.isEmpty() ? -1 : Integer.parseInt(suffix),
                    suffix.isEmpty() ? text : text + "/" + suffix);
        }

        /**
         * The inet_ntop spelling; an IPv4-mapped IPv6 entry ({@code ::ffff:192.0.2.0/120}) becomes its IPv4 form
         * ({@code 192.0.2.0/24}), because Java hands such client addresses over as IPv4 ones.
         */
        String canonical() {
            if (isMappedIpv4()) {
                byte[] v4 = {bytes[12], bytes[13], bytes[14], bytes[15]};
                return prefix < 0 ? IpText.format(v4) : IpText.format(v4) + "/" + (prefix - 96);
            }
            String text = IpText.format(bytes);
            return prefix < 0 ? text : text + "/" + prefix;
        }

        private boolean isMappedIpv4() {
            if (bytes.length != 16 || (prefix >= 0 && prefix < 96) || bytes[10] != -1 || bytes[11] != -1) {
                return false;
            }
            for (int i = 0; i < 10; i++) {
                if (bytes[i] != 0) {
                    return false;
                }
            }
            return true;
        }
    }
}
