package org.postseal.signing;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.postseal.dkim.CanonicalizationPair;
import org.postseal.dkim.SignatureSpec;
import org.postseal.dkim.SigningKey;

/**
 * What every signature of a setup has in common, whichever key makes it: canonicalization, the header fields
 * signed and oversigned, the lifetime ({@code x=}) and whether {@code l=} is written. Built once from the
 * configuration or the command line; {@link #spec} turns it into the engine's {@link SignatureSpec} for one key.
 *
 * @param canonicalization {@code c=}
 * @param signedHeaders the fields to sign ({@code h=}; From is added if missing)
 * @param oversignedHeaders the fields to oversign
 * @param expiry how long signatures stay valid, if limited
 * @param bodyLengthTag whether to write {@code l=}
 */
public record SignatureTemplate(CanonicalizationPair canonicalization, List<String> signedHeaders,
        List<String> oversignedHeaders, Optional<Duration> expiry, boolean bodyLengthTag) {
    /** OpenDKIM's header lists, relaxed/relaxed, no expiry, no {@code l=}. */
    public static final SignatureTemplate DEFAULT = of(CanonicalizationPair.RELAXED_RELAXED);

    public SignatureTemplate {
        Objects.requireNonNull(canonicalization, "canonicalization");
        signedHeaders = List.copyOf(signedHeaders);
        oversignedHeaders = List.copyOf(oversignedHeaders);
        Objects.requireNonNull(expiry, "expiry");
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
