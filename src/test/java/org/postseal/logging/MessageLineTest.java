package org.postseal.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The per-message line: one shape for every door, and nothing from outside that can break it. */
class MessageLineTest {
    @Test
    void aSignedMessageNamesItsFromDomainAndKey() {
        assertEquals("3F2A1C0D: signed from=example.org d=example.org s=mail a=rsa-sha256",
                MessageLine.signed("3F2A1C0D").from(Optional.of("example.org"))
                        .signature("example.org", "mail", "rsa-sha256").toString());
    }

    @Test
    void severalSignaturesAreSeparatedByACommaAndDoorFieldsFollow() {
        assertEquals("m7q1-0001: signed from=example.org d=example.org s=rsa a=rsa-sha256, d=example.org s=ed "
                + "a=ed25519-sha256 sender=<joe@example.org> size=705",
                MessageLine.signed("m7q1-0001").from(Optional.of("example.org"))
                        .signature("example.org", "rsa", "rsa-sha256")
                        .signature("example.org", "ed", "ed25519-sha256")
                        .with("sender", "<joe@example.org>").with("size", "705").toString());
    }

    @Test
    void theReasonComesLastAfterAColon() {
        assertEquals("3F2A1C0D: not signed from=example.net size=12: no SigningTable entry for joe@example.net",
                MessageLine.notSigned("3F2A1C0D").from(Optional.of("example.net"))
                        .because("no SigningTable entry for joe@example.net").with("size", "12").toString());
    }

    @Test
    void anUnknownFromDomainIsLeftOut() {
        assertEquals("NOQUEUE: not signed: client mx.example.net [203.0.113.5] not internal and not authenticated",
                MessageLine.notSigned(MessageLine.NOQUEUE).from(Optional.empty())
                        .because("client mx.example.net [203.0.113.5] not internal and not authenticated")
                        .toString());
    }

    @Test
    void verificationResultsCarryTheirDetailInParentheses() {
        assertEquals("4QID1: verified from=example.com d=example.com s=sel dkim=fail (body hash did not verify), "
                + "d=example.net s=k dkim=pass action=accept",
                MessageLine.verified("4QID1").from(Optional.of("example.com"))
                        .result("example.com", "sel", "fail", "body hash did not verify")
                        .result("example.net", "k", "pass", "").with("action", "accept").toString());
        assertEquals("4QID1: verified from=example.com dkim=none action=accept",
                MessageLine.verified("4QID1").from(Optional.of("example.com")).with("dkim", "none")
                        .with("action", "accept").toString());
    }

    @Test
    void hostileTextCannotStartALineNorFakeAField() {
        String line = MessageLine.notSigned("Q1\nERROR forged").from(Optional.of("evil.example s=forged\r\n"))
                .with("sender", "<a b@\u001b[2Jx>")
                .because("client \u202eevil\r\nINFO 4F00: signed from=bank.example").toString();
        assertEquals("Q1\\nERROR forged: not signed from=evil.example\\x20s=forged\\r\\n "
                + "sender=<a\\x20b@\\x1b[2Jx>: client \\x{202e}evil\\r\\nINFO 4F00: signed from=bank.example", line);
        assertTrue(line.chars().allMatch(c -> c >= 0x20 && c < 0x7f), line);
    }

    @Test
    void linesAreValuesEachStepANewOne() {
        MessageLine base = MessageLine.signed("Q").from(Optional.of("a.example"));
        MessageLine more = base.signature("a.example", "s", "rsa-sha256");
        assertEquals("Q: signed from=a.example", base.toString());
        assertEquals("Q: signed from=a.example d=a.example s=s a=rsa-sha256", more.toString());
    }
}
