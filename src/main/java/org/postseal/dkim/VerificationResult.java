package org.postseal.dkim;

import java.util.Objects;
import java.util.Optional;

/**
 * The outcome of checking one DKIM-Signature field: an RFC 8601 result, why it was not a pass, and what is known of
 * the signature (domain and selector are reported even when the rest of the field could not be parsed, if they can
 * be read).
 *
 * @param result the RFC 8601 result
 * @param failure why it did not pass; empty for a pass
 * @param detail a human-readable explanation (the failure's description and any detail), empty for a plain pass
 * @param domain the {@code d=} value, or empty if unreadable
 * @param selector the {@code s=} value, or empty if unreadable
 * @param signature the parsed signature, empty if it could not be parsed
 * @param testing whether the key record says the domain is testing ({@code t=y})
 * @param keyBits the size of the public key in bits, or 0 if no key was obtained
 * @param unsignedBodyBytes canonical body bytes after the {@code l=} limit, which the signature does not cover (content
 *     appended after signing, as in the "Composition Kills" attack); 0 without {@code l=} or when it covers the body
 */
public record VerificationResult(AuthResult result, Optional<VerificationFailure> failure, String detail,
        String domain, String selector, Optional<DkimSignature> signature, boolean testing, int keyBits,
        long unsignedBodyBytes) {

    public VerificationResult {
        Objects.requireNonNull(result, "result");
        Objects.requireNonNull(failure, "failure");
        Objects.requireNonNull(detail, "detail");
        Objects.requireNonNull(domain, "domain");
        Objects.requireNonNull(selector, "selector");
        Objects.requireNonNull(signature, "signature");
        if (keyBits < 0 || unsignedBodyBytes < 0) {
            throw new IllegalArgumentException("keyBits: " + keyBits + ", unsignedBodyBytes: " + unsignedBodyBytes
                    + " (expected: >= 0)");
        }
        if (failure.isPresent() != (result != AuthResult.PASS)) {
            throw new IllegalArgumentException("result: " + result + " (expected: a failure exactly when not pass)");
        }
    }

    static VerificationResult pass(DkimSignature signature, boolean testing, int keyBits, long unsignedBodyBytes) {
        return new VerificationResult(AuthResult.PASS, Optional.empty(), testing ? "key in test mode" : "",
                signature.domain(), signature.selector(), Optional.of(signature), testing, keyBits,
                unsignedBodyBytes);
    }

    static VerificationResult failed(DkimFailureException e, String domain, String selector,
            Optional<DkimSignature> signature, boolean testing, int keyBits) {
        return new VerificationResult(e.failure().result(), Optional.of(e.failure()), e.getMessage(), domain,
                selector, signature, testing, keyBits, 0);
    }

    /** Whether the signature verified. */
    public boolean passed() {
        return result == AuthResult.PASS;
    }

    /** The result word with its reason in parentheses, as in Authentication-Results: {@code fail (signature ...)}. */
    public String describe() {
        return detail.isEmpty() ? result.word() : result.word() + " (" + detail + ")";
    }
}
