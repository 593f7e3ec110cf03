package org.postseal.dkim;

import org.postseal.dkim.record.DkimQuotedPrintable;
import org.postseal.dkim.record.TagSyntaxException;
import org.postseal.dkim.record.TagList;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;

/**
 * The value of a DKIM-Signature header field, parsed and checked against RFC 6376 §3.5 and §6.1.1: every required
 * tag present, values well formed, {@code From} among the signed fields, {@code i=} within {@code d=}.
 */
public final class DkimSignature {
    private final TagList tags;
    private final SignatureAlgorithm algorithm;
    private final CanonicalizationPair canonicalization;
    private final String domain;
    private final String selector;
    private final List<String> signedHeaders;
    private final String identity;
    private final byte[] bodyHash;
    private final byte[] signature;
    private final OptionalLong bodyLength;
    private final OptionalLong timestamp;
    private final OptionalLong expiration;

    private DkimSignature(TagList tags, SignatureAlgorithm algorithm, CanonicalizationPair canonicalization,
            String domain, String selector, List<String> signedHeaders, String identity, byte[] bodyHash,
            byte[] signature, OptionalLong bodyLength, OptionalLong timestamp, OptionalLong expiration) {
        this.tags = tags;
        this.algorithm = algorithm;
        this.canonicalization = canonicalization;
        this.domain = domain;
        this.selector = selector;
        this.signedHeaders = List.copyOf(signedHeaders);
        this.identity = identity;
        this.bodyHash = bodyHash;
        this.signature = signature;
        this.bodyLength = bodyLength;
        this.timestamp = timestamp;
        this.expiration = expiration;
    }

    /**
     * Parses a DKIM-Signature field value (everything after the colon).
     *
     * @throws DkimFailureException with a {@code SIGNATURE_SYNTAX}, {@code UNSUPPORTED_*}, {@code FROM_NOT_SIGNED}
     *     or {@code IDENTITY_MISMATCH} failure describing the first problem found
     */
    public static DkimSignature parse(String value) throws DkimFailureException {
        TagList tags;
        try {
            tags = TagList.parse(value);
        } catch (TagSyntaxException e) {
            throw new DkimFailureException(VerificationFailure.SIGNATURE_SYNTAX, e.getMessage());
        }
        String version = require(tags, "v");
        if (!version.equals("1")) {
            throw new DkimFailureException(VerificationFailure.UNSUPPORTED_VERSION, "v=" + version);
        }
        String a = require(tags, "a");
        if (a.equalsIgnoreCase("rsa-sha1")) {
            throw new DkimFailureException(VerificationFailure.ALGORITHM_NOT_ALLOWED, "a=" + a);
        }
        SignatureAlgorithm algorithm = SignatureAlgorithm.fromTag(a).orElseThrow(
                () -> new DkimFailureException(VerificationFailure.UNSUPPORTED_ALGORITHM, "a=" + a));
        byte[] signature = base64(tags, "b");
        byte[] bodyHash = base64(tags, "bh");
        if (bodyHash.length != 32) {
            throw new DkimFailureException(VerificationFailure.SIGNATURE_SYNTAX,
                    "bh= holds " + bodyHash.length + " bytes (expected: 32 for sha256)");
        }
        CanonicalizationPair canonicalization;
        String c = tags.get("c").orElse("simple/simple");
        try {
            canonicalization = CanonicalizationPair.parse(c);
        } catch (IllegalArgumentException e) {
            throw new DkimFailureException(VerificationFailure.UNSUPPORTED_CANONICALIZATION, "c=" + c);
        }
        String domain = require(tags, "d");
        checkDomain("d", domain);
        String selector = require(tags, "s");
        checkSelector(selector);
        List<String> signedHeaders = new ArrayList<>();
        for (String name : require(tags, "h").split(":", -1)) {
            String trimmed = TagList.stripWhitespace(name);
            if (trimmed.isEmpty()) {
                throw new DkimFailureException(VerificationFailure.SIGNATURE_SYNTAX, "empty field name in h=");
            }
            signedHeaders.add(trimmed);
        }
        if (signedHeaders.stream().noneMatch(h -> h.equalsIgnoreCase("from"))) {
            throw new DkimFailureException(VerificationFailure.FROM_NOT_SIGNED, "h=" + String.join(":", signedHeaders));
        }
        String identity = "@" + domain;
        if (tags.has("i")) {
            try {
                identity = DkimQuotedPrintable.decode(tags.get("i").orElseThrow());
            } catch (TagSyntaxException e) {
                throw new DkimFailureException(VerificationFailure.SIGNATURE_SYNTAX, "i=: " + e.getMessage());
            }
            int at = identity.lastIndexOf('@');
            if (at < 0) {
                throw new DkimFailureException(VerificationFailure.SIGNATURE_SYNTAX, "i= without @: " + identity);
            }
            String identityDomain = identity.substring(at + 1).toLowerCase(Locale.ROOT);
            String d = domain.toLowerCase(Locale.ROOT);
            if (!identityDomain.equals(d) && !identityDomain.endsWith("." + d)) {
                throw new DkimFailureException(VerificationFailure.IDENTITY_MISMATCH,
                        "i=" + identity + " d=" + domain);
            }
        }
        OptionalLong bodyLength = number(tags, "l");
        OptionalLong timestamp = number(tags, "t");
        OptionalLong expiration = number(tags, "x");
        if (timestamp.isPresent() && expiration.isPresent() && expiration.getAsLong() < timestamp.getAsLong()) {
            throw new DkimFailureException(VerificationFailure.SIGNATURE_SYNTAX, "x= is before t=");
        }
        String q = tags.get("q").orElse("dns/txt");
        boolean dnsTxt = false;
        for (String method : q.split(":")) {
            dnsTxt |= TagList.stripWhitespace(method).equalsIgnoreCase("dns/txt");
        }
        if (!dnsTxt) {
            throw new DkimFailureException(VerificationFailure.UNSUPPORTED_QUERY_METHOD, "q=" + q);
        }
        return new DkimSignature(tags, algorithm, canonicalization, domain, selector, signedHeaders, identity,
                bodyHash, signature, bodyLength, timestamp, expiration);
    }

