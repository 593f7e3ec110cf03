package org.postseal.dkim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Timeout;
import org.postseal.fuzz.FuzzSupport;

/**
 * Fuzzes the key-record parser and the public-key decoder behind it: both read a TXT record that whoever controls a
 * sender's DNS writes. A record is refused with {@link VerificationFailure#KEY_SYNTAX} and a message, or it holds
 * values that, written back as a record, parse to the same values. Its {@code p=} either decodes to a key whose
 * encoding decodes to the same key, or is refused with a {@link PublicKeyFormatException} with a message.
 */
@Timeout(10)
class KeyRecordFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void parse(byte[] input) throws DkimFailureException, PublicKeyFormatException {
        String text = new String(input, StandardCharsets.ISO_8859_1);
        KeyRecord record;
        try {
            record = KeyRecord.parse(text);
        } catch (DkimFailureException e) {
            FuzzSupport.explained(e);
            assertEquals(VerificationFailure.KEY_SYNTAX, e.failure());
            return;
        }
        List<String> tags = new ArrayList<>();
        tags.add("v=DKIM1");
        tags.add("k=" + record.keyType());
        if (!record.hashAlgorithms().isEmpty()) {
            tags.add("h=" + String.join(":", record.hashAlgorithms()));
        }
        tags.add("s=" + (record.allowsEmail() ? "email" : "other"));
        List<String> flags = new ArrayList<>();
        if (record.testing()) {
            flags.add("y");
        }
        if (record.strict()) {
            flags.add("s");
        }
        tags.add("t=" + String.join(":", flags));
        tags.add("p=" + record.publicKeyData());
        String written = String.join("; ", tags);
        KeyRecord again = KeyRecord.parse(written);
        assertEquals(record.keyType(), again.keyType(), written);
        assertEquals(record.hashAlgorithms(), again.hashAlgorithms(), written);
        assertEquals(record.allowsEmail(), again.allowsEmail(), written);
        assertEquals(record.testing(), again.testing(), written);
        assertEquals(record.strict(), again.strict(), written);
        assertEquals(record.revoked(), again.revoked(), written);
        assertEquals(record.publicKeyData(), again.publicKeyData(), written);

        if (record.revoked()) {
            return;
        }
        PublicKey key;
        try {
            key = PublicKeyCodec.decode(record.keyType(), record.publicKeyData());
        } catch (PublicKeyFormatException e) {
            FuzzSupport.explained(e);
            return;
        }
        PublicKey decodedAgain = PublicKeyCodec.decode(record.keyType(), PublicKeyCodec.encode(key));
        assertEquals(key, decodedAgain);
    }
}
