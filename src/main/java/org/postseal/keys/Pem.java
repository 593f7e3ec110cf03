package org.postseal.keys;

import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * PEM framing (RFC 7468, plus the RFC 1421 headers OpenSSL writes on encrypted PKCS#1 keys): finds the
 * {@code -----BEGIN X-----} ... {@code -----END X-----} blocks in a text and decodes their base64, with messages
 * that say which line is wrong. What the bytes mean is left to the caller. Text outside blocks is ignored, as
 * OpenSSL does.
 */
final class Pem {
    private static final String BEGIN = "-----BEGIN ";
    private static final String END = "-----END ";
    private static final String DASHES = "-----";
    private static final int LINE_LENGTH = 64;

    private Pem() {
    }

    /**
     * One decoded block.
     *
     * @param type the label, for example {@code RSA PRIVATE KEY}
     * @param headers the RFC 1421 headers, such as {@code Proc-Type}; usually empty
     * @param contents the decoded DER
     * @param line the line of the BEGIN line, from 1
     */
    record Block(String type, Map<String, String> headers, byte[] contents, int line) {
        Block {
            headers = Map.copyOf(headers);
            contents = contents.clone();
        }

        @Override
        public byte[] contents() {
            return contents.clone();
        }
    }

    private enum State { OUTSIDE, HEADERS, BODY }

    /**
     * The blocks in a text, in order.
     *
     * @throws KeyFileException if a block has no END line (a truncated file), an END line of another type, or
     *     characters that are not base64
     */
    @SuppressWarnings("fallthrough") // a header section ends at the first line that is not a header
    static List<Block> read(String source, String text) throws KeyFileException {
        List<Block> blocks = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        State state = State.OUTSIDE;
        String type = null;
        int beginLine = 0;
        Map<String, String> headers = new LinkedHashMap<>();
        StringBuilder body = new StringBuilder();
        for (int index = 0; index < lines.length; index++) {
            int lineNumber = index + 1;
            String line = lines[index].strip();
            switch (state) {
                case OUTSIDE:
                    if (isBegin(line)) {
                        type = label(line, BEGIN);
                        beginLine = lineNumber;
                        headers.clear();
                        body.setLength(0);
                        state = State.HEADERS;
                    } else if (line.startsWith(END)) {
                        throw new KeyFileException(source, "line " + lineNumber + ": END line without a BEGIN line");
                    }
                    break;
                case HEADERS:
                    int colon = line.indexOf(':');
                    if (colon > 0 && !line.startsWith(DASHES)) {
                        headers.put(line.substring(0, colon).strip(), line.substring(colon + 1).strip());
                        break;
                    }
                    state = State.BODY;
                    if (line.isEmpty()) {
                        break;
                    }
                    // The first base64 line, or the END line: handle it as body.
                case BODY:
                    if (line.startsWith(END)) {
                        String endType = label(line, END);
                        if (!endType.equals(type)) {
                            throw new KeyFileException(source, "the \"" + type + "\" block begun on line " + beginLine
                                    + " ends with an END line for \"" + endType + "\" (damaged?)");
                        }
                        blocks.add(new Block(type, headers, decode(source, type, beginLine, body), beginLine));
                        state = State.OUTSIDE;
                    } else if (isBegin(line)) {
                        throw noEnd(source, type, beginLine);
                    } else {
                        checkBase64(source, type, lineNumber, line);
                        body.append(line);
                    }
                    break;
                default:
                    throw new IllegalStateException(state.toString());
            }
        }
        if (state != State.OUTSIDE) {
            throw noEnd(source, type, beginLine);
        }
        return List.copyOf(blocks);
    }

    /** A block as OpenSSL writes it: 64 characters a line, {@code \n} line ends. */
    static String write(String type, byte[] contents) {
        String base64 = Base64.getMimeEncoder(LINE_LENGTH, new byte[] {'\n'}).encodeToString(contents);
        return BEGIN + type + DASHES + "\n" + base64 + "\n" + END + type + DASHES + "\n";
    }

    private static boolean isBegin(String line) {
        return line.startsWith(BEGIN) && line.endsWith(DASHES) && line.length() > BEGIN.length() + DASHES.length();
    }

    private static String label(String line, String prefix) {
        String rest = line.substring(prefix.length());
        return rest.endsWith(DASHES) ? rest.substring(0, rest.length() - DASHES.length()).strip() : rest.strip();
    }

    private static void checkBase64(String source, String type, int lineNumber, String line)
            throws KeyFileException {
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            boolean base64 = c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
                    || c == '+' || c == '/' || c == '=';
            if (!base64) {
                String shown = c >= 0x21 && c <= 0x7e ? "'" + c + "'" : String.format("0x%02x", (int) c);
                throw new KeyFileException(source, "line " + lineNumber + ": character " + shown
                        + " in the \"" + type + "\" block is not base64 (damaged?)");
            }
        }
    }

    private static byte[] decode(String source, String type, int beginLine, CharSequence body)
            throws KeyFileException {
        if (body.length() == 0) {
            throw new KeyFileException(source, "the \"" + type + "\" block on line " + beginLine + " is empty");
        }
        try {
            return Base64.getDecoder().decode(body.toString());
        } catch (IllegalArgumentException e) {
            throw new KeyFileException(source, "the \"" + type + "\" block on line " + beginLine
                    + " is not valid base64 (truncated or damaged?)", e);
        }
    }

    private static KeyFileException noEnd(String source, String type, int beginLine) {
        return new KeyFileException(source, "the \"" + type + "\" block begun on line " + beginLine
                + " has no END line (truncated?)");
    }
}
