package org.postseal.sendmail;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.james.mime4j.dom.address.AddressList;
import org.apache.james.mime4j.dom.address.Mailbox;
import org.apache.james.mime4j.field.address.DefaultAddressParser;
import org.apache.james.mime4j.field.address.LenientAddressParser;
import org.apache.james.mime4j.field.address.ParseException;
import org.apache.james.mime4j.field.address.TokenMgrError;
import org.postseal.logging.LogText;
import org.postseal.message.MessageFormatException;

/**
 * Reads RFC 5322 address lists (groups, comments, quoted strings, display names, RFC 2047 words) into envelope
 * addresses, with Apache mime4j.
 *
 * <p>mime4j's grammar is ASCII only (its lenient parser even cuts non-ASCII addresses short), so before parsing
 * every non-ASCII character and every <code>{</code> is replaced by <code>{hex}</code>, which is atext, qtext,
 * ctext and dtext alike, and the replacement is undone in the results. The strict parser is tried first; if it
 * refuses the list, the lenient one is tried and each of its addresses must then be a plain dot-atom local part,
 * with or without a domain (unqualified names such as {@code root} are kept as they are, as msmtp does).
 */
final class Addresses {
    private static final String ATEXT_SPECIALS = "!#$%&'*+-/=?^_`{|}~";

    private Addresses() {
    }

    /** The value of a header field as text: folding removed, UTF-8 if the bytes are UTF-8, else ISO-8859-1. */
    static String unfoldedValue(byte[] rawValue) {
        byte[] unfolded = new byte[rawValue.length];
        int n = 0;
        for (int i = 0; i < rawValue.length; i++) {
            if (rawValue[i] == '\r' && i + 1 < rawValue.length && rawValue[i + 1] == '\n') {
                i++;
                continue;
            }
            unfolded[n++] = rawValue[i];
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(unfolded, 0, n))
                    .toString();
        } catch (CharacterCodingException e) {
            return new String(unfolded, 0, n, StandardCharsets.ISO_8859_1);
        }
    }

    /**
     * The addresses of an address list, in order, group members included.
     *
     * @param where names the list in error messages ("To field on line 3", "recipient argument")
     * @throws MessageFormatException if the list cannot be read as addresses
     */
    static List<String> parse(String where, String list) throws MessageFormatException {
        String escaped = escape(list);
        List<String> addresses = new ArrayList<>();
        try {
            AddressList parsed = DefaultAddressParser.DEFAULT.parseAddressList(escaped);
            for (Mailbox mailbox : parsed.flatten()) {
                addresses.add(format(unescape(mailbox.getLocalPart()), unescape(mailbox.getDomain())));
            }
            return addresses;
        } catch (ParseException | TokenMgrError | IllegalArgumentException strictFailure) {
            // fall through to the lenient parser, whose results are checked one by one
        }
        AddressList parsed = LenientAddressParser.DEFAULT.parseAddressList(escaped);
        for (Mailbox mailbox : parsed.flatten()) {
            String local = unescape(mailbox.getLocalPart());
            String domain = unescape(mailbox.getDomain());
            if (!isDotAtom(local) || domain != null && !isDomain(domain)) {
                throw new MessageFormatException(where + ": cannot read the address list " + preview(list));
            }
            addresses.add(format(local, domain));
        }
        return addresses;
    }

    /** The key under which two addresses are the same mailbox: the local part as is, the domain in lower case. */
    static String mailboxKey(String address) {
        int at = address.lastIndexOf('@');
        return at < 0 ? address : address.substring(0, at + 1) + address.substring(at + 1).toLowerCase(Locale.ROOT);
    }

    /** {@code local@domain}, the local part quoted when it is not a dot-atom. */
    static String format(String local, String domain) {
        String localPart = isDotAtom(local) ? local : quote(local);
        return domain == null || domain.isEmpty() ? localPart : localPart + "@" + domain;
    }

    /** Whether {@code s} is an RFC 5322 dot-atom (RFC 6531: non-ASCII characters count as atext). */
    static boolean isDotAtom(String s) {
        if (s == null || s.isEmpty() || s.charAt(0) == '.' || s.charAt(s.length() - 1) == '.') {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '.') {
                if (s.charAt(i - 1) == '.') {
                    return false;
                }
            } else if (!isAtext(c)) {
                return false;
            }
        }
        return true;
    }

    static boolean isAtext(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
                || ATEXT_SPECIALS.indexOf(c) >= 0;
    }

    private static boolean isDomain(String domain) {
        if (domain.length() >= 2 && domain.charAt(0) == '[' && domain.charAt(domain.length() - 1) == ']') {
            for (int i = 1; i < domain.length() - 1; i++) {
                char c = domain.charAt(i);
                if (c <= ' ' || c == '[' || c == ']' || c == '\\' || c == 0x7f) {
                    return false;
                }
            }
            return true;
        }
        if (domain.isEmpty() || domain.startsWith(".") || domain.endsWith(".") || domain.contains("..")) {
            return false;
        }
        for (int i = 0; i < domain.length(); i++) {
            char c = domain.charAt(i);
            boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-'
                    || c == '.' || c == '_' || c >= 0x80;
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    private static String quote(String local) {
        StringBuilder sb = new StringBuilder(local.length() + 2).append('"');
        for (int i = 0; i < local.length(); i++) {
            char c = local.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\');
            }
            sb.append(c);
        }
        return sb.append('"').toString();
    }

    private static String escape(String s) {
        StringBuilder sb = null;
        for (int i = 0; i < s.length(); i++) {
            int cp = s.codePointAt(i);
            if (cp == '{' || cp >= 0x80) {
                if (sb == null) {
                    sb = new StringBuilder(s.length() + 16).append(s, 0, i);
                }
                sb.append('{').append(Integer.toHexString(cp)).append('}');
                i += Character.charCount(cp) - 1;
            } else if (sb != null) {
                sb.append((char) cp);
            }
        }
        return sb == null ? s : sb.toString();
    }

    private static String unescape(String s) {
        if (s == null || s.indexOf('{') < 0) {
            return s;
        }
        StringBuilder sb = new StringBuilder(s.length());
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            int close = c == '{' ? s.indexOf('}', i) : -1;
            if (close > i + 1) {
                sb.appendCodePoint(Integer.parseInt(s.substring(i + 1, close), 16));
                i = close + 1;
            } else {
                sb.append(c);
                i++;
            }
        }
        return sb.toString();
    }

    static String preview(String s) {
        String text = s.length() > 60 ? s.substring(0, 60) + "..." : s;
        return '"' + LogText.escape(text) + '"';
    }
}
