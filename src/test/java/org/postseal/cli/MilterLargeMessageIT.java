package org.postseal.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.postseal.bench.ProcessResources;
import org.postseal.dkim.DkimVerifier;
import org.postseal.dkim.VerificationResult;
import org.postseal.dkim.VerificationSession;
import org.postseal.keys.KeyRecordText;
import org.postseal.keys.PrivateKeyReader;
import org.postseal.message.HeaderField;
import org.postseal.milter.MilterTestClient;

/**
 * Issue 12: "a 50 MB message signs with live heap under 64 MB". A {@code postseal milter} process limited to a 64 MiB
 * heap ({@code -Xmx64m}) receives one 50 MiB message through the milter protocol in 64 KiB BODY chunks, as Postfix
 * sends it, and answers with a DKIM-Signature that postseal's verifier accepts for the same bytes. The body is hashed
 * as it arrives and never kept, so the heap does not grow with the message; the process does not run out of memory.
 */
class MilterLargeMessageIT {
    private static final int CHUNK = 64 * 1024;
    private static final int CHUNKS = 800; // 50 MiB

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void fiftyMegabyteMessageSignsInA64MegabyteHeap() throws Exception {
        Path key = KeyFiles.genkey(dir, "example.com", "mail");
        Files.writeString(dir.resolve("KeyTable"), "k example.com:mail:" + key + "\n");
        Files.writeString(dir.resolve("SigningTable"), "*@example.com k\n");
        List<byte[]> fields = List.of(
                "From: Joe <joe@example.com>".getBytes(StandardCharsets.US_ASCII),
                "To: suzie@example.net".getBytes(StandardCharsets.US_ASCII),
                "Subject: the parish archive, scanned".getBytes(StandardCharsets.US_ASCII),
                "Date: Sun, 22 Nov 2026 09:30:00 +0100".getBytes(StandardCharsets.US_ASCII),
                "Message-ID: <archive.1@example.com>".getBytes(StandardCharsets.US_ASCII));
        List<MilterTestClient.Reply> replies;
        ProcessResources.Histogram halfway;
        long peakRssKb = 0;
        long started;
        long seconds;
        String log;
        try (MilterProcess milter = MilterProcess.start(dir, "  key-table = \"" + dir.resolve("KeyTable") + "\"\n"
                + "  signing-table = \"refile:" + dir.resolve("SigningTable") + "\"\n", "-Xmx64m")) {
            try (MilterTestClient client = new MilterTestClient(milter.address())) {
                client.socket().setSoTimeout(60_000);
                client.negotiate(6, MilterTestClient.POSTFIX_ACTIONS, MilterTestClient.POSTFIX_STEPS_V6);
                client.send('C', MilterTestClient.connectPayload("localhost", '4', 1, "127.0.0.1"));
                assertEquals('c', client.read().code());
                client.send('M', MilterTestClient.strings("<joe@example.com>"));
                assertEquals('c', client.read().code());
                for (byte[] field : fields) {
                    String text = new String(field, StandardCharsets.US_ASCII);
                    int colon = text.indexOf(':');
                    client.send('L', MilterTestClient.header(text.substring(0, colon).getBytes(StandardCharsets.US_ASCII),
                            text.substring(colon + 1).getBytes(StandardCharsets.US_ASCII)));
                }
                client.send('N', new byte[0]);
                assertEquals('c', client.read().code());
                started = System.nanoTime();
                halfway = null;
                for (int n = 0; n < CHUNKS; n++) {
                    client.send('B', chunk(n));
                    if (n % 50 == 0) {
                        peakRssKb = Math.max(peakRssKb, ProcessResources.residentKb(milter.pid()));
                    }
                    if (n == CHUNKS / 2) {
                        halfway = ProcessResources.liveHeap(milter.pid());
                    }
                }
                client.send('E', new byte[0]);
                replies = client.readUntilFinal();
                seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);
            }
            assertTrue(milter.isAlive(), "the milter still runs");
            log = milter.log();
        }
        assertFalse(log.contains("OutOfMemoryError"), log);
        byte[] insert = replies.stream().filter(r -> r.code() == 'i').map(MilterTestClient.Reply::payload)
                .findFirst().orElseThrow(() -> new AssertionError("no header inserted: " + codes(replies) + "\n" + log));
        List<VerificationResult> results = verify(key, signatureField(insert), fields);
        System.out.printf(Locale.ROOT, "50 MiB message (%d chunks of %d bytes) signed by a milter with -Xmx64m in %d s;"
                + " live heap at 25 MiB of body: %.2f MiB; resident memory at most %d MiB; verified: %s%n", CHUNKS,
                CHUNK, seconds, halfway.mib(), peakRssKb / 1024, results.get(0).describe());
        assertEquals(1, results.size());
        assertTrue(results.get(0).passed(), results.get(0).describe());
        assertTrue(halfway.bytes() < 64L << 20, "live heap halfway: " + halfway.bytes());
    }

    /** Body chunk {@code n}: 64 KiB of 64-byte CRLF lines, each numbered, so no two chunks are alike. */
    private static byte[] chunk(int n) {
        byte[] chunk = new byte[CHUNK];
        for (int line = 0; line < CHUNK / 64; line++) {
            String text = String.format(Locale.ROOT, "%05d/%04d the minutes of every meeting since 1911, scanned",
                    n, line);
            byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
            int at = line * 64;
            System.arraycopy(bytes, 0, chunk, at, Math.min(bytes.length, 62));
            for (int i = bytes.length; i < 62; i++) {
                chunk[at + i] = '.';
            }
            chunk[at + 62] = '\r';
            chunk[at + 63] = '\n';
        }
        return chunk;
    }

    /** SMFIR_INSHEADER's payload (index, name, value) as the field Postfix stores: folds as CRLF. */
    private static HeaderField signatureField(byte[] insert) {
        String text = new String(insert, 4, insert.length - 4, StandardCharsets.US_ASCII);
        String name = text.substring(0, text.indexOf('\0'));
        String value = text.substring(text.indexOf('\0') + 1, text.lastIndexOf('\0'));
        assertEquals("DKIM-Signature", name);
        value = value.replace("\r\n", "\n").replace("\n", "\r\n");
        boolean leadingSpace = value.startsWith(" ") || value.startsWith("\t");
        return HeaderField.of((name + ":" + (leadingSpace ? "" : " ") + value).getBytes(StandardCharsets.US_ASCII));
    }

    /** Verifies the stored message (signature on top, the fields, the body chunks again) with the key's record. */
    private static List<VerificationResult> verify(Path key, HeaderField signature, List<byte[]> fields)
            throws Exception {
        String record = KeyRecordText.of(PrivateKeyReader.read(key)).value();
        DkimVerifier verifier = new DkimVerifier((selector, domain) -> List.of(record), Clock.systemUTC());
        VerificationSession session = verifier.newSession();
        session.header(signature);
        for (byte[] field : fields) {
            session.header(HeaderField.of(field));
        }
        for (int n = 0; n < CHUNKS; n++) {
            session.body(chunk(n));
        }
        return session.finish();
    }

    private static List<Character> codes(List<MilterTestClient.Reply> replies) {
        List<Character> codes = new ArrayList<>();
        replies.forEach(r -> codes.add(r.code()));
        return codes;
    }
}
