package org.postseal.keys;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Signature;
import java.security.interfaces.RSAPublicKey;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.pkcs.RSAPrivateKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.postseal.dkim.CryptoProviders;
import org.postseal.dkim.SignatureAlgorithm;
import org.postseal.dkim.SigningKey;
import org.postseal.dkim.PublicKeyCodec;

class PrivateKeyReaderTest {

    /** Every key form the tools write reads, and gives the public key the tool itself derived. */
    @ParameterizedTest
    @CsvSource({
        "rsa2048-pkcs1.pem, rsa2048-pkcs1.pub.pem, RSA_SHA256",
        "rsa2048-pkcs8.pem, rsa2048-pkcs8.pub.pem, RSA_SHA256",
        "rsa1024-pkcs1.pem, rsa1024-pkcs1.pub.pem, RSA_SHA256",
        "ed25519-pkcs8.pem, ed25519-pkcs8.pub.pem, ED25519_SHA256",
    })
    void readsOpenSslKeysAndDerivesTheirPublicKey(String file, String publicFile, SignatureAlgorithm algorithm)
            throws Exception {
        SigningKey key = PrivateKeyReader.read(file, Fixtures.bytes(file));

        assertEquals(algorithm, key.algorithm());
        assertArrayEquals(Fixtures.pemContents(publicFile), key.publicKey().getEncoded(),
                "public key as `openssl pkey -pubout` derives it");
        assertEquals(PublicKeyCodec.encode(Fixtures.jdkPublicKey(publicFile, algorithm)),
                PublicKeyCodec.encode(key.publicKey()));
    }

    /**
     * RSASSA-PKCS1-v1_5 and Ed25519 signatures are deterministic: signing the same message must give exactly the
     * bytes OpenSSL gave, and the JDK alone must verify them.
     */
    @ParameterizedTest
    @CsvSource({
        "rsa2048-pkcs1.pem, rsa2048-pkcs1.sig",
        "rsa2048-pkcs8.pem, rsa2048-pkcs8.sig",
        "rsa1024-pkcs1.pem, rsa1024-pkcs1.sig",
        "ed25519-pkcs8.pem, ed25519-pkcs8.sig",
        "opendkim/sel.private, opendkim/sel.sig",
        "dkimpy/ed25519.key, dkimpy/ed25519.sig",
    })
    void signsExactlyAsOpenSslDoes(String file, String signatureFile) throws Exception {
        SigningKey key = PrivateKeyReader.read(file, Fixtures.bytes(file));
        byte[] message = Fixtures.bytes("message.txt");

        Signature signer = CryptoProviders.signature(Fixtures.jcaSignatureName(key.algorithm()));
        signer.initSign(key.privateKey());
        signer.update(message);
        byte[] signature = signer.sign();

        assertArrayEquals(Fixtures.bytes(signatureFile), signature);
        assertTrue(Fixtures.jdkVerify(key.algorithm(), key.publicKey(), message, signature));
        assertArrayEquals(signature, Fixtures.jdkSign(key, message), "the JDK signs with the key too");
    }

    @Test
    void opendkimGenkeyKeyMatchesItsPublishedRecord() throws Exception {
        SigningKey key = PrivateKeyReader.read("sel.private", Fixtures.bytes("opendkim/sel.private"));
        String published = ZoneFileTxt.parse(Fixtures.text("opendkim/sel.txt")).get(0).value();

        assertEquals(SignatureAlgorithm.RSA_SHA256, key.algorithm());
        assertEquals(2048, ((RSAPublicKey) key.publicKey()).getModulus().bitLength());
        assertEquals(published, KeyRecordText.of(key).value());
    }

    @Test
    void dkimpyEd25519KeyMatchesItsPublishedRecord() throws Exception {
        byte[] file = Fixtures.bytes("dkimpy/ed25519.key");
        assertEquals(44, file.length, "dknewkey writes 44 characters of base64 and no line break");

        SigningKey key = PrivateKeyReader.read("ed25519.key", file);

        assertEquals(SignatureAlgorithm.ED25519_SHA256, key.algorithm());
        assertEquals(Fixtures.text("dkimpy/ed25519.dns"), KeyRecordText.of(key).value());
    }