    private static String require(TagList tags, String name) throws DkimFailureException {
        String value = tags.get(name).orElseThrow(
                () -> new DkimFailureException(VerificationFailure.SIGNATURE_SYNTAX, "missing " + name + "= tag"));
        if (value.isEmpty() && !name.equals("b")) {
            throw new DkimFailureException(VerificationFailure.SIGNATURE_SYNTAX, "empty " + name + "= tag");
        }
        return value;
    }

    private static byte[] base64(TagList tags, String name) throws DkimFailureException {
        String value = TagList.stripWhitespace(require(tags, name));
        if (value.isEmpty()) {
            throw new DkimFailureException(VerificationFailure.SIGNATURE_SYNTAX, "empty " + name + "= tag");
        }
        try {
            return Base64.getDecoder().decode(value);
        } catch (IllegalArgumentException e) {
            throw new DkimFailureException(VerificationFailure.SIGNATURE_SYNTAX, name + "= is not base64");
        }
    }

    private static OptionalLong number(TagList tags, String name) throws DkimFailureException {
        if (!tags.has(name)) {
            return OptionalLong.empty();
        }
        String value = tags.get(name).orElseThrow();
        if (value.isEmpty() || value.length() > 18 || !value.chars().allMatch(ch -> ch >= '0' && ch <= '9')) {
            throw new DkimFailureException(VerificationFailure.SIGNATURE_SYNTAX,
                    name + "=" + value + " (expected: a decimal number)");
        }
        return OptionalLong.of(Long.parseLong(value));
    }

    private static void checkDomain(String tag, String domain) throws DkimFailureException {
        for (String label : domain.split("\\.", -1)) {
            if (label.isEmpty() || label.length() > 63 || !label.chars().allMatch(
                    ch -> Character.isLetterOrDigit(ch) || ch == '-' || ch == '_')) {
                throw new DkimFailureException(VerificationFailure.SIGNATURE_SYNTAX, tag + "=" + domain);
            }
        }
    }

    private static void checkSelector(String selector) throws DkimFailureException {
        checkDomain("s", selector);
    }

    /** All tags as parsed. */
    public TagList tags() {
        return tags;
    }

    public SignatureAlgorithm algorithm() {
        return algorithm;
    }

    public CanonicalizationPair canonicalization() {
        return canonicalization;
    }

    /** The signing domain, {@code d=}. */
    public String domain() {
        return domain;
    }

    /** The selector, {@code s=}. */
    public String selector() {
        return selector;
    }

    /** The names in {@code h=}, in order, as written. */
    public List<String> signedHeaders() {
        return signedHeaders;
    }

    /** The agent or user identifier, {@code i=} decoded, or {@code @d} when absent. */
    public String identity() {
        return identity;
    }

    public byte[] bodyHash() {
        return bodyHash.clone();
    }

    public byte[] signature() {
        return signature.clone();
    }

    /** {@code l=}, the number of canonical body bytes signed, if limited. */
    public OptionalLong bodyLength() {
        return bodyLength;
    }

    /** {@code t=}, seconds since the epoch. */
    public OptionalLong timestamp() {
        return timestamp;
    }

    /** {@code x=}, seconds since the epoch. */
    public OptionalLong expiration() {
        return expiration;
    }

    @Override
    public String toString() {
        return "DkimSignature[d=" + domain + ", s=" + selector + ", a=" + algorithm + "]";
    }
}
