package org.postseal.signing;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.postseal.dkim.CanonicalizationPair;
import org.postseal.dkim.FieldNames;
import org.postseal.dkim.SignatureSpec;
import org.postseal.dkim.SigningKey;

/**
 * What every signature of a setup has in common, whichever key makes it: canonicalization, the header fields
 * signed and oversigned, the lifetime ({@code x=}) and whether {@code l=} is written. Built once from the
 * configuration or the command line, its header names checked once; {@link #spec} turns it into the engine's
 * {@link SignatureSpec} for one key, per message.
 */
public final class SignatureTemplate {
    /** OpenDKIM's header lists, relaxed/relaxed, no expiry, no {@code l=}. */
    public static final SignatureTemplate DEFAULT = of(CanonicalizationPair.RELAXED_RELAXED);

    private final CanonicalizationPair canonicalization;
    private final FieldNames signedHeaders;
    private final FieldNames oversignedHeaders;
    private final Optional<Duration> expiry;
    private final boolean bodyLengthTag;

    /**
     * @param canonicalization {@code c=}
     * @param signedHeaders the fields to sign ({@code h=}; From is added if missing)
     * @param oversignedHeaders the fields to oversign
     * @param expiry how long signatures stay valid, if limited
     * @param bodyLengthTag whether to write {@code l=}
     * @throws IllegalArgumentException if a header field name is not one (checked here, once, not per message)
     */
    public SignatureTemplate(CanonicalizationPair canonicalization, List<String> signedHeaders,
            List<String> oversignedHeaders, Optional<Duration> expiry, boolean bodyLengthTag) {
        this.canonicalization = Objects.requireNonNull(canonicalization, "canonicalization");
        this.signedHeaders = FieldNames.of(signedHeaders);
        this.oversignedHeaders = FieldNames.of(oversignedHeaders);
        this.expiry = Objects.requireNonNull(expiry, "expiry");
        this.bodyLengthTag = bodyLengthTag;
    }

    public CanonicalizationPair canonicalization() {
        return canonicalization;
    }

    public List<String> signedHeaders() {
        return signedHeaders.list();
    }

    public List<String> oversignedHeaders() {
        return oversignedHeaders.list();
    }

    public Optional<Duration> expiry() {
        return expiry;
    }

    public boolean bodyLengthTag() {
        return bodyLengthTag;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SignatureTemplate t && canonicalization.equals(t.canonicalization)
                && signedHeaders().equals(t.signedHeaders()) && oversignedHeaders().equals(t.oversignedHeaders())
                && expiry.equals(t.expiry) && bodyLengthTag == t.bodyLengthTag;
    }

    @Override
    public int hashCode() {
        return Objects.hash(canonicalization, signedHeaders(), oversignedHeaders(), expiry, bodyLengthTag);
    }

    @Override
    public String toString() {
        return "SignatureTemplate[canonicalization=" + canonicalization + ", signedHeaders=" + signedHeaders
                + ", oversignedHeaders=" + oversignedHeaders + ", expiry=" + expiry + ", bodyLengthTag="
                + bodyLengthTag + "]";
    }

    /** OpenDKIM's header lists with this canonicalization, no expiry, no {@code l=}. */
    public static SignatureTemplate of(CanonicalizationPair canonicalization) {
        return new SignatureTemplate(canonicalization, SignatureSpec.DEFAULT_SIGNED_HEADERS,
                SignatureSpec.DEFAULT_OVERSIGNED_HEADERS, Optional.empty(), false);
    }

    /**
     * The specification of one signature by this template.
     *
     * @param identity the {@code i=} value, if any
     * @throws IllegalArgumentException if a header name, the identity or the expiry is not acceptable to the engine
     */
    public SignatureSpec spec(String domain, String selector, SigningKey key, Optional<String> identity) {
        SignatureSpec.Builder builder = SignatureSpec.builder(domain, selector, key)
                .canonicalization(canonicalization)
                .bodyLengthTag(bodyLengthTag)
                .signedHeaders(signedHeaders)
                .oversignedHeaders(oversignedHeaders);
        identity.ifPresent(builder::identity);
        expiry.ifPresent(builder::expiry);
        return builder.build();
    }
}
