package org.postseal.policy;

/**
 * Whether a text is a DNS domain name as DKIM uses them ({@code d=}, {@code s=}): dot-separated labels of 1 to 63
 * ASCII letters, digits, hyphens or underscores (underscores appear in selectors and some real host names), at most
 * 253 characters in all, no trailing dot.
 *
 * <p>It is the check a From domain must pass before it names anything: OpenDKIM puts the From domain into the
 * KeyTable's {@code %} key path and into {@code d=}, so a domain such as {@code ../../keys/other} or {@code a/b} must
 * never get that far, and the 253-character bound keeps the per-parent-domain lookups of a SigningTable small.
 */
public final class DomainName {
    /** The longest domain name, in characters (RFC 1035's 255 octets of wire form). */
    public static final int MAXIMUM_LENGTH = 253;
    private static final int MAXIMUM_LABEL = 63;

    private DomainName() {
    }

    /** Whether {@code name} is a domain name: LDH (and underscore) labels, lengths within bounds. */
    public static boolean isValid(String name) {
        if (name.isEmpty() || name.length() > MAXIMUM_LENGTH) {
            return false;
        }
        int labelStart = 0;
        for (int i = 0; i <= name.length(); i++) {
            char c = i < name.length() ? name.charAt(i) : '.';
            if (c == '.') {
                int label = i - labelStart;
                if (label == 0 || label > MAXIMUM_LABEL) {
                    return false;
                }
                labelStart = i + 1;
            } else if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'
                    || c == '_')) {
                return false;
            }
        }
        return true;
    }
}
