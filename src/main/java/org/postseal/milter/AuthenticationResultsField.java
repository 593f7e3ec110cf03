package org.postseal.milter;

import java.util.ArrayList;
import java.util.List;
import org.postseal.dkim.DkimSignature;
import org.postseal.dkim.VerificationResult;

/**
 * The value of the Authentication-Results field (RFC 8601) the milter adds: the authserv-id, then one {@code dkim=}
 * result per signature examined, in OpenDKIM 2.11's words and order, for example
 * {@code dkim=pass (2048-bit key; unprotected) header.d=example.com header.i=@example.com header.a=rsa-sha256
 * header.s=sel header.b="AbCd/fGh"} or {@code dkim=fail reason="signature did not verify" (2048-bit key;
 * unprotected) header.d=...}. Any result but pass has its reason as RFC 8601's {@code reason=}, as OpenDKIM writes
 * it; the comment holds the key size ("unprotected": the key record was not DNSSEC-validated), test mode, and the
 * body bytes an {@code l=} leaves unsigned.
 * {@code header.b} is the first 8 characters of {@code b=}, so that two signatures of one domain can be told apart.
 * Each result starts its own line; lines are folded at white space before column 78, with CRLF TAB.
 */
final class AuthenticationResultsField {
    /** The Authentication-Results field name. */
    static final String NAME = "Authentication-Results";
    private static final int LINE = 78;
    private static final int B_PREFIX = 8;
    private static final java.util.regex.Pattern DOT_ATOM =
            java.util.regex.Pattern.compile("([A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*)?");

    private AuthenticationResultsField() {
    }

    /** The value for a message's results; {@code dkim=none} when there are none. */
    static String value(String authservId, List<VerificationResult> results) {
        if (results.isEmpty()) {
            return fold(authservId, List.of(List.of("dkim=none")));
        }
        List<List<String>> resinfos = new ArrayList<>();
        for (VerificationResult result : results) {
            resinfos.add(resinfo(result));
        }
        return fold(authservId, resinfos);
    }

    /** The value for a message that could not be examined: {@code dkim=permerror} with the reason. */
    static String unverified(String authservId, String reason) {
        return fold(authservId, List.of(List.of("dkim=permerror", reason(reason))));
    }

    private static List<String> resinfo(VerificationResult result) {
        List<String> words = new ArrayList<>();
        words.add("dkim=" + result.result().word());
        if (!result.passed()) {
            words.add(reason(result.detail()));
        }
        List<String> notes = new ArrayList<>();
        if (result.keyBits() > 0) {
            notes.add(result.keyBits() + "-bit key");
            notes.add("unprotected");
        }
        if (result.testing()) {
            notes.add("key in test mode");
        }
        if (result.unsignedBodyBytes() > 0) {
            notes.add("l= leaves " + result.unsignedBodyBytes() + " body bytes unsigned");
        }
        if (!notes.isEmpty()) {
            words.add(comment(notes));
        }
        property(words, "header.d", result.domain());
        if (result.signature().isPresent()) {
            DkimSignature signature = result.signature().get();
            property(words, "header.i", signature.identity());
            property(words, "header.a", signature.algorithm().tag());
            property(words, "header.s", signature.selector());
            String b = signature.tags().get("b").orElse("").replaceAll("\\s", "");
            property(words, "header.b", b.substring(0, Math.min(B_PREFIX, b.length())));
        } else {
            property(words, "header.s", result.selector());
        }
        return words;
    }

    private static void property(List<String> words, String name, String value) {
        if (!value.isEmpty()) {
            words.add(name + "=" + pvalue(value));
        }
    }

    /**
     * A pvalue (RFC 8601 §2.2): a token as it is, an address whose local part is a dot-atom as it is, anything else
     * as a quoted-string. Characters outside printable ASCII (from a signature that did not parse) become {@code ?}.
     */
    static String pvalue(String value) {
        String printable = printable(value);
        if (AuthservId.isToken(printable)) {
            return printable;
        }
        int at = printable.lastIndexOf('@');
        if (at >= 0 && AuthservId.isToken(printable.substring(at + 1))
                && DOT_ATOM.matcher(printable.substring(0, at)).matches()) {
            return printable;
        }
        return quoted(printable);
    }

    /** RFC 8601's {@code reason="..."}, always quoted. */
    private static String reason(String text) {
        return "reason=" + quoted(printable(text));
    }

    private static String quoted(String printable) {
        return "\"" + printable.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    /** A comment of the notes joined by "; ", with parentheses and backslashes quoted. */
    private static String comment(List<String> notes) {
        String text = printable(String.join("; ", notes));
        return "(" + text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")";
    }

    private static String printable(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            out.append(c >= ' ' && c < 0x7f ? c : '?');
        }
        return out.toString();
    }

    private static String fold(String authservId, List<List<String>> resinfos) {
        StringBuilder out = new StringBuilder(pvalue(authservId)).append(';');
        int lineLength = NAME.length() + 2 + out.length();
        boolean oneLine = resinfos.size() == 1 && lineLength + 1 + String.join(" ", resinfos.get(0)).length() < LINE;
        for (int r = 0; r < resinfos.size(); r++) {
            List<String> words = resinfos.get(r);
            for (int w = 0; w < words.size(); w++) {
                String word = words.get(w) + (w == words.size() - 1 && r < resinfos.size() - 1 ? ";" : "");
                boolean newLine = w == 0 ? !oneLine : lineLength + 1 + word.length() > LINE;
                if (newLine) {
                    out.append("\r\n\t").append(word);
                    lineLength = 8 + word.length();
                } else {
                    out.append(' ').append(word);
                    lineLength += 1 + word.length();
                }
            }
        }
        return out.toString();
    }
}
