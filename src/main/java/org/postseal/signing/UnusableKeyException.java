package org.postseal.signing;

/**
 * A configured private key cannot be used: missing, readable by others under RequireSafeKeys, too short, not a key,
 * or of another algorithm than asked. The message is one line naming where the key was configured; at start-up the
 * command line maps it to an exit code (78 for the daemons), at signing time the door treats the message as one that
 * cannot be signed ({@link OnError}).
 */
public final class UnusableKeyException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public UnusableKeyException(String message) {
        super(message);
    }
}
