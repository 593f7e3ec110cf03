package org.postseal.dkim.canon;

import java.io.IOException;
import java.io.OutputStream;

/**
 * The "relaxed" body canonicalization of RFC 6376 §3.4.4 as a stream filter: whitespace at the end of a line is
 * dropped, runs of whitespace inside a line become one space, empty lines at the end of the body are dropped, and a
 * non-empty body ends with exactly one CRLF (an empty body stays empty, as erratum 1384 says).
 */
public final class RelaxedBodyCanonicalizer extends BodyCanonicalizer {
    private boolean pendingSpace;

    public RelaxedBodyCanonicalizer(OutputStream sink) {
        super(sink);
    }

    @Override
    protected void onWhitespace(byte b) {
        pendingSpace = true;
    }

    @Override
    protected void beforeContent() throws IOException {
        if (pendingSpace) {
            pendingSpace = false;
            emit((byte) ' ');
        }
    }

    @Override
    protected void onLineEnd() {
        pendingSpace = false;
    }

    @Override
    protected boolean whitespaceIsContent() {
        return false;
    }

    @Override
    protected boolean holdsWhitespace() {
        return pendingSpace;
    }

    @Override
    protected void onEnd() throws IOException {
        if (hasContent()) {
            emitCrlf();
        }
    }
}
