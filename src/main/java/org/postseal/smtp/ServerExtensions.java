package org.postseal.smtp;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What a server announced in its EHLO reply (RFC 5321 §4.1.1.1): the service extensions this client uses. Unknown
 * keywords are kept in {@link #keywords()}.
 *
 * @param keywords every EHLO keyword, upper case
 * @param sizeLimit the SIZE limit (RFC 1870); 0 when SIZE is offered without a limit or not offered at all
 * @param authMechanisms the SASL mechanisms after AUTH (RFC 4954), upper case
 */
record ServerExtensions(Set<String> keywords, long sizeLimit, Set<String> authMechanisms) {
    /** What a HELO-only server offers: nothing. */
    static final ServerExtensions NONE = new ServerExtensions(Set.of(), 0, Set.of());

    ServerExtensions {
        keywords = Set.copyOf(keywords);
        authMechanisms = Set.copyOf(authMechanisms);
    }

    /** Parses the lines of a 250 EHLO reply; the first line (the server's name and greeting) is skipped. */
    static ServerExtensions parse(List<String> lines) {
        Set<String> keywords = new LinkedHashSet<>();
        Set<String> auth = new LinkedHashSet<>();
        long size = 0;
        for (int i = 1; i < lines.size(); i++) {
            String[] words = lines.get(i).trim().split("[ =]+");
            if (words.length == 0 || words[0].isEmpty()) {
                continue;
            }
            String keyword = words[0].toUpperCase(Locale.ROOT);
            keywords.add(keyword);
            if (keyword.equals("SIZE") && words.length > 1) {
                try {
                    size = Math.max(0, Long.parseLong(words[1]));
                } catch (NumberFormatException e) {
                    size = 0;
                }
            } else if (keyword.equals("AUTH")) {
                for (int w = 1; w < words.length; w++) {
                    auth.add(words[w].toUpperCase(Locale.ROOT));
                }
            }
        }
        return new ServerExtensions(keywords, size, auth);
    }

    /** RFC 2920 command pipelining. */
    boolean pipelining() {
        return keywords.contains("PIPELINING");
    }

    /** RFC 1870 message size declaration. */
    boolean size() {
        return keywords.contains("SIZE");
    }

    /** RFC 6152 8-bit MIME transport. */
    boolean eightBitMime() {
        return keywords.contains("8BITMIME");
    }

    /** RFC 6531 internationalized email. */
    boolean smtpUtf8() {
        return keywords.contains("SMTPUTF8");
    }

    /** RFC 3207 STARTTLS. */
    boolean startTls() {
        return keywords.contains("STARTTLS");
    }

    /** RFC 2034 enhanced status codes. */
    boolean enhancedStatusCodes() {
        return keywords.contains("ENHANCEDSTATUSCODES");
    }
}
