package org.postseal.smtp;

/** How the connection to the SMTP server is protected. */
public enum TlsMode {
    /** Plain text, never upgraded (msmtp {@code tls off}). */
    NONE,
    /** Plain connection upgraded with STARTTLS, which the server must offer (msmtp {@code tls on}, {@code tls_starttls on}). */
    STARTTLS,
    /** TLS from the first byte, as on port 465 (msmtp {@code tls on}, {@code tls_starttls off}). */
    IMPLICIT
}
