package org.postseal.keys;

/**
 * A zone-file text holding DKIM key records does not follow the master-file syntax that {@link ZoneFileTxt} reads.
 * The message is "line N: problem", one line.
 */
public final class ZoneFileException extends Exception {
    private static final long serialVersionUID = 1L;

    private final int line;

    public ZoneFileException(int line, String problem) {
        super("line " + line + ": " + problem);
        this.line = line;
    }

    /** The line (from 1) where the problem was found. */
    public int line() {
        return line;
    }
}
