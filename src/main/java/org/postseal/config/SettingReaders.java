package org.postseal.config;

import java.nio.file.Path;
import java.util.Locale;
import java.util.function.Function;
import org.postseal.dkim.CanonicalizationPair;
import org.postseal.dkim.SignatureAlgorithm;
import org.postseal.policy.DomainName;
import org.postseal.policy.HostList;
import org.postseal.policy.KeyTable;
import org.postseal.policy.MacroList;
import org.postseal.policy.NameSet;
import org.postseal.policy.SigningPolicy;
import org.postseal.policy.SigningTable;
import org.postseal.signing.OnError;

/**
 * The readers both configuration formats (HOCON and opendkim.conf) share: single values (Canonicalization, the
 * algorithm, the on-error action; Mode is {@link OpenDkimMode}), and the {@link SigningPolicy} assembled from
 * {@link PolicyInputs} with OpenDKIM's consistency rules.
 */
final class SettingReaders {
    private SettingReaders() {
    }

    static CanonicalizationPair canonicalization(String value, String where) {
        try {
            return CanonicalizationPair.parse(value);
        } catch (IllegalArgumentException e) {
            throw ConfigException.at(where, "'" + value + "' is not a canonicalization (expected: simple or"
                    + " relaxed, or header/body such as relaxed/simple)");
        }
    }

    static SignatureAlgorithm algorithm(String value, String where) {
        if (value.strip().equalsIgnoreCase("rsa-sha1")) {
            throw ConfigException.at(where, "rsa-sha1 is not supported (RFC 8301 forbids signing with it);"
                    + " use rsa-sha256");
        }
        return SignatureAlgorithm.fromTag(value).orElseThrow(() -> ConfigException.at(where, "'" + value
                + "' is not a signing algorithm (expected: rsa-sha256 or ed25519-sha256)"));
    }

    /**
     * OpenDKIM's handling words ({@code accept}, {@code tempfail}, {@code reject}, {@code discard},
     * {@code quarantine}, or their first letters) reduced to accept or tempfail; the last three become tempfail with
     * a warning, so that no message is lost or refused for good because it could not be signed.
     */
    static OnError onError(String value, String where, Warnings warnings) {
        switch (value.strip().toLowerCase(Locale.ROOT)) {
            case "a", "accept" -> {
                return OnError.ACCEPT;
            }
            case "t", "tempfail" -> {
                return OnError.TEMPFAIL;
            }
            case "r", "reject", "d", "discard", "q", "quarantine" -> {
                warnings.at(where, "'" + value.strip() + "' for a message that cannot be signed is not supported;"
                        + " postseal temp-fails it instead, so that the sender's MTA keeps it and retries");
                return OnError.TEMPFAIL;
            }
            default -> throw ConfigException.at(where, "'" + value + "' is not a handling action (expected:"
                    + " accept or tempfail)");
        }
    }

    /**
     * Assembles the policy. As OpenDKIM: a SigningTable needs a KeyTable and the other way round; with them, Domain,
     * Selector and KeyFile are ignored; otherwise Selector and KeyFile go together, and Domain needs both.
     *
     * @throws ConfigException for a combination OpenDKIM refuses, or a table that cannot be used
     */
    static SigningPolicy policy(PolicyInputs in, Path baseDirectory, Warnings warnings) {
        SigningPolicy.Builder policy = SigningPolicy.builder()
                .internalHosts(in.internalHosts().map(s -> TableFile.hostList(s, warnings))
                        .orElse(HostList.DEFAULT_INTERNAL))
                .peerList(in.peerList().map(s -> TableFile.hostList(s, warnings)).orElse(HostList.empty()))
                .externalIgnoreList(in.externalIgnoreList().map(s -> TableFile.hostList(s, warnings))
                        .orElse(HostList.empty()))
                .macroList(in.macroList().map(s -> TableFile.macroList(s, warnings)).orElse(MacroList.empty()))
                .mtas(in.mta().map(s -> TableFile.nameSet(s, true, warnings)).orElse(NameSet.empty()))
                .multipleSignatures(in.multipleSignatures())
                .subDomains(in.subDomains());
        Function<String, String> where = in.where();
        if (in.signingTable().isPresent() && in.keyTable().isEmpty()) {
            throw ConfigException.at(where.apply("SigningTable"), "a SigningTable needs a KeyTable");
        }
        if (in.keyTable().isPresent() && in.signingTable().isEmpty()) {
            throw ConfigException.at(where.apply("KeyTable"), "a KeyTable needs a SigningTable");
        }
        if (in.keyTable().isPresent()) {
            KeyTable keys = TableFile.keyTable(in.keyTable().get(), baseDirectory, warnings);
            SigningTable table = TableFile.signingTable(in.signingTable().get(), keys, warnings);
            for (String option : new String[] {"Domain", "Selector", "KeyFile"}) {
                boolean set = option.equals("Domain") ? in.domain().isPresent()
                        : option.equals("Selector") ? in.selector().isPresent() : in.keyFile().isPresent();
                if (set) {
                    warnings.at(where.apply(option), option + " is ignored because a KeyTable is set");
                }
            }
            if (in.subDomains()) {
                warnings.at(where.apply("SubDomains"), "SubDomains only applies to Domain, not to a SigningTable"
                        + " (whose lookups already try parent domains)");
            }
            return policy.tables(keys, table).build();
        }
        if (in.selector().isPresent() != in.keyFile().isPresent()) {
            throw ConfigException.at(where.apply(in.selector().isPresent() ? "Selector" : "KeyFile"),
                    "KeyFile and Selector must both be set, or neither");
        }
        if (in.keyFile().isPresent()) {
            String selector = in.selector().get();
            if (!DomainName.isValid(selector)) {
                throw ConfigException.at(where.apply("Selector"), "'" + selector + "' is not a DNS name");
            }
            NameSet domains = in.domain().map(s -> TableFile.nameSet(s, false, warnings)).orElse(NameSet.empty());
            if (domains.isEmpty()) {
                warnings.at(where.apply("KeyFile"), "KeyFile and Selector without Domain sign nothing (in OpenDKIM"
                        + " too); set Domain to the domains to sign");
            }
            return policy.domainKey(domains, selector, in.keyFile().get()).build();
        }
        if (in.domain().isPresent()) {
            throw ConfigException.at(where.apply("Domain"), "Domain needs KeyFile and Selector");
        }
        warnings.at(where.apply("KeyTable"), "no keys are configured (neither KeyTable and SigningTable nor"
                + " Domain, Selector and KeyFile): nothing will be signed");
        return policy.build();
    }
}
