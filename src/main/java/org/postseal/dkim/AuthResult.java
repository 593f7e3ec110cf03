package org.postseal.dkim;

/**
 * The result of checking one DKIM signature, in the words of RFC 8601 §2.7.1 as they appear in an
 * Authentication-Results header and in {@code postseal verify}'s output.
 */
public enum AuthResult {
    /** The signature verified. */
    PASS("pass"),
    /** The signature was usable but did not verify (hash mismatch, expired...). */
    FAIL("fail"),
    /** The signature could not be processed, for example because of a syntax error. */
    NEUTRAL("neutral"),
    /** A transient error, typically DNS; a later attempt may succeed. */
    TEMPERROR("temperror"),
    /** A permanent error outside the signature itself, such as a missing or unusable key record. */
    PERMERROR("permerror");

    private final String word;

    AuthResult(String word) {
        this.word = word;
    }

    /** The RFC 8601 word, for example {@code pass}. */
    public String word() {
        return word;
    }

    @Override
    public String toString() {
        return word;
    }
}
