package org.postseal.dkim.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.postseal.dkim.DkimFailureException;
import org.postseal.dkim.DkimSignature;
import org.postseal.dkim.KeyRecord;
import org.postseal.dkim.VerificationFailure;

/** RFC 6376 §3.2 tag lists and the checks of §3.5/§6.1.1 on DKIM-Signature values and §3.6.1 on key records. */
class TagListTest {
    @Test
    void foldingWhitespaceIsToleratedAroundEverything() throws Exception {
        TagList tags = TagList.parse(" v = 1 ;\r\n\ta=rsa-sha256;\n b = abc\r\n def ; ");
        assertEquals("1", tags.get("v").orElseThrow());
        assertEquals("rsa-sha256", tags.get("a").orElseThrow());
        assertEquals("abcdef", TagList.stripWhitespace(tags.get("b").orElseThrow()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "v=1;;a=b", "v", "1v=2", "v=1; v=2", "v=\u00e9", "v=a\rb", "=x"})
    void grammarErrorsAreRefused(String text) {
        assertThrows(TagSyntaxException.class, () -> TagList.parse(text));
    }

    @Test
    void aTrailingSemicolonIsAllowed() throws Exception {
        assertEquals(2, TagList.parse("a=1; b=2;").asMap().size());
    }

    private static final String GOOD = "v=1; a=rsa-sha256; c=relaxed/simple; d=example.com; s=sel; t=1;"
            + " h=From:To; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=AAAA";

    @Test
    void aGoodSignatureParses() throws Exception {
        DkimSignature signature = DkimSignature.parse(GOOD);
        assertEquals("example.com", signature.domain());
        assertEquals("@example.com", signature.identity());
        assertEquals("relaxed/simple", signature.canonicalization().toString());
    }

    @Test
    void signatureProblemsHaveTheirReasons() {
        assertFailure(VerificationFailure.UNSUPPORTED_VERSION, GOOD.replace("v=1", "v=2"));
        assertFailure(VerificationFailure.ALGORITHM_NOT_ALLOWED, GOOD.replace("rsa-sha256", "rsa-sha1"));
        assertFailure(VerificationFailure.UNSUPPORTED_ALGORITHM, GOOD.replace("rsa-sha256", "rsa-md5"));
        assertFailure(VerificationFailure.SIGNATURE_SYNTAX, GOOD.replace(" d=example.com;", ""));
        assertFailure(VerificationFailure.FROM_NOT_SIGNED, GOOD.replace("h=From:To", "h=To"));
        assertFailure(VerificationFailure.IDENTITY_MISMATCH, GOOD + "; i=joe@example.org");
        assertFailure(VerificationFailure.SIGNATURE_SYNTAX, GOOD.replace("bh=47DEQ", "bh=!7DEQ"));
        assertFailure(VerificationFailure.SIGNATURE_SYNTAX, GOOD + "; x=0");
        assertFailure(VerificationFailure.UNSUPPORTED_CANONICALIZATION, GOOD.replace("relaxed/simple", "loose"));
        assertFailure(VerificationFailure.UNSUPPORTED_QUERY_METHOD, GOOD + "; q=http");
    }

    @Test
    void identityIsQuotedPrintableAndMayBeASubdomain() throws Exception {
        assertEquals("jo e@mail.example.com",
                DkimSignature.parse(GOOD + "; i=jo=20e@mail.example.com").identity());
    }

    @Test
    void keyRecordsIgnoreUnknownTagsAndKnowTheirFlags() throws Exception {
        KeyRecord record = KeyRecord.parse("v=DKIM1; k=ed25519; t=y:s; n=note; foo=bar; p=abcd");
        assertEquals("ed25519", record.keyType());
        assertTrue(record.testing() && record.strict() && record.allowsEmail());
        assertTrue(KeyRecord.parse("p=").revoked());
        assertEquals("rsa", KeyRecord.parse("p=abc").keyType());
        DkimFailureException e = assertThrows(DkimFailureException.class, () -> KeyRecord.parse("v=DKIM2; p=x"));
        assertEquals(VerificationFailure.KEY_SYNTAX, e.failure());
        assertThrows(DkimFailureException.class, () -> KeyRecord.parse("v=DKIM1; k=rsa"));
    }

    private static void assertFailure(VerificationFailure expected, String value) {
        DkimFailureException e = assertThrows(DkimFailureException.class, () -> DkimSignature.parse(value));
        assertEquals(expected, e.failure(), e.getMessage());
    }
}
