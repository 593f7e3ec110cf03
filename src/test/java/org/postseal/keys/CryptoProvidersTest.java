package org.postseal.keys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.Security;
import java.security.Signature;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.postseal.dkim.CryptoProviders;

/**
 * {@link CryptoProviders} (in {@code org.postseal.dkim}; tested here with the key tooling that uses it): ACCP where
 * it loads, the JDK for what ACCP lacks, and keys that cross between the two.
 */
class CryptoProvidersTest {
    private static final String ACCP = "AmazonCorrettoCryptoProvider";
    private static final byte[] MESSAGE = "message".getBytes(StandardCharsets.US_ASCII);

    @Test
    void describesItsChoiceOnOneLine() {
        String description = CryptoProviders.description();

        assertFalse(description.isBlank());
        assertFalse(description.contains("\n"));
        assertTrue(description.startsWith("Amazon Corretto Crypto Provider ")
                || description.startsWith("JDK providers (ACCP unavailable: "), description);
    }

    /** On linux-x86_64, the platform of the ACCP jar in the pom, ACCP must load; elsewhere the JDK is fine. */
    @Test
    void usesAccpOnLinuxX8664() {
        assumeTrue(System.getProperty("os.name").equals("Linux")
                && System.getProperty("os.arch").matches("amd64|x86_64"));

        assertEquals("Amazon Corretto Crypto Provider 2.5.0 (JDK for KeyFactory.Ed25519)",
                CryptoProviders.description());
        assertEquals(ACCP, CryptoProviders.signature("SHA256withRSA").getProvider().getName());
        assertEquals(ACCP, CryptoProviders.signature("Ed25519").getProvider().getName());
        assertEquals(ACCP, CryptoProviders.keyFactory("RSA").getProvider().getName());
        assertEquals(ACCP, CryptoProviders.keyPairGenerator("Ed25519").getProvider().getName());
        assertEquals(ACCP, CryptoProviders.sha256().getProvider().getName());
        assertEquals("SunEC", CryptoProviders.keyFactory("Ed25519").getProvider().getName(),
                "ACCP 2.5.0 has no Ed25519 KeyFactory");
    }

    /** Using ACCP leaves the JVM's provider list alone (nothing in postseal installs it globally). */
    @Test
    void neverInstallsAccpGlobally() {
        CryptoProviders.signature("SHA256withRSA");

        assertNull(Security.getProvider(ACCP));
    }

    @Test
    void sha256IsSha256() {
        MessageDigest digest = CryptoProviders.sha256();

        assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
                HexFormat.of().formatHex(digest.digest("abc".getBytes(StandardCharsets.US_ASCII))));
    }

    @Test
    void keysCrossBetweenProviders() throws Exception {
        for (String algorithm : new String[] {"Ed25519", "RSA"}) {
            String signatureName = algorithm.equals("RSA") ? "SHA256withRSA" : "Ed25519";
            KeyPair ours = CryptoProviders.keyPairGenerator(algorithm).generateKeyPair();
            KeyPair jdks = java.security.KeyPairGenerator.getInstance(algorithm).generateKeyPair();

            assertTrue(verifies(Signature.getInstance(signatureName), ours, sign(
                    CryptoProviders.signature(signatureName), ours)));
            assertTrue(verifies(CryptoProviders.signature(signatureName), jdks, sign(
                    Signature.getInstance(signatureName), jdks)));
        }
    }

    @Test
    void unknownAlgorithmsAreIllegalArguments() {
        assertEquals("no provider for Signature NoSuchThing",
                assertThrows(IllegalArgumentException.class, () -> CryptoProviders.signature("NoSuchThing"))
                        .getMessage());
        assertThrows(IllegalArgumentException.class, () -> CryptoProviders.keyFactory("NoSuchThing"));
        assertThrows(IllegalArgumentException.class, () -> CryptoProviders.keyPairGenerator("NoSuchThing"));
    }

    private static byte[] sign(Signature signer, KeyPair pair) throws Exception {
        signer.initSign(pair.getPrivate());
        signer.update(MESSAGE);
        return signer.sign();
    }

    private static boolean verifies(Signature verifier, KeyPair pair, byte[] signature) throws Exception {
        verifier.initVerify(pair.getPublic());
        verifier.update(MESSAGE);
        return verifier.verify(signature);
    }
}
