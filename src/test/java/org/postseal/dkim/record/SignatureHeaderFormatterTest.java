package org.postseal.dkim.record;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.AbstractMap.SimpleImmutableEntry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The layout of the DKIM-Signature field, compared byte for byte with what OpenDKIM 2.11 (Debian 12) inserted for
 * the same tags when driven by miltertest (Canonicalization relaxed/simple, OversignHeaders From).
 */
class SignatureHeaderFormatterTest {
    @Test
    void rsaLayoutIsOpenDkims() {
        String opendkim = "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/simple; d=example.com; s=sel;\r\n"
                + "\tt=1795307771; bh=drjzyl6BMcGGk+QaawBm+U3Lz94FQ03YBpeNWQ3O8Qc=;\r\n"
                + "\th=From:To:Subject:Date:From;\r\n"
                + "\tb=cR4NPxPG+Dpwz1f48MRQG5UkPOEnYVkWYeIVDZyfa4XP6wBUY86SCfjgeut27u2BD\r\n"
                + "\t AhtU7UVwbQYFNZOY1TJtLuci5tcS/AMvLVWp3ABlLpmquZo2AUEabJPHbHKo7e4vKX\r\n"
                + "\t kMQCBaKqRWXcAowoIR2B6yVbSY3JtWcBHkLzufEW07jkIlCVWzLixa7kX+fXFQNSSn\r\n"
                + "\t or8Ccn7CRnc7+C3yNEQ7tse8odMW9d1KsQqTYNggCkIQGPdQDKOQYrjs35UWv2gQnR\r\n"
                + "\t iS71tLZijiMBf7LkbYiGFd2a+zHAGmvHOEzHnumYI+vyoyNDL0d7lSYtuzn29LnC/d\r\n"
                + "\t q2sR/O0eUxt1A==";
        List<Map.Entry<String, String>> tags = tags("v", "1", "a", "rsa-sha256", "c", "relaxed/simple",
                "d", "example.com", "s", "sel", "t", "1795307771",
                "bh", "drjzyl6BMcGGk+QaawBm+U3Lz94FQ03YBpeNWQ3O8Qc=", "h", "From:To:Subject:Date:From");
        assertEquals(opendkim, SignatureHeaderFormatter.signed(SignatureHeaderFormatter.unsigned(tags),
                signatureOf(opendkim)));
    }

    @Test
    void ed25519LayoutIsOpenDkims() {
        String opendkim = "DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/simple; d=example.com;\r\n"
                + "\ts=sel; t=1795307772;\r\n"
                + "\tbh=drjzyl6BMcGGk+QaawBm+U3Lz94FQ03YBpeNWQ3O8Qc=;\r\n"
                + "\th=From:To:Subject:Date:From;\r\n"
                + "\tb=d69Cvd5mKkC6Iwq8c51uJj81+v/K48OrBC2W8Zw5jo1ucSJz9ml3p2QSUEIFAyn6E\r\n"
                + "\t uFi56AA8vo2ADiWt6rkCQ==";
        List<Map.Entry<String, String>> tags = tags("v", "1", "a", "ed25519-sha256", "c", "relaxed/simple",
                "d", "example.com", "s", "sel", "t", "1795307772",
                "bh", "drjzyl6BMcGGk+QaawBm+U3Lz94FQ03YBpeNWQ3O8Qc=", "h", "From:To:Subject:Date:From");
        assertEquals(opendkim, SignatureHeaderFormatter.signed(SignatureHeaderFormatter.unsigned(tags),
                signatureOf(opendkim)));
    }

    @Test
    void aTagWhoseSemicolonReachesColumn76StaysOnItsLineAsInOpenDkim() {
        String opendkim = "DKIM-Signature: v=1; a=ed25519-sha256; c=simple/simple; d=example.com; s=ed;\r\n"
                + "\tt=1795308097; bh=zS7KNTV0HyeorkDDGwxB1AV6enuRKzO5rthkhdHIRnY=;\r\n"
                + "\th=From:To:Subject:Date:From;\r\n"
                + "\tb=J3+az89KdVmI5ldmytyYVNR/RTmEckwftDwzrURGZbzsVVzDmV2666lOdRa0sG4cf\r\n"
                + "\t pcSiunapxFPeoiYRfmlDw==";
        List<Map.Entry<String, String>> tags = tags("v", "1", "a", "ed25519-sha256", "c", "simple/simple",
                "d", "example.com", "s", "ed", "t", "1795308097",
                "bh", "zS7KNTV0HyeorkDDGwxB1AV6enuRKzO5rthkhdHIRnY=", "h", "From:To:Subject:Date:From");
        assertEquals(opendkim, SignatureHeaderFormatter.signed(SignatureHeaderFormatter.unsigned(tags),
                signatureOf(opendkim)));
    }

    @Test
    void aLongHeaderListBreaksAfterAColonOnAContinuationLine() {
        List<Map.Entry<String, String>> tags = tags("v", "1", "h",
                "From:Reply-To:Subject:Date:To:Cc:In-Reply-To:References:List-Id:Resent-Date:From");
        String header = SignatureHeaderFormatter.unsigned(tags);
        assertEquals("DKIM-Signature: v=1;\r\n"
                + "\th=From:Reply-To:Subject:Date:To:Cc:In-Reply-To:References:List-Id:\r\n"
                + "\t Resent-Date:From;\r\n"
                + "\tb=", header);
    }

    private static String signatureOf(String header) {
        return header.substring(header.indexOf("b=", header.indexOf("h=")) + 2).replaceAll("\\s", "");
    }

    private static List<Map.Entry<String, String>> tags(String... pairs) {
        List<Map.Entry<String, String>> tags = new ArrayList<>();
        for (int i = 0; i < pairs.length; i += 2) {
            tags.add(new SimpleImmutableEntry<>(pairs[i], pairs[i + 1]));
        }
        return tags;
    }
}
