package org.postseal.dkim;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.postseal.dkim.canon.BodyCanonicalizer;
import org.postseal.dkim.canon.DigestSink;
import org.postseal.dkim.canon.LengthLimitingOutputStream;

/**
 * Hashes a body as it streams by: canonicalizer, then the {@code l=} limit, then SHA-256. Nothing of the body is
 * kept. One hasher serves every signature that shares its canonicalization and limit.
 */
final class BodyHasher {
    private final DigestSink digest = new DigestSink(CryptoProviders.sha256());
    private final LengthLimitingOutputStream limiter;
    private final BodyCanonicalizer canonicalizer;
    private byte[] hash;

    /** A hasher for the whole body ({@code limit} negative) or its first {@code limit} canonical bytes. */
    BodyHasher(Canonicalization canonicalization, long limit) {
        this.limiter = new LengthLimitingOutputStream(digest, limit < 0 ? Long.MAX_VALUE : limit);
        this.canonicalizer = canonicalization.body(limiter);
    }

    void update(byte[] bytes, int offset, int length) {
        try {
            canonicalizer.write(bytes, offset, length);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // the chain ends in memory and cannot fail
        }
    }

    /** Ends the body and returns the hash; later calls return the same hash. */
    byte[] hash() {
        if (hash == null) {
            try {
                canonicalizer.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            hash = digest.digest();
        }
        return hash.clone();
    }

    /** The length of the whole canonical body, known once {@link #hash()} has been called. */
    long canonicalLength() {
        return limiter.seen();
    }

    /** Identifies hashers that can be shared. */
    record Key(Canonicalization canonicalization, long limit) {
    }
}
