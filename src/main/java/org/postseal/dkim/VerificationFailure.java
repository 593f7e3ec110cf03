package org.postseal.dkim;

/**
 * Why a signature did not pass, and which RFC 8601 result that reason maps to. This enum is the one place where
 * RFC 6376's PERMFAIL and TEMPFAIL outcomes (§6.1) become RFC 8601 words.
 */
public enum VerificationFailure {
    // The signature itself cannot be used: neutral.
    SIGNATURE_SYNTAX("signature syntax error", AuthResult.NEUTRAL),
    UNSUPPORTED_VERSION("unsupported signature version", AuthResult.NEUTRAL),
    UNSUPPORTED_ALGORITHM("unsupported signature algorithm", AuthResult.NEUTRAL),
    UNSUPPORTED_CANONICALIZATION("unsupported canonicalization", AuthResult.NEUTRAL),
    UNSUPPORTED_QUERY_METHOD("unsupported query method", AuthResult.NEUTRAL),
    FROM_NOT_SIGNED("From field not signed", AuthResult.NEUTRAL),
    IDENTITY_MISMATCH("i= not within d=", AuthResult.NEUTRAL),
    SIGNATURE_TOO_LARGE("signature field too large", AuthResult.NEUTRAL),
    // Never acceptable (RFC 8301), or the key cannot be used: permerror.
    ALGORITHM_NOT_ALLOWED("algorithm not allowed by RFC 8301", AuthResult.PERMERROR),
    KEY_NOT_FOUND("no key for signature", AuthResult.PERMERROR),
    KEY_SYNTAX("key record syntax error", AuthResult.PERMERROR),
    KEY_REVOKED("key revoked", AuthResult.PERMERROR),
    KEY_TYPE_MISMATCH("key type does not match algorithm", AuthResult.PERMERROR),
    KEY_HASH_NOT_ALLOWED("key record does not allow sha256", AuthResult.PERMERROR),
    KEY_SERVICE_NOT_EMAIL("key not for email service", AuthResult.PERMERROR),
    KEY_STRICT_SUBDOMAIN("key forbids a subdomain in i= (t=s)", AuthResult.PERMERROR),
    KEY_TOO_SHORT("key too short", AuthResult.PERMERROR),
    // The signature was checked and did not hold: fail.
    BODY_HASH_MISMATCH("body hash did not verify", AuthResult.FAIL),
    SIGNATURE_MISMATCH("signature did not verify", AuthResult.FAIL),
    SIGNATURE_EXPIRED("signature expired", AuthResult.FAIL),
    SIGNATURE_IN_FUTURE("signature timestamp in the future", AuthResult.FAIL),
    BODY_LENGTH_EXCEEDS_BODY("l= exceeds body length", AuthResult.FAIL),
    // Try again later.
    KEY_UNAVAILABLE("key lookup failed temporarily", AuthResult.TEMPERROR);

    private final String description;
    private final AuthResult result;

    VerificationFailure(String description, AuthResult result) {
        this.description = description;
        this.result = result;
    }

    /** A short phrase for logs and the reason in Authentication-Results. */
    public String description() {
        return description;
    }

    /** The RFC 8601 result this failure is reported as. */
    public AuthResult result() {
        return result;
    }
}