    @Test
    void readsSeedFollowedByPublicKey() throws Exception {
        byte[] seed = Base64.getDecoder().decode(Fixtures.text("dkimpy/ed25519.key"));
        String dns = Fixtures.text("dkimpy/ed25519.dns");
        byte[] publicKey = Base64.getDecoder().decode(dns.substring(dns.indexOf("p=") + 2));
        byte[] both = concat(seed, publicKey);

        SigningKey key = PrivateKeyReader.read("sk", (Base64.getEncoder().encodeToString(both) + "\n").getBytes(
                StandardCharsets.US_ASCII));

        assertEquals(dns, KeyRecordText.of(key).value());

        publicKey[0] ^= 1;
        byte[] mismatched = Base64.getEncoder().encode(concat(seed, publicKey));
        assertProblem("sk", mismatched, "does not belong to its private key");
    }

    @Test
    void readsTheRfc8463TestKey() throws Exception {
        SigningKey key = PrivateKeyReader.read("rfc8463",
                "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=".getBytes(StandardCharsets.US_ASCII));

        assertEquals("11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=", PublicKeyCodec.encode(key.publicKey()));
    }

    @Test
    void toleratesCrLfByteOrderMarkAndTextAroundTheBlock() throws Exception {
        String pem = Fixtures.text("rsa2048-pkcs1.pem");
        String decorated = "\u00ef\u00bb\u00bfBag Attributes\r\n    localKeyID: 01\r\n"
                + pem.replace("\n", "\r\n") + "trailing words\r\n";

        SigningKey key = PrivateKeyReader.read("k", decorated.getBytes(StandardCharsets.ISO_8859_1));

        assertArrayEquals(Fixtures.pemContents("rsa2048-pkcs1.pub.pem"), key.publicKey().getEncoded());
    }

    /** Each bad input is refused with one line that names the file and the problem. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "empty.pem                 | is empty",
        "rsa512-pkcs1.pem          | RSA key of 512 bits is too short (minimum 1024)",
        "encrypted-pkcs1.pem       | is an encrypted private key",
        "encrypted-pkcs8.pem       | is an encrypted private key",
        "ec-prime256v1.pem         | holds an EC key; DKIM signs with RSA or Ed25519 keys only",
        "ec-pkcs8.pem              | holds an EC key; DKIM signs with RSA or Ed25519 keys only",
        "ed448-pkcs8.pem           | holds an Ed448 key",
        "rsa-pss-pkcs8.pem         | holds an RSA-PSS key",
        "certificate.pem           | holds a certificate, not a private key",
        "rsa2048-pkcs8.pub.pem     | holds a public key, not a private key",
        "rsa2048-pkcs1.rsapub.pem  | holds a public key, not a private key",
        "truncated.pem             | the \"RSA PRIVATE KEY\" block begun on line 1 has no END line (truncated?)",
        "truncated-with-end.pem    | the \"PRIVATE KEY\" block is not a valid key (truncated or damaged?)",
        "garbled.pem               | line 6: character '*' in the \"RSA PRIVATE KEY\" block is not base64",
        "openssh-ed25519.key       | holds an OpenSSH private key",
        "text.txt                  | is neither a PEM private key nor a base64 Ed25519 key",
        "opendkim/sel.txt          | holds a DKIM DNS record (a public key), not a private key",
        "dkimpy/ed25519.dns        | holds a DKIM DNS record (a public key), not a private key",
        "message.txt               | is neither a PEM private key nor a base64 Ed25519 key",
        "rsa2048-pkcs1.sig         | is binary, not a PEM private key",
    })
    void refusesBadFilesWithAClearMessage(String file, String expected) {
        assertProblem(file, Fixtures.bytes(file), expected);
    }

    @Test
    void refusesOtherBadInputs() {
        assertProblem("blank", " \n\t\n".getBytes(StandardCharsets.US_ASCII), "is empty");
        assertProblem("short", "c2hvcnQ=".getBytes(StandardCharsets.US_ASCII), "is base64 of 5 bytes");
        String pem = Fixtures.text("rsa2048-pkcs1.pem");
        assertProblem("two", (pem + Fixtures.text("rsa2048-pkcs8.pem")).getBytes(StandardCharsets.US_ASCII),
                "holds 2 private keys; expected one");
        assertProblem("mixed", pem.replace("END RSA PRIVATE KEY", "END PRIVATE KEY")
                .getBytes(StandardCharsets.US_ASCII), "ends with an END line for \"PRIVATE KEY\"");
        assertProblem("cut", pem.substring(0, pem.indexOf("-----END")).concat("-----BEGIN PRIVATE KEY-----\n")
                .getBytes(StandardCharsets.US_ASCII), "has no END line (truncated?)");
        assertProblem("hollow", "-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----\n"
                .getBytes(StandardCharsets.US_ASCII), "block on line 1 is empty");
        assertProblem("csr", "-----BEGIN CERTIFICATE REQUEST-----\nMAA=\n-----END CERTIFICATE REQUEST-----\n"
                .getBytes(StandardCharsets.US_ASCII), "holds a certificate request, not a private key");
        assertProblem("end", "-----END PRIVATE KEY-----\n".getBytes(StandardCharsets.US_ASCII),
                "line 1: END line without a BEGIN line");
    }

    /** A key whose numbers were damaged but still parse is caught by the sign-and-verify check. */
    @Test
    void refusesAKeyThatCannotSign() throws Exception {
        RSAPrivateKey key = RSAPrivateKey.getInstance(
                ASN1Primitive.fromByteArray(Fixtures.pemContents("rsa2048-pkcs1.pem")));
        RSAPrivateKey damaged = new RSAPrivateKey(key.getModulus(), key.getPublicExponent(),
                key.getPrivateExponent().add(BigInteger.TWO), key.getPrime1(), key.getPrime2(),
                key.getExponent1().add(BigInteger.TWO), key.getExponent2(), key.getCoefficient());
        String pem = Pem.write("RSA PRIVATE KEY", damaged.getEncoded("DER"));

        KeyFileException e = assertThrows(KeyFileException.class,
                () -> PrivateKeyReader.read("damaged.pem", pem.getBytes(StandardCharsets.US_ASCII)));

        assertTrue(e.getMessage().startsWith("damaged.pem: holds "), e.getMessage());
        assertTrue(e.getMessage().endsWith("(damaged?)"), e.getMessage());
    }

