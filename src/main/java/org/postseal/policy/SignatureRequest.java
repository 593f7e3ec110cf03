package org.postseal.policy;

import java.util.Objects;
import java.util.Optional;

/**
 * One signature the policy asks for: the {@code d=} domain, the {@code s=} selector, the file holding the private key
 * and, when the SigningTable names a signer, the {@code i=} identity. The key itself is not read here; the signing
 * path reads (and keeps) it ({@code org.postseal.signing.SigningKeys}).
 *
 * @param keyName the KeyTable entry it came from, or {@code KeyFile} for OpenDKIM's Domain/Selector/KeyFile
 *     setup ({@link KeySetup.DomainKey})
 * @param domain the signing domain, lower case
 * @param selector the selector
 * @param keyFile the path of the private key file, as configured (absolute unless configured relative)
 * @param identity the {@code i=} value, always within {@code domain}; empty to leave {@code i=} out
 */
public record SignatureRequest(String keyName, String domain, String selector, String keyFile,
        Optional<String> identity) {
    public SignatureRequest {
        Objects.requireNonNull(keyName, "keyName");
        Objects.requireNonNull(domain, "domain");
        Objects.requireNonNull(selector, "selector");
        Objects.requireNonNull(keyFile, "keyFile");
        Objects.requireNonNull(identity, "identity");
    }

    /** Whether {@code identity} ({@code [local]@domain}) lies within {@code domain} or a subdomain of it. */
    static boolean identityFits(String identity, String domain) {
        int at = identity.lastIndexOf('@');
        if (at < 0) {
            return false;
        }
        String identityDomain = NameSet.fold(identity.substring(at + 1));
        String signingDomain = NameSet.fold(domain);
        return identityDomain.equals(signingDomain) || identityDomain.endsWith("." + signingDomain);
    }

    @Override
    public String toString() {
        return "d=" + domain + " s=" + selector + identity.map(i -> " i=" + i).orElse("") + " key=" + keyName
                + " (" + keyFile + ")";
    }
}
