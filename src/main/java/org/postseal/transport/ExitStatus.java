package org.postseal.transport;

/**
 * The exit statuses postseal uses, in one table: 0, 1 for "checked, did not pass", and the BSD sysexits codes for
 * errors. The command line exits with them, and the smarthost sends them to {@code postseal sendmail} in its answers
 * (so they live here, where both may import them).
 */
public final class ExitStatus {
    public static final int OK = 0;
    /**
     * {@code verify}: at least one signature did not pass (or there was none); {@code testkey}: the published key is
     * not the private key's.
     */
    public static final int NOT_VERIFIED = 1;
    /** {@code testkey}: the published RSA key is shorter than 1024 bits, which RFC 8301 forbids verifiers to accept. */
    public static final int KEY_TOO_SHORT = 2;
    /** EX_USAGE: the command line is wrong. */
    public static final int USAGE = 64;
    /** EX_DATAERR: the input message (or key) is malformed. */
    public static final int DATA_ERROR = 65;
    /** EX_NOINPUT: an input file does not exist or cannot be read. */
    public static final int NO_INPUT = 66;
    /** EX_NOUSER: a recipient is unknown. */
    public static final int NO_USER = 67;
    /** EX_NOHOST: {@code testkey}: no key record is published at the name (NXDOMAIN, or no TXT record). */
    public static final int NO_HOST = 68;
    /** EX_UNAVAILABLE: the relay refused the message for good. */
    public static final int UNAVAILABLE = 69;
    /** EX_SOFTWARE: a bug in postseal. */
    public static final int SOFTWARE = 70;
    /** EX_CANTCREAT: an output file cannot be created. */
    public static final int CANT_CREATE = 73;
    /** EX_IOERR: reading or writing failed. */
    public static final int IO_ERROR = 74;
    /** EX_TEMPFAIL: try again later. */
    public static final int TEMP_FAIL = 75;
    /** EX_NOPERM: {@code reload}: this user may not signal the running daemon. */
    public static final int NO_PERMISSION = 77;
    /** EX_PROTOCOL: {@code testkey}: the published record is not a DKIM key record. */
    public static final int PROTOCOL = 76;
    /** EX_CONFIG: the configuration is wrong. */
    public static final int CONFIG = 78;

    private ExitStatus() {
    }
}
