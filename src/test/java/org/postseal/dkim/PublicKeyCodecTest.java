package org.postseal.dkim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PublicKeyCodecTest {
    /** RFC 8463 Appendix A.2, the ed25519 key of selector brisbane. */
    private static final String RFC8463_ED25519 = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";

    @Test
    void decodesAndEncodesTheRfc8463Ed25519Key() throws Exception {
        PublicKey key = PublicKeyCodec.decode("ed25519", RFC8463_ED25519);

        assertEquals(SignatureAlgorithm.ED25519_SHA256, PublicKeyCodec.algorithm(key));
        assertEquals(RFC8463_ED25519, PublicKeyCodec.encode(key));
        byte[] spki = key.getEncoded();
        assertArrayEquals(Base64.getDecoder().decode(RFC8463_ED25519), Arrays.copyOfRange(spki, 12, 44));
    }

    /** opendkim-genkey publishes a SubjectPublicKeyInfo; decoding and encoding again gives the same text. */
    @Test
    void decodesWhatOpendkimGenkeyPublishes() throws Exception {
        String p = pValue(opendkimRecord());

        PublicKey key = PublicKeyCodec.decode("rsa", p);

        assertEquals(2048, ((RSAPublicKey) key).getModulus().bitLength());
        assertEquals(SignatureAlgorithm.RSA_SHA256, PublicKeyCodec.algorithm(key));
        assertEquals(p, PublicKeyCodec.encode(key));
    }

    @Test
    void decodesWhatDknewkeyPublishes() throws Exception {
        String p = pValue(text("dkimpy/ed25519.dns"));

        assertEquals(p, PublicKeyCodec.encode(PublicKeyCodec.decode("ed25519", p)));
    }

    /** Keys published by the tools verify the signatures OpenSSL made with their private halves. */
    @ParameterizedTest
    @CsvSource({
        "rsa,     opendkim/sel.txt,   opendkim/sel.sig,   SHA256withRSA",
        "ed25519, dkimpy/ed25519.dns, dkimpy/ed25519.sig, Ed25519",
    })
    void decodedKeysVerifyOpenSslSignatures(String keyType, String record, String signature, String jcaName)
            throws Exception {
        String recordText = record.endsWith(".txt") ? opendkimRecord() : text(record);
        PublicKey key = PublicKeyCodec.decode(keyType, pValue(recordText));

        for (Signature verifier : new Signature[] {CryptoProviders.signature(jcaName),
                Signature.getInstance(jcaName)}) {
            verifier.initVerify(key);
            verifier.update(bytes("message.txt"));
            assertTrue(verifier.verify(bytes(signature)), verifier.getProvider().getName());
        }
    }

    @Test
    void readsOpenSslSubjectPublicKeyInfos() throws Exception {
        PublicKey rsa = KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(pem("rsa2048-pkcs1.pub.pem")));
        PublicKey ed25519 = KeyFactory.getInstance("Ed25519").generatePublic(
                new X509EncodedKeySpec(pem("ed25519-pkcs8.pub.pem")));

        assertEquals(Base64.getEncoder().encodeToString(pem("rsa2048-pkcs1.pub.pem")), PublicKeyCodec.encode(rsa));
        byte[] spki = pem("ed25519-pkcs8.pub.pem");
        assertEquals(Base64.getEncoder().encodeToString(Arrays.copyOfRange(spki, 12, 44)),
                PublicKeyCodec.encode(ed25519));
        assertArrayEquals(rsa.getEncoded(), PublicKeyCodec.decode("rsa", PublicKeyCodec.encode(rsa)).getEncoded());
        assertArrayEquals(ed25519.getEncoded(),
                PublicKeyCodec.decode("ed25519", PublicKeyCodec.encode(ed25519)).getEncoded());
    }

    /** `openssl rsa -RSAPublicKey_out` writes bare PKCS#1; some publishers put that in p=. */
    @Test
    void readsBarePkcs1RsaPublicKey() throws Exception {
        String pkcs1 = Base64.getEncoder().encodeToString(pem("rsa2048-pkcs1.rsapub.pem"));

        PublicKey key = PublicKeyCodec.decode("RSA", pkcs1);

        assertArrayEquals(pem("rsa2048-pkcs1.pub.pem"), key.getEncoded());
        assertEquals(Base64.getEncoder().encodeToString(pem("rsa2048-pkcs1.pub.pem")), PublicKeyCodec.encode(key));
    }

    @Test
    void ignoresWhitespaceInsideTheBase64() throws Exception {
        String p = pValue(opendkimRecord());
        StringBuilder folded = new StringBuilder(" ");
        for (int i = 0; i < p.length(); i += 7) {
            folded.append(p, i, Math.min(p.length(), i + 7)).append(i % 2 == 0 ? "\r\n\t" : "  ");
        }

        assertEquals(p, PublicKeyCodec.encode(PublicKeyCodec.decode("rsa", folded.toString())));
        assertEquals(RFC8463_ED25519, PublicKeyCodec.encode(PublicKeyCodec.decode(" Ed25519 ",
                "11qYAYKxCrfVS/7TyWQHOg7h cvPapiMlrwIaaPcHURo=\r\n")));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "rsa     | ''                                            | empty p= (the key has been revoked)",
        "ed25519 | ' \t '                                        | empty p= (the key has been revoked)",
        "rsa     | MIIB*IjAN                                     | p= is not valid base64",
        "dsa     | AAAA                                          | unknown key type k=dsa",
        "rsa     | AAAA                                          | p= is not a valid DER key structure (it has an unexpected element)",
        "rsa     | MAA=                                          | p= is not a valid DER key structure (it ends early)",
        "rsa     | MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA  | p= is not a valid DER key structure (it ends early)",
        "rsa     | MAYCAQECAQMA                                  | p= is not a valid DER key structure (it has bytes left over)",
        "rsa     | MAYCAQACAQM=                                  | p= holds an RSA key with a negative or zero number",
        "ed25519 | AAAA                                          | k=ed25519 p= must be 32 bytes (RFC 8463 §4), not 3",
        "ed25519 | MCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo= | k=ed25519 p= must be the bare 32-byte key (RFC 8463 §4), not a SubjectPublicKeyInfo",
        "rsa     | MCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo= | k=rsa but p= holds an Ed25519 key",
    })
    void refusesBadValues(String keyType, String base64, String expected) {
        PublicKeyFormatException e = assertThrows(PublicKeyFormatException.class,
                () -> PublicKeyCodec.decode(keyType, base64));

        assertEquals(expected, e.getMessage());
    }

    @Test
    void refusesAnEcKeyUnderKRsa() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        PublicKey ec = generator.generateKeyPair().getPublic();
        String p = Base64.getEncoder().encodeToString(ec.getEncoded());

        assertEquals("k=rsa but p= holds a key for another algorithm",
                assertThrows(PublicKeyFormatException.class, () -> PublicKeyCodec.decode("rsa", p)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> PublicKeyCodec.encode(ec));
        assertThrows(IllegalArgumentException.class, () -> PublicKeyCodec.algorithm(ec));
    }

    private static String opendkimRecord() {
        // Join the quoted strings of opendkim-genkey's zone-file layout, as a name server would.
        Matcher quoted = Pattern.compile("\"([^\"]*)\"").matcher(text("opendkim/sel.txt"));
        StringBuilder value = new StringBuilder();
        while (quoted.find()) {
            value.append(quoted.group(1));
        }
        return value.toString();
    }

    private static String pValue(String record) {
        Matcher p = Pattern.compile("(?:^|;)\\s*p=([^;]*)").matcher(record);
        assertTrue(p.find(), record);
        return p.group(1).strip();
    }

    private static byte[] pem(String name) {
        StringBuilder base64 = new StringBuilder();
        for (String line : text(name).split("\n")) {
            if (!line.startsWith("-----")) {
                base64.append(line.strip());
            }
        }
        return Base64.getDecoder().decode(base64.toString());
    }

    private static String text(String name) {
        return new String(bytes(name), StandardCharsets.US_ASCII);
    }

    private static byte[] bytes(String name) {
        try (InputStream in = PublicKeyCodecTest.class.getResourceAsStream("/keys/" + name)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Found by KeyRecordFuzzTest: an RSA key whose INTEGER has no content byte made BigInteger throw
     * NumberFormatException out of the verifier, from a record any sender's DNS can publish; it is a key syntax error.
     */
    @Test
    void anRsaKeyWithAnEmptyIntegerIsAFormatError() {
        // RSAPublicKey SEQUENCE { INTEGER (no content), INTEGER 3 }, bare and inside a SubjectPublicKeyInfo
        byte[] pkcs1 = {0x30, 0x05, 0x02, 0x00, 0x02, 0x01, 0x03};
        byte[] spki = {0x30, 0x19, 0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d,
            0x01, 0x01, 0x01, 0x05, 0x00, 0x03, 0x08, 0x00, 0x30, 0x05, 0x02, 0x00, 0x02, 0x01, 0x03};
        for (byte[] der : new byte[][] {pkcs1, spki}) {
            PublicKeyFormatException e = assertThrows(PublicKeyFormatException.class,
                    () -> PublicKeyCodec.decode("rsa", Base64.getEncoder().encodeToString(der)));
            assertEquals("p= is not a valid DER key structure (it has an INTEGER without content)", e.getMessage());
        }
    }

}
