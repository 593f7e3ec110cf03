package org.postseal.dkim;

/**
 * Bounds on the work one message can cause a verifier, against hostile mail: only the first {@code maxSignatures}
 * DKIM-Signature fields (top down, as OpenDKIM's {@code MaximumSignaturesToVerify}) are examined, so a message with
 * 50 signatures costs at most that many key lookups, and a field longer than {@code maxSignatureBytes} is not parsed
 * (its result is {@code neutral}).
 *
 * @param maxSignatures signatures examined per message; the rest are ignored and not reported
 * @param maxSignatureBytes the longest DKIM-Signature value parsed, in bytes
 */
public record VerificationLimits(int maxSignatures, int maxSignatureBytes) {
    /** No bounds: every signature is examined, whatever its size ({@code postseal verify}). */
    public static final VerificationLimits NONE = new VerificationLimits(Integer.MAX_VALUE, Integer.MAX_VALUE);

    /**
     * @throws IllegalArgumentException if a bound is below 1
     */
    public VerificationLimits {
        if (maxSignatures < 1) {
            throw new IllegalArgumentException("maxSignatures: " + maxSignatures + " (expected: >= 1)");
        }
        if (maxSignatureBytes < 1) {
            throw new IllegalArgumentException("maxSignatureBytes: " + maxSignatureBytes + " (expected: >= 1)");
        }
    }
}
