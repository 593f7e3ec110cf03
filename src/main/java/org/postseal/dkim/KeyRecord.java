package org.postseal.dkim;

import org.postseal.dkim.record.TagSyntaxException;
import org.postseal.dkim.record.TagList;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A DKIM key record (RFC 6376 §3.6.1), as published in a TXT record at {@code selector._domainkey.domain}. Unknown
 * tags are ignored, as the RFC says; an empty {@code p=} means the key was revoked.
 */
public final class KeyRecord {
    private final String keyType;
    private final List<String> hashAlgorithms;
    private final List<String> serviceTypes;
    private final List<String> flags;
    private final String publicKeyData;

    private KeyRecord(String keyType, List<String> hashAlgorithms, List<String> serviceTypes, List<String> flags,
            String publicKeyData) {
        this.keyType = keyType;
        this.hashAlgorithms = List.copyOf(hashAlgorithms);
        this.serviceTypes = List.copyOf(serviceTypes);
        this.flags = List.copyOf(flags);
        this.publicKeyData = publicKeyData;
    }

    /**
     * Parses a record's text.
     *
     * @throws DkimFailureException with {@link VerificationFailure#KEY_SYNTAX} if it is not a DKIM key record
     */
    public static KeyRecord parse(String text) throws DkimFailureException {
        TagList tags;
        try {
            tags = TagList.parse(text);
        } catch (TagSyntaxException e) {
            throw new DkimFailureException(VerificationFailure.KEY_SYNTAX, e.getMessage());
        }
        if (tags.has("v") && !tags.get("v").orElseThrow().equals("DKIM1")) {
            throw new DkimFailureException(VerificationFailure.KEY_SYNTAX, "v=" + tags.get("v").orElseThrow());
        }
        String p = tags.get("p").orElseThrow(
                () -> new DkimFailureException(VerificationFailure.KEY_SYNTAX, "missing p= tag"));
        return new KeyRecord(
                tags.get("k").orElse("rsa").toLowerCase(Locale.ROOT),
                list(tags.get("h").orElse("")),
                list(tags.get("s").orElse("*")),
                list(tags.get("t").orElse("")),
                TagList.stripWhitespace(p));
    }

    private static List<String> list(String value) {
        List<String> out = new ArrayList<>();
        for (String item : value.split(":")) {
            String trimmed = TagList.stripWhitespace(item).toLowerCase(Locale.ROOT);
            if (!trimmed.isEmpty()) {
                out.add(trimmed);
            }
        }
        return out;
    }

    /** {@code k=}, lower case; "rsa" when absent. */
    public String keyType() {
        return keyType;
    }

    /** {@code h=}, lower case; empty means every algorithm is allowed. */
    public List<String> hashAlgorithms() {
        return hashAlgorithms;
    }

    /** Whether {@code h=} allows this hash algorithm. */
    public boolean allowsHash(String hash) {
        return hashAlgorithms.isEmpty() || hashAlgorithms.contains(hash);
    }

    /** Whether {@code s=} allows use for email ("email" or "*"). */
    public boolean allowsEmail() {
        return serviceTypes.contains("*") || serviceTypes.contains("email");
    }

    /** Whether {@code t=y}: the domain is testing DKIM. */
    public boolean testing() {
        return flags.contains("y");
    }

    /** Whether {@code t=s}: the {@code i=} domain must be exactly {@code d=}. */
    public boolean strict() {
        return flags.contains("s");
    }

    /** Whether {@code p=} is empty: the key was revoked. */
    public boolean revoked() {
        return publicKeyData.isEmpty();
    }

    /** The base64 of {@code p=}, whitespace removed. */
    public String publicKeyData() {
        return publicKeyData;
    }
}
