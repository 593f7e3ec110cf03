package org.postseal.dkim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Timeout;
import org.postseal.fuzz.FuzzSupport;

/**
 * Fuzzes the DKIM-Signature parser, which reads a field any sender writes. A refusal is a
 * {@link DkimFailureException} with a failure (and so an RFC 8601 result) and a message. What is accepted holds what
 * the verifier relies on: a 32-byte body hash, From among the signed fields, {@code i=} within {@code d=},
 * {@code x=} not before {@code t=}; and its tags written back as {@code name=value; ...} parse to the same signature.
 */
@Timeout(10)
class DkimSignatureFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void parse(byte[] input) throws DkimFailureException {
        String value = new String(input, StandardCharsets.ISO_8859_1);
        DkimSignature signature;
        try {
            signature = DkimSignature.parse(value);
        } catch (DkimFailureException e) {
            FuzzSupport.explained(e);
            assertNotNull(e.failure().result());
            return;
        }
        assertEquals(32, signature.bodyHash().length);
        assertTrue(signature.signedHeaders().stream().anyMatch(h -> h.equalsIgnoreCase("from")));
        String identity = signature.identity();
        String identityDomain = identity.substring(identity.lastIndexOf('@') + 1).toLowerCase(Locale.ROOT);
        String domain = signature.domain().toLowerCase(Locale.ROOT);
        assertTrue(identityDomain.equals(domain) || identityDomain.endsWith("." + domain), identity);
        if (signature.timestamp().isPresent() && signature.expiration().isPresent()) {
            assertTrue(signature.expiration().getAsLong() >= signature.timestamp().getAsLong());
        }

        String written = signature.tags().asMap().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining("; "));
        DkimSignature again = DkimSignature.parse(written);
        assertEquals(signature.algorithm(), again.algorithm());
        assertEquals(signature.canonicalization(), again.canonicalization());
        assertEquals(signature.domain(), again.domain());
        assertEquals(signature.selector(), again.selector());
        assertEquals(signature.signedHeaders(), again.signedHeaders());
        assertEquals(signature.identity(), again.identity());
        assertArrayEquals(signature.bodyHash(), again.bodyHash());
        assertArrayEquals(signature.signature(), again.signature());
        assertEquals(signature.bodyLength(), again.bodyLength());
        assertEquals(signature.timestamp(), again.timestamp());
        assertEquals(signature.expiration(), again.expiration());
    }
}
