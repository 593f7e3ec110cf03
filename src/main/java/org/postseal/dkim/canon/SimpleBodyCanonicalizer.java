package org.postseal.dkim.canon;

import java.io.IOException;
import java.io.OutputStream;

/**
 * The "simple" body canonicalization of RFC 6376 §3.4.3 as a stream filter: bytes pass through unchanged, except that
 * empty lines at the end of the body are dropped and the canonical body always ends with exactly one CRLF (an empty
 * body becomes a single CRLF).
 *
 * <p>Only the count of empty lines seen since the last non-empty line is held back, so memory does not grow with
 * the body.
 */
public final class SimpleBodyCanonicalizer extends BodyCanonicalizer {

    public SimpleBodyCanonicalizer(OutputStream sink) {
        super(sink);
    }

    @Override
    protected void onWhitespace(byte b) throws IOException {
        onContent(b);
    }

    @Override
    protected boolean whitespaceIsContent() {
        return true;
    }

    @Override
    protected void onEnd() throws IOException {
        emitCrlf();
    }
}
