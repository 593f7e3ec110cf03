package org.postseal.keys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.spec.ECGenParameterSpec;
import org.junit.jupiter.api.Test;
import org.postseal.dkim.SignatureAlgorithm;
import org.postseal.dkim.SigningKey;
import org.postseal.dkim.PublicKeyCodec;

class KeyRecordTextTest {

    @Test
    void rsaRecordIsWhatOpendkimGenkeyPublishes() throws Exception {
        SigningKey key = PrivateKeyReader.read("sel.private", Fixtures.bytes("opendkim/sel.private"));

        KeyRecordText record = KeyRecordText.of(key);

        assertEquals(ZoneFileTxt.parse(Fixtures.text("opendkim/sel.txt")).get(0).value(), record.value());
        assertTrue(record.value().startsWith("v=DKIM1; h=sha256; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA"));
        assertEquals("rsa", record.keyType());
        assertEquals(SignatureAlgorithm.RSA_SHA256, record.algorithm());
    }

    @Test
    void flagsGoWhereOpendkimGenkeyPutsThem() throws Exception {
        // strict.txt came from `opendkim-genkey -t -S`: testing, and no subdomains.
        SigningKey key = PrivateKeyReader.read("strict.private", Fixtures.bytes("opendkim/strict.private"));

        KeyRecordText record = KeyRecordText.of(key).withTesting(true).withStrict(true);

        assertEquals(ZoneFileTxt.parse(Fixtures.text("opendkim/strict.txt")).get(0).value(), record.value());
        assertTrue(record.value().startsWith("v=DKIM1; h=sha256; k=rsa; t=y:s; p="), record.value());
        assertTrue(record.testing());
        assertTrue(record.strict());
    }

    @Test
    void eachFlagAlone() throws Exception {
        KeyRecordText record = KeyRecordText.of(rfc8463Key());

        assertEquals("v=DKIM1; k=ed25519; t=y; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=",
                record.withTesting(true).value());
        assertEquals("v=DKIM1; k=ed25519; t=s; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=",
                record.withStrict(true).value());
        assertEquals(record, record.withTesting(true).withTesting(false));
    }

    @Test
    void ed25519RecordIsRfc8463s() throws Exception {
        KeyRecordText record = KeyRecordText.of(rfc8463Key());

        assertEquals("v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=", record.value());
        assertEquals(record.value(), record.toString());
        assertEquals("ed25519", record.keyType());
        assertEquals("11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=", record.publicKeyData());
        assertFalse(record.testing());
    }

    @Test
    void ed25519RecordIsWhatDknewkeyPublishes() throws Exception {
        SigningKey key = PrivateKeyReader.read("ed25519.key", Fixtures.bytes("dkimpy/ed25519.key"));

        assertEquals(Fixtures.text("dkimpy/ed25519.dns"), KeyRecordText.of(key).value());
    }

    @Test
    void equalityFollowsTheValue() throws Exception {
        PublicKey key = rfc8463Key();

        assertEquals(KeyRecordText.of(key), KeyRecordText.of(key));
        assertEquals(KeyRecordText.of(key).hashCode(), KeyRecordText.of(key).hashCode());
        assertNotEquals(KeyRecordText.of(key), KeyRecordText.of(key).withStrict(true));
    }

    @Test
    void refusesOtherKeyTypes() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        PublicKey ec = generator.generateKeyPair().getPublic();

        assertThrows(IllegalArgumentException.class, () -> KeyRecordText.of(ec));
    }

    private static PublicKey rfc8463Key() throws Exception {
        return PublicKeyCodec.decode("ed25519", "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");
    }
}
