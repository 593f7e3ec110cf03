package org.postseal.container;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What a test reads in a delivered message's header: its DKIM-Signature fields, unfolded. */
final class DeliveredMail {
    private static final Pattern TAG = Pattern.compile("(?:^|;)\\s*([a-z]+)\\s*=\\s*([^;]*)");

    private DeliveredMail() {
    }

    /** The DKIM-Signature fields of {@code message}'s header, top to bottom, each unfolded to one line. */
    static List<String> signatures(byte[] message) {
        String text = new String(message, StandardCharsets.ISO_8859_1).replace("\r\n", "\n");
        int end = text.indexOf("\n\n");
        String header = (end < 0 ? text : text.substring(0, end)).replaceAll("\n[ \t]+", " ");
        List<String> fields = new ArrayList<>();
        for (String line : header.split("\n")) {
            if (line.regionMatches(true, 0, "DKIM-Signature:", 0, 15)) {
                fields.add(line.substring(15).strip());
            }
        }
        return List.copyOf(fields);
    }

    /** The value of {@code tag} ({@code d}, {@code s}...) in a DKIM-Signature field's value, or "" if absent. */
    static String tag(String signature, String tag) {
        Matcher matcher = TAG.matcher(signature);
        while (matcher.find()) {
            if (matcher.group(1).equals(tag)) {
                return matcher.group(2).strip();
            }
        }
        return "";
    }
}
