package org.postseal.smtp;

/** Which SASL mechanism to authenticate with (msmtp's {@code auth}). */
public enum AuthMechanism {
    /** No authentication (msmtp {@code auth off}). */
    NONE,
    /** The best mechanism both sides have, PLAIN before LOGIN (msmtp {@code auth on}). */
    AUTO,
    /** RFC 4616 PLAIN. */
    PLAIN,
    /** The de facto LOGIN mechanism. */
    LOGIN
}
