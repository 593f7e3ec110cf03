package org.postseal.keys;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.postseal.dkim.SigningKey;

class PrivateKeyWriterTest {

    /** What OpenSSL wrote is what postseal writes, byte for byte. */
    @ParameterizedTest
    @ValueSource(strings = {"rsa2048-pkcs1.pem", "rsa1024-pkcs1.pem", "ed25519-pkcs8.pem"})
    void writesWhatOpenSslWrites(String file) throws Exception {
        SigningKey key = PrivateKeyReader.read(file, Fixtures.bytes(file));

        assertEquals(Fixtures.text(file), PrivateKeyWriter.pem(key));
    }

    @Test
    void writesRsaAsPkcs1() throws Exception {
        SigningKey key = PrivateKeyReader.read("k", Fixtures.bytes("opendkim/sel.private"));

        String pem = PrivateKeyWriter.pem(key);

        assertTrue(pem.startsWith("-----BEGIN RSA PRIVATE KEY-----\n"), pem);
        assertTrue(pem.endsWith("\n-----END RSA PRIVATE KEY-----\n"), pem);
        assertReadsBack(key, pem);
    }

    @Test
    void writesDkimpyEd25519AsPkcs8() throws Exception {
        SigningKey key = PrivateKeyReader.read("k", Fixtures.bytes("dkimpy/ed25519.key"));

        String pem = PrivateKeyWriter.pem(key);

        assertTrue(pem.startsWith("-----BEGIN PRIVATE KEY-----\n"), pem);
        assertEquals(119, pem.length(), "the length of `openssl genpkey -algorithm ed25519` output");
        assertReadsBack(key, pem);
    }

    @Test
    void linesAreAtMost64Characters() throws Exception {
        String pem = PrivateKeyWriter.pem(PrivateKeyReader.read("k", Fixtures.bytes("rsa2048-pkcs8.pem")));

        for (String line : pem.split("\n")) {
            assertTrue(line.length() <= 64 || line.startsWith("-----"), line);
        }
    }

    private static void assertReadsBack(SigningKey key, String pem) throws KeyFileException {
        SigningKey again = PrivateKeyReader.read("again", pem.getBytes(StandardCharsets.US_ASCII));
        assertEquals(key.algorithm(), again.algorithm());
        assertArrayEquals(key.publicKey().getEncoded(), again.publicKey().getEncoded());
        assertArrayEquals(key.privateKey().getEncoded(), again.privateKey().getEncoded());
    }
}
