package org.postseal.dkim.canon;

import java.io.OutputStream;
import java.security.MessageDigest;

/** The end of a canonicalization chain: every byte written updates a digest. Closing it does nothing. */
public final class DigestSink extends OutputStream {
    private final MessageDigest digest;

    public DigestSink(MessageDigest digest) {
        this.digest = digest;
    }

    @Override
    public void write(int b) {
        digest.update((byte) b);
    }

    @Override
    public void write(byte[] bytes, int offset, int length) {
        digest.update(bytes, offset, length);
    }

    /** Completes the digest; the sink must not be written to afterwards. */
    public byte[] digest() {
        return digest.digest();
    }
}
