package org.postseal.message;

/** How a message's lines end as it was handed to us: CRLF as on the wire, or bare LF as local programs write. */
public enum LineEnding {
    CRLF("\r\n"),
    LF("\n");

    private final String text;

    LineEnding(String text) {
        this.text = text;
    }

    /** The characters that end a line. */
    public String text() {
        return text;
    }

    /** Rewrites CRLF line breaks in {@code crlfText} to this line ending. */
    public String fromCrlf(String crlfText) {
        return this == CRLF ? crlfText : crlfText.replace("\r\n", "\n");
    }
}
