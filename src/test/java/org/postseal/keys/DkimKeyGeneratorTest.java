package org.postseal.keys;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.interfaces.RSAPublicKey;
import org.junit.jupiter.api.Test;
import org.postseal.dkim.SignatureAlgorithm;
import org.postseal.dkim.SigningKey;
import org.postseal.dkim.PublicKeyCodec;

class DkimKeyGeneratorTest {
    private static final byte[] MESSAGE = "a message".getBytes(StandardCharsets.US_ASCII);

    @Test
    void generatesRsaOfTheDefaultSize() throws Exception {
        SigningKey key = DkimKeyGenerator.generate(SignatureAlgorithm.RSA_SHA256);

        RSAPublicKey publicKey = (RSAPublicKey) key.publicKey();
        assertEquals(SignatureAlgorithm.RSA_SHA256, key.algorithm());
        assertEquals(2048, publicKey.getModulus().bitLength());
        assertEquals(BigInteger.valueOf(65537), publicKey.getPublicExponent());
        assertSignsAndRoundTrips(key);
    }

    @Test
    void generatesRsaOfAGivenSize() throws Exception {
        SigningKey key = DkimKeyGenerator.rsa(1024);

        assertEquals(1024, ((RSAPublicKey) key.publicKey()).getModulus().bitLength());
        assertSignsAndRoundTrips(key);
    }

    @Test
    void generatesEd25519() throws Exception {
        SigningKey key = DkimKeyGenerator.generate(SignatureAlgorithm.ED25519_SHA256);

        assertEquals(SignatureAlgorithm.ED25519_SHA256, key.algorithm());
        assertEquals(SignatureAlgorithm.ED25519_SHA256, PublicKeyCodec.algorithm(key.publicKey()));
        assertSignsAndRoundTrips(key);
    }

    @Test
    void refusesSizesOutOfRange() {
        assertEquals("bits: 512 (expected: 1024 to 8192)",
                assertThrows(IllegalArgumentException.class, () -> DkimKeyGenerator.rsa(512)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> DkimKeyGenerator.rsa(1023));
        assertThrows(IllegalArgumentException.class, () -> DkimKeyGenerator.rsa(16384));
    }

    /** Signs, verifies with the JDK, and survives writing and reading back with its record unchanged. */
    private static void assertSignsAndRoundTrips(SigningKey key) throws Exception {
        byte[] signature = Fixtures.jdkSign(key, MESSAGE);
        assertTrue(Fixtures.jdkVerify(key.algorithm(), key.publicKey(), MESSAGE, signature));

        SigningKey again = PrivateKeyReader.read("generated",
                PrivateKeyWriter.pem(key).getBytes(StandardCharsets.US_ASCII));
        assertEquals(KeyRecordText.of(key), KeyRecordText.of(again));
        assertArrayEquals(signature, Fixtures.jdkSign(again, MESSAGE), "deterministic signatures");
    }
}
