package org.postseal.keys;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Timeout;
import org.postseal.dkim.SigningKey;
import org.postseal.fuzz.FuzzSupport;

/**
 * Fuzzes the private-key reader (PEM PKCS#1 and PKCS#8, dkimpy's base64 Ed25519) and the PEM reader under it: the
 * files a KeyTable names, which an administrator copies from OpenDKIM, openssl or dkimpy. A refusal is a
 * {@link KeyFileException} whose message starts with the file name and says what is wrong; nothing else escapes
 * (BouncyCastle's assorted exceptions on bad DER included); an accepted key has passed its sign-and-verify self-test
 * and, written back as PEM, reads as the same key. Every block the PEM reader returns writes back and reads as the same
 * type and bytes.
 */
@Timeout(10)
class PrivateKeyReaderFuzzTest {
    private static final String SOURCE = "fuzz.private";

    @FuzzTest(maxDuration = "30s")
    void read(byte[] input) throws KeyFileException {
        try {
            for (Pem.Block block : Pem.read(SOURCE, new String(input, StandardCharsets.ISO_8859_1))) {
                if (block.type().isEmpty() || block.type().contains("-----")) {
                    continue; // no label to write back
                }
                List<Pem.Block> again = Pem.read(SOURCE, Pem.write(block.type(), block.contents()));
                assertEquals(1, again.size());
                assertEquals(block.type(), again.get(0).type());
                assertArrayEquals(block.contents(), again.get(0).contents());
            }
        } catch (KeyFileException e) {
            placed(e);
        }

        SigningKey key;
        try {
            key = PrivateKeyReader.read(SOURCE, input);
        } catch (KeyFileException e) {
            placed(e);
            return;
        }
        SigningKey again = PrivateKeyReader.read(SOURCE, PrivateKeyWriter.pem(key).getBytes(StandardCharsets.US_ASCII));
        assertEquals(key.algorithm(), again.algorithm());
        assertEquals(key.publicKey(), again.publicKey());
        assertArrayEquals(key.privateKey().getEncoded(), again.privateKey().getEncoded());
    }

    private static void placed(KeyFileException e) {
        FuzzSupport.explained(e);
        assertTrue(e.getMessage().startsWith(SOURCE + ": "), e.getMessage());
        assertTrue(e.getMessage().indexOf('\n') < 0, () -> "more than one line: " + e.getMessage());
    }
}
