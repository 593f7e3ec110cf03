package org.postseal.dkim;

/**
 * A signature could not be verified, for the reason {@link #failure()} names; the message adds detail. Thrown inside
 * the engine and turned into a {@link VerificationResult}, never out of it.
 */
public class DkimFailureException extends Exception {
    private static final long serialVersionUID = 1L;
    private final VerificationFailure failure;

    public DkimFailureException(VerificationFailure failure, String detail) {
        super(detail == null || detail.isEmpty() ? failure.description() : failure.description() + ": " + detail);
        this.failure = failure;
    }

    /** Why the signature failed. */
    public VerificationFailure failure() {
        return failure;
    }
}
