package org.postseal.milter;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nightcode.milter.ResponseCode;
import org.nightcode.milter.codec.MilterPacket;

/** RFC 8601 authserv-ids read from field values, and the forged fields found among a header's. */
class ForgedResultsTest {
    @ParameterizedTest
    @ValueSource(strings = {" mx.example.org; dkim=pass", "mx.example.org;dkim=pass", " MX.Example.ORG 1; none",
        " (comment (nested) \\) ) mx.example.org ; spf=pass", "\r\n\tmx.example.org;", " \"mx.example.org\"; x=y",
        " mx.example.org", " mx.example.org(comment); none"})
    void theseClaimOurId(String value) {
        assertEquals(true, AuthservId.claims(value, "mx.example.org"), value);
    }

    @ParameterizedTest
    @ValueSource(strings = {" other.example; dkim=pass mx.example.org", " mx.example.org.evil; none",
        " (mx.example.org) other; none", " ; mx.example.org", "", " (unterminated mx.example.org",
        " \"mx.example.org"})
    void theseDoNot(String value) {
        assertEquals(false, AuthservId.claims(value, "mx.example.org"), value);
    }

    @Test
    void theIdIsTheTokenOrQuotedString() {
        assertEquals(Optional.of("mx.example.org"), AuthservId.of(" mx.example.org 1; none"));
        assertEquals(Optional.of("a b"), AuthservId.of(" \"a\\ b\"; none"));
        assertEquals(Optional.empty(), AuthservId.of(" ;none"));
    }

    @Test
    void oursAreRemovedLastFirstWithTheirIndexAmongFieldsOfThatName() {
        ForgedResults forged = new ForgedResults("mx.example.org");
        forged.field("Authentication-Results", " mx.example.org; dkim=pass");
        forged.field("Received", " from mx.example.org");
        forged.field("Authentication-Results", " other.example; dkim=pass");
        forged.field("authentication-results", " MX.EXAMPLE.ORG; spf=pass");
        forged.field("X-Authentication-Results", " mx.example.org; dkim=pass");
        assertEquals(2, forged.count());
        List<MilterPacket> removals = forged.removals();
        assertEquals(List.of(3, 1), removals.stream().map(ForgedResultsTest::index).toList());
        for (MilterPacket packet : removals) {
            assertEquals(ResponseCode.SMFIR_CHGHEADER.code(), packet.command());
            String text = new String(packet.payload(), 4, packet.payload().length - 4, StandardCharsets.US_ASCII);
            assertEquals("Authentication-Results\0\0", text, "an empty value removes the field");
        }
    }

    private static int index(MilterPacket packet) {
        byte[] p = packet.payload();
        return (p[0] & 0xff) << 24 | (p[1] & 0xff) << 16 | (p[2] & 0xff) << 8 | p[3] & 0xff;
    }
}
