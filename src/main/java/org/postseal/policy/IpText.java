package org.postseal.policy;

import java.util.Optional;

/**
 * IP address literals as text, without any name lookup: strict parsing of dotted quads and IPv6 literals, and
 * formatting that gives exactly the text glibc's {@code inet_ntop} gives, because OpenDKIM compares host-list entries
 * with that text.
 */
public final class IpText {
    private IpText() {
    }

    /** The 4 or 16 bytes of an IPv4 dotted quad or an IPv6 literal, or empty if {@code text} is neither. */
    public static Optional<byte[]> parse(String text) {
        return text.indexOf(':') >= 0 ? parseV6(text) : parseV4(text);
    }

    /** Four decimal numbers of at most three digits and at most 255, separated by dots. */
    static Optional<byte[]> parseV4(String text) {
        String[] parts = text.split("\\.", -1);
        if (parts.length != 4) {
            return Optional.empty();
        }
        byte[] out = new byte[4];
        for (int i = 0; i < 4; i++) {
            String part = parts[i];
            if (part.isEmpty() || part.length() > 3 || !part.chars().allMatch(c -> c >= '0' && c <= '9')) {
                return Optional.empty();
            }
            int value = Integer.parseInt(part);
            if (value > 255) {
                return Optional.empty();
            }
            out[i] = (byte) value;
        }
        return Optional.of(out);
    }

    /** An RFC 4291 text address: up to eight hex groups, one {@code ::}, optionally a dotted quad at the end. */
    static Optional<byte[]> parseV6(String text) {
        int gap = text.indexOf("::");
        if (gap >= 0 && text.indexOf("::", gap + 1) >= 0) {
            return Optional.empty();
        }
        String head = gap < 0 ? text : text.substring(0, gap);
        String tail = gap < 0 ? "" : text.substring(gap + 2);
        int[] headWords = words(head, gap >= 0, gap < 0);
        int[] tailWords = words(tail, true, true);
        if (headWords == null || tailWords == null) {
            return Optional.empty();
        }
        int count = headWords.length + tailWords.length;
        if (gap < 0 ? count != 8 : count > 7) {
            return Optional.empty();
        }
        int[] all = new int[8];
        System.arraycopy(headWords, 0, all, 0, headWords.length);
        System.arraycopy(tailWords, 0, all, 8 - tailWords.length, tailWords.length);
        byte[] out = new byte[16];
        for (int i = 0; i < 8; i++) {
            out[2 * i] = (byte) (all[i] >>> 8);
            out[2 * i + 1] = (byte) all[i];
        }
        return Optional.of(out);
    }

    /** The 16-bit words of a colon-separated run; a dotted quad may end it. Null if malformed. */
    private static int[] words(String run, boolean mayBeEmpty, boolean mayEndInQuad) {
        if (run.isEmpty()) {
            return mayBeEmpty ? new int[0] : null;
        }
        String[] groups = run.split(":", -1);
        int extra = groups[groups.length - 1].indexOf('.') >= 0 ? 1 : 0;
        if (extra == 1 && !mayEndInQuad) {
            return null;
        }
        int[] out = new int[groups.length + extra];
        for (int i = 0; i < groups.length; i++) {
            String group = groups[i];
            if (i == groups.length - 1 && extra == 1) {
                Optional<byte[]> v4 = parseV4(group);
                if (v4.isEmpty()) {
                    return null;
                }
                byte[] b = v4.get();
                out[i] = (b[0] & 0xff) << 8 | (b[1] & 0xff);
                out[i + 1] = (b[2] & 0xff) << 8 | (b[3] & 0xff);
                continue;
            }
            if (group.isEmpty() || group.length() > 4
                    || !group.chars().allMatch(c -> Character.digit(c, 16) >= 0 && c < 128)) {
                return null;
            }
            out[i] = Integer.parseInt(group, 16);
        }
        return out;
    }

    /** Dotted quad for 4 bytes; glibc {@code inet_ntop(AF_INET6)} text (lower case, RFC 5952 style) for 16. */
    public static String format(byte[] address) {
        if (address.length == 4) {
            return (address[0] & 0xff) + "." + (address[1] & 0xff) + "." + (address[2] & 0xff) + "."
                    + (address[3] & 0xff);
        }
        int[] words = new int[8];
        for (int i = 0; i < 8; i++) {
            words[i] = (address[2 * i] & 0xff) << 8 | (address[2 * i + 1] & 0xff);
        }
        // the first longest run of two or more zero words is written "::"
        int bestBase = -1;
        int bestLength = 0;
        for (int i = 0; i < 8; ) {
            if (words[i] != 0) {
                i++;
                continue;
            }
            int start = i;
            while (i < 8 && words[i] == 0) {
                i++;
            }
            if (i - start > bestLength) {
                bestBase = start;
                bestLength = i - start;
            }
        }
        if (bestLength < 2) {
            bestBase = -1;
        }
        StringBuilder out = new StringBuilder(40);
        for (int i = 0; i < 8; i++) {
            if (bestBase >= 0 && i >= bestBase && i < bestBase + bestLength) {
                if (i == bestBase) {
                    out.append(':');
                }
                continue;
            }
            if (i > 0) {
                out.append(':');
            }
            if (i == 6 && bestBase == 0 && (bestLength == 6 || (bestLength == 5 && words[5] == 0xffff))) {
                out.append(format(new byte[] {address[12], address[13], address[14], address[15]}));
                return out.toString();
            }
            out.append(Integer.toHexString(words[i]));
        }
        if (bestBase >= 0 && bestBase + bestLength == 8) {
            out.append(':');
        }
        return out.toString();
    }

    /** A copy of {@code address} with every bit after the first {@code prefix} bits cleared. */
    static byte[] mask(byte[] address, int prefix) {
        byte[] out = address.clone();
        for (int bit = prefix; bit < out.length * 8; bit++) {
            out[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
        }
        return out;
    }
}
