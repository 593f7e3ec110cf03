package org.postseal.milter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postseal.dkim.AuthResult;
import org.postseal.dkim.DkimSignature;
import org.postseal.dkim.DkimSigner;
import org.postseal.dkim.SignatureSpec;
import org.postseal.dkim.SigningKey;
import org.postseal.dkim.SigningSession;
import org.postseal.dkim.VerificationFailure;
import org.postseal.dkim.VerificationResult;
import org.postseal.keys.DkimKeyGenerator;
import org.postseal.message.HeaderField;

/** The Authentication-Results value postseal adds: OpenDKIM's words and layout, quoting, folding. */
class AuthenticationResultsFieldTest {
    private static DkimSignature signature;

    @BeforeAll
    static void sign() throws Exception {
        SigningKey key = DkimKeyGenerator.rsa(1024);
        SigningSession session = new DkimSigner(Clock.fixed(Instant.EPOCH, ZoneOffset.UTC))
                .newSession(List.of(SignatureSpec.builder("example.com", "sel", key).build()));
        session.header(HeaderField.of("From", " joe@example.com"));
        session.body("Hi.\r\n".getBytes(StandardCharsets.US_ASCII));
        signature = DkimSignature.parse(session.finish().get(0).value());
    }

    private static VerificationResult pass(int keyBits, long unsigned) {
        return new VerificationResult(AuthResult.PASS, Optional.empty(), "", "example.com", "sel",
                Optional.of(signature), false, keyBits, unsigned);
    }

    private static String b8() {
        return signature.tags().get("b").orElseThrow().replaceAll("\\s", "").substring(0, 8);
    }

    private static String quotedIfNeeded(String b) {
        return AuthservId.isToken(b) ? b : "\"" + b + "\"";
    }

    @Test
    void aPassAsOpenDkimWritesIt() {
        String value = AuthenticationResultsField.value("mx.example.org", List.of(pass(2048, 0)));
        assertTrue(value.startsWith("mx.example.org;\r\n\tdkim=pass"), "each result on its own line: " + value);
        assertEquals("mx.example.org; dkim=pass (2048-bit key; unprotected) header.d=example.com"
                + " header.i=@example.com header.a=rsa-sha256 header.s=sel header.b=" + quotedIfNeeded(b8()),
                unfolded(value));
        assertFoldedWithin78(value);
    }

    private static String unfolded(String value) {
        return value.replace("\r\n\t", " ");
    }

    private static void assertFoldedWithin78(String value) {
        String[] lines = ("Authentication-Results: " + value).split("\r\n");
        for (String line : lines) {
            assertTrue(line.replace("\t", "        ").length() <= 78, line);
        }
    }

    @Test
    void noSignatureIsNoneOnOneLine() {
        assertEquals("mx.example.org; dkim=none", AuthenticationResultsField.value("mx.example.org", List.of()));
    }

    @Test
    void aFailureCarriesItsReasonAndEachResultItsOwnLine() {
        VerificationResult fail = new VerificationResult(AuthResult.FAIL,
                Optional.of(VerificationFailure.BODY_HASH_MISMATCH), "body hash did not verify", "example.com",
                "sel", Optional.of(signature), false, 1024, 0);
        VerificationResult unparsed = new VerificationResult(AuthResult.NEUTRAL,
                Optional.of(VerificationFailure.SIGNATURE_SYNTAX), "signature syntax error: (bad) \\ tag\u0007",
                "evil.example", "x\"y", Optional.empty(), false, 0, 0);
        String value = AuthenticationResultsField.value("mx", List.of(fail, unparsed));
        assertTrue(value.startsWith("mx;\r\n\tdkim=fail"), value);
        assertTrue(unfolded(value).startsWith("mx; dkim=fail reason=\"body hash did not verify\" (1024-bit key;"
                + " unprotected) header.d=example.com"), value);
        assertTrue(value.contains("header.b=" + quotedIfNeeded(b8()) + ";\r\n\tdkim=neutral"), value);
        assertTrue(unfolded(value).endsWith("dkim=neutral reason=\"signature syntax error: (bad) \\\\ tag?\""
                + " header.d=evil.example header.s=\"x\\\"y\""), value);
        assertFoldedWithin78(value);
    }

    @Test
    void testModeAndParenthesesFromOutsideGoInTheCommentQuoted() {
        VerificationResult testing = new VerificationResult(AuthResult.PASS, Optional.empty(), "key in test mode",
                "example.com", "sel", Optional.of(signature), true, 2048, 0);
        assertTrue(unfolded(AuthenticationResultsField.value("mx", List.of(testing)))
                .contains("dkim=pass (2048-bit key; unprotected; key in test mode) header.d="));
        assertEquals("mx; dkim=permerror reason=\"header larger than 1 (or 2) bytes\"",
                unfolded(AuthenticationResultsField.unverified("mx", "header larger than 1 (or 2) bytes")));
    }

    @Test
    void bodyBytesBeyondLAreReported() {
        String value = AuthenticationResultsField.value("mx", List.of(pass(2048, 42)));
        assertTrue(value.contains("(2048-bit key; unprotected; l= leaves 42 body bytes unsigned)"), value);
    }

    @Test
    void pvaluesAreQuotedOnlyWhenTheyMustBe() {
        assertEquals("example.com", AuthenticationResultsField.pvalue("example.com"));
        assertEquals("joe.b@example.com", AuthenticationResultsField.pvalue("joe.b@example.com"));
        assertEquals("@example.com", AuthenticationResultsField.pvalue("@example.com"));
        assertEquals("\"ab/cd+ef\"", AuthenticationResultsField.pvalue("ab/cd+ef"));
        assertEquals("\"a b\\\"c\"", AuthenticationResultsField.pvalue("a b\"c"));
        assertFalse(AuthenticationResultsField.pvalue("caf\u00e9").contains("\u00e9"));
    }
}
