package org.postseal.config;

/**
 * The configuration cannot be used. The message is one line naming where and what, meant to be shown as it is:
 * {@code /etc/opendkim/KeyTable:3: expected "name domain:selector:keypath"}. The CLI exits with EX_CONFIG (78) on it.
 */
public final class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }

    /** {@code where: reason}, where is a file and line ({@code /etc/opendkim.conf:12}) or another source name. */
    public static ConfigException at(String where, String reason) {
        return new ConfigException(where + ": " + reason);
    }

    /** {@code where: reason}, keeping the cause for the debug log. */
    public static ConfigException at(String where, String reason, Throwable cause) {
        return new ConfigException(where + ": " + reason, cause);
    }
}