    @Test
    void honoursMinimumRsaBits() throws Exception {
        byte[] rsa2048 = Fixtures.bytes("rsa2048-pkcs1.pem");
        assertEquals(SignatureAlgorithm.RSA_SHA256, PrivateKeyReader.read("k", rsa2048, 2048).algorithm());

        KeyFileException e = assertThrows(KeyFileException.class,
                () -> PrivateKeyReader.read("k.pem", rsa2048, 3072));
        assertEquals("k.pem: RSA key of 2048 bits is too short (minimum 3072)", e.getMessage());
        assertEquals("k.pem", e.source());
        assertEquals("RSA key of 2048 bits is too short (minimum 3072)", e.problem());

        assertEquals(SignatureAlgorithm.ED25519_SHA256,
                PrivateKeyReader.read("k", Fixtures.bytes("ed25519-pkcs8.pem"), 4096).algorithm(),
                "the minimum is for RSA only");
        assertThrows(IllegalArgumentException.class, () -> PrivateKeyReader.read("k", rsa2048, 512));
    }

    @Test
    void readsFromAPath(@TempDir Path directory) throws Exception {
        Path file = directory.resolve("key.pem");
        Files.write(file, Fixtures.bytes("ed25519-pkcs8.pem"));

        assertEquals(SignatureAlgorithm.ED25519_SHA256, PrivateKeyReader.read(file).algorithm());

        Path rsa = directory.resolve("rsa.pem");
        Files.write(rsa, Fixtures.bytes("rsa2048-pkcs8.pem"));
        assertEquals(rsa + ": RSA key of 2048 bits is too short (minimum 4096)",
                assertThrows(KeyFileException.class, () -> PrivateKeyReader.read(rsa, 4096)).getMessage());
    }

    @Test
    void reportsFileProblems(@TempDir Path directory) throws IOException {
        Path missing = directory.resolve("missing.pem");
        assertEquals(missing + ": no such file",
                assertThrows(KeyFileException.class, () -> PrivateKeyReader.read(missing)).getMessage());
        assertEquals(directory + ": is a directory, not a key file",
                assertThrows(KeyFileException.class, () -> PrivateKeyReader.read(directory)).getMessage());
        Path big = directory.resolve("big.pem");
        Files.write(big, new byte[2 * 1024 * 1024]);
        assertEquals(big + ": is 2097152 bytes, too large for a key file",
                assertThrows(KeyFileException.class, () -> PrivateKeyReader.read(big)).getMessage());
    }

    private static void assertProblem(String source, byte[] contents, String expected) {
        KeyFileException e = assertThrows(KeyFileException.class, () -> PrivateKeyReader.read(source, contents));
        String message = e.getMessage();
        assertTrue(message.startsWith(source + ": "), message);
        assertTrue(message.contains(expected), () -> "expected \"" + expected + "\" in: " + message);
        assertFalse(message.contains("\n"), "one line: " + message);
        for (String leak : List.of("Exception", "bouncycastle", "java.")) {
            assertFalse(message.contains(leak), () -> "no exception text in: " + message);
        }
    }

    private static byte[] concat(byte[] first, byte[] second) {
        byte[] both = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, both, first.length, second.length);
        return both;
    }
}
