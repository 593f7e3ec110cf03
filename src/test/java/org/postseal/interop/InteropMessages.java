package org.postseal.interop;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** The messages the interop tests sign and verify: each one a case a real mail server meets. */
final class InteropMessages {
    private InteropMessages() {
    }

    static final String PLAIN = "From: Joe SixPack <joe@example.com>\r\n"
            + "To: Suzie Q <suzie@example.net>\r\n"
            + "Subject: Is dinner ready?\r\n"
            + "Date: Sun, 22 Nov 2026 10:00:00 +0100\r\n"
            + "Message-ID: <20261122100000.1@example.com>\r\n"
            + "\r\n"
            + "Hi.\r\n\r\nWe lost the game.  Are you hungry yet?\r\n\r\nJoe.\r\n";

    /** Every case, by name, in CRLF form except "bare LF". */
    static Map<String, byte[]> all() {
        Map<String, byte[]> cases = new LinkedHashMap<>();
        cases.put("plain ASCII", bytes(PLAIN));
        cases.put("8-bit UTF-8 headers", bytes("From: =?utf-8?q?=C3=89lodie?= <elodie@example.com>\r\n"
                + "To: Paroisse Saint-Étienne <secrétariat@example.net>\r\n"
                + "Subject: Réunion du conseil — ordre du jour, café à 10 h\r\n"
                + "Date: Sun, 22 Nov 2026 10:00:00 +0100\r\n"
                + "MIME-Version: 1.0\r\n"
                + "Content-Type: text/plain; charset=utf-8\r\n"
                + "Content-Transfer-Encoding: 8bit\r\n"
                + "\r\n"
                + "Bonjour à tous, la réunion aura lieu à l'église. Ça va être bien !\r\n"));
        cases.put("long folded headers", bytes("From: Joe SixPack <joe@example.com>\r\n"
                + "To: Suzie Q <suzie@example.net>, Bob <bob@example.net>,\r\n"
                + "\tCarol <carol@example.net>, Dave <dave@example.net>,\r\n"
                + "  Eve <eve@example.net>\r\n"
                + "Subject: A subject long enough that the mail client folded it over several\r\n"
                + " lines,   with    runs of spaces\t and tabs \r\n"
                + "\tthat relaxed canonicalization collapses\r\n"
                + "Date: Sun, 22 Nov 2026 10:00:00 +0100\r\n"
                + "Reply-To: Joe <joe@example.com>\r\n"
                + "\r\n"
                + "Body line with trailing spaces   \r\n\ttabbed line\r\n\r\n\r\n"));
        cases.put("empty body", bytes("From: joe@example.com\r\nTo: suzie@example.net\r\nSubject: empty\r\n\r\n"));
        cases.put("body without final CRLF", bytes("From: joe@example.com\r\nTo: suzie@example.net\r\n"
                + "Subject: no final line end\r\n\r\nfirst line\r\nlast line without CRLF"));
        StringBuilder big = new StringBuilder(PLAIN.substring(0, PLAIN.indexOf("\r\n\r\n") + 4));
        String line = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.\r\n";
        while (big.length() < 5 * 1024 * 1024) {
            big.append(line);
        }
        cases.put("5 MB body", bytes(big.toString()));
        return cases;
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    /** Replaces text that must be there. */
    static byte[] tamper(byte[] message, String from, String to) {
        String text = new String(message, StandardCharsets.ISO_8859_1);
        if (!text.contains(from)) {
            throw new IllegalArgumentException("message does not contain " + from);
        }
        return text.replaceFirst(java.util.regex.Pattern.quote(from), to).getBytes(StandardCharsets.ISO_8859_1);
    }
}
