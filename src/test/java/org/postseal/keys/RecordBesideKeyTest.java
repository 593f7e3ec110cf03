package org.postseal.keys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postseal.dkim.SigningKey;

/** The record file beside a key, as opendkim-genkey and postseal genkey leave it, compared with the key. */
class RecordBesideKeyTest {
    @TempDir
    Path dir;

    private Path pair(String selector, SigningKey key, SigningKey recordKey, String domain) throws Exception {
        Path file = Files.writeString(dir.resolve(selector + ".private"), PrivateKeyWriter.pem(key));
        Files.writeString(dir.resolve(selector + ".txt"), ZoneFileTxt.format(selector, domain,
                KeyRecordText.of(recordKey)));
        return file;
    }

    @Test
    void theRecordOfTheKeyMatches() throws Exception {
        SigningKey key = DkimKeyGenerator.rsa(2048);
        Path file = pair("mail", key, key, "example.com");
        RecordBesideKey found = RecordBesideKey.check(file, "mail", Optional.of("example.com"), key).orElseThrow();
        assertEquals(RecordBesideKey.Verdict.MATCHES, found.verdict());
        assertEquals(dir.resolve("mail.txt"), found.file());
        assertEquals("holds the key's public half, the record to publish at mail._domainkey.example.com",
                found.detail());
    }

    @Test
    void theRecordOfAnotherKeyIsAProblemAndTheRightRecordIsGiven() throws Exception {
        SigningKey key = DkimKeyGenerator.ed25519();
        Path file = pair("ed", key, DkimKeyGenerator.ed25519(), "example.com");
        RecordBesideKey found = RecordBesideKey.check(file, "ed", Optional.of("example.com"), key).orElseThrow();
        assertEquals(RecordBesideKey.Verdict.OTHER_KEY, found.verdict());
        assertTrue(found.isProblem());
        assertTrue(found.detail().endsWith("publish \"" + KeyRecordText.of(key).value() + "\" instead"),
                found.detail());
    }

    @Test
    void aRecordForAnotherSelectorIsAProblem() throws Exception {
        SigningKey key = DkimKeyGenerator.ed25519();
        Path file = pair("2019", key, key, "example.com");
        RecordBesideKey found = RecordBesideKey.check(file, "2024", Optional.of("example.com"), key).orElseThrow();
        assertEquals(RecordBesideKey.Verdict.OTHER_NAME, found.verdict());
        assertEquals("holds the key's public half under '2019._domainkey', but the key signs with s=2024"
                + " d=example.com: publish it at 2024._domainkey.example.com", found.detail());
        assertEquals(RecordBesideKey.Verdict.MATCHES, RecordBesideKey.check(file, "2024", Optional.empty(), key)
                .orElseThrow().verdict(), "any name will do when the domain is the From domain");
    }

    @Test
    void noRecordFileOrAnotherNameSaysNothingAndGarbageIsAProblem() throws Exception {
        SigningKey key = DkimKeyGenerator.ed25519();
        Path lone = Files.writeString(dir.resolve("lone.private"), PrivateKeyWriter.pem(key));
        assertEquals(Optional.empty(), RecordBesideKey.check(lone, "lone", Optional.of("example.com"), key));
        assertEquals(Optional.empty(), RecordBesideKey.check(dir.resolve("key.pem"), "s", Optional.empty(), key));
        Files.writeString(dir.resolve("lone.txt"), "lone._domainkey IN TXT \"not a key\"\n");
        assertEquals(RecordBesideKey.Verdict.UNREADABLE, RecordBesideKey.check(lone, "lone",
                Optional.of("example.com"), key).orElseThrow().verdict());
    }
}
