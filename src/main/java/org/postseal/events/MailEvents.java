package org.postseal.events;

/**
 * Hears what happens to mail: messages signed, not signed, verified; errors; DNS key lookups. The front doors call
 * it once per outcome, on their own threads (event loops included), so an implementation must be thread-safe, quick
 * and never throw. {@link #NONE} hears nothing and costs a virtual call: the default when metrics are off.
 */
public interface MailEvents {
    /** Hears nothing. */
    MailEvents NONE = Nothing.INSTANCE;

    /** A message was signed. */
    void signed(MessageSigned event);

    /** A message was not signed, and why (including the mail a milter only verifies). */
    void notSigned(MessageNotSigned event);

    /** A message the milter does not sign was verified. */
    void verified(MessageVerified event);

    /** Something went wrong with a connection or a message. */
    void error(ErrorKind kind);

    /** A DKIM key record was looked up: answered from the cache, or by a DNS query that ended so. */
    void keyLookup(KeyLookup outcome);

    /** {@link #NONE}. */
    enum Nothing implements MailEvents {
        INSTANCE;

        @Override
        public void signed(MessageSigned event) {
        }

        @Override
        public void notSigned(MessageNotSigned event) {
        }

        @Override
        public void verified(MessageVerified event) {
        }

        @Override
        public void error(ErrorKind kind) {
        }

        @Override
        public void keyLookup(KeyLookup outcome) {
        }

        @Override
        public String toString() {
            return "no events";
        }
    }
}
