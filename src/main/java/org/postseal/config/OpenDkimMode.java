package org.postseal.config;

/**
 * OpenDKIM's {@code Mode} (postseal's {@code mode}): which of signing ({@code s}) and verifying ({@code v}) the
 * milter is asked for. A value with names instead of a pair of flags; {@code sv} and {@code vs} are the same mode.
 *
 * @param signs whether {@code s} is given
 * @param verifies whether {@code v} is given: mail the milter does not sign is verified
 */
record OpenDkimMode(boolean signs, boolean verifies) {
    /**
     * Reads the letters {@code s} and {@code v}, in any order.
     *
     * @throws ConfigException at {@code where} for any other letter
     */
    static OpenDkimMode parse(String value, String where) {
        boolean sign = false;
        boolean verify = false;
        for (char c : value.toCharArray()) {
            if (c == 's') {
                sign = true;
            } else if (c == 'v') {
                verify = true;
            } else {
                throw ConfigException.at(where, "unknown mode '" + c + "' (expected: s, v or sv)");
            }
        }
        return new OpenDkimMode(sign, verify);
    }
}
