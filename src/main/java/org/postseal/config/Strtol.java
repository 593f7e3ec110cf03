package org.postseal.config;

import java.util.OptionalInt;

/**
 * The one integer reader for the C programs' files postseal reads (opendkim.conf, msmtp configuration): C's
 * {@code strtol(s, &end, 0)} followed by the check both OpenDKIM and msmtp make that the whole value was a number.
 * What that means, step by step:
 * <ul>
 *   <li>Leading white space ({@code isspace}: space, tab, LF, VT, FF, CR) is skipped, as strtol skips it.</li>
 *   <li>One optional sign, {@code +} or {@code -}.</li>
 *   <li>Base 0: {@code 0x} or {@code 0X} followed by a hex digit is hexadecimal, a leading {@code 0} octal
 *       ({@code 007} is 7, {@code 08} is malformed), anything else decimal (base 10). Only ASCII digits count.</li>
 *   <li>Trailing garbage, anything after the digits (white space too), makes the whole value malformed, as does a
 *       value without digits: strtol would stop there, and the callers refuse {@code *end != '\0'}.</li>
 *   <li>A magnitude above {@link Integer#MAX_VALUE} is out of range (both programs keep an {@code int}).</li>
 * </ul>
 * Each caller words its own error and its own range (a port, a positive number, any integer).
 */
final class Strtol {
    private Strtol() {
    }

    /** The value of {@code s}, or empty when it is malformed or out of range (see the class comment). */
    static OptionalInt parse(String s) {
        int i = 0;
        while (i < s.length() && isSpace(s.charAt(i))) {
            i++;
        }
        boolean negative = false;
        if (i < s.length() && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
            negative = s.charAt(i) == '-';
            i++;
        }
        int radix = 10;
        if ((s.startsWith("0x", i) || s.startsWith("0X", i)) && i + 2 < s.length()
                && digit(s.charAt(i + 2), 16) >= 0) {
            radix = 16;
            i += 2;
        } else if (s.startsWith("0", i)) {
            radix = 8;
        }
        if (i == s.length()) {
            return OptionalInt.empty();
        }
        long value = 0;
        for (; i < s.length(); i++) {
            int digit = digit(s.charAt(i), radix);
            if (digit < 0) {
                return OptionalInt.empty();
            }
            value = value * radix + digit;
            if (value > Integer.MAX_VALUE) {
                return OptionalInt.empty();
            }
        }
        return OptionalInt.of((int) (negative ? -value : value));
    }

    /** The value of an ASCII digit or letter in {@code radix}, -1 if it is none. */
    static int digit(char c, int radix) {
        return c < 128 ? Character.digit(c, radix) : -1;
    }

    private static boolean isSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == 0x0b || c == '\f' || c == '\r';
    }
}
