package org.postseal.smarthost;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postseal.dkim.SigningKey;
import org.postseal.interop.Peers;
import org.postseal.keys.DkimKeyGenerator;
import org.postseal.keys.KeyRecordText;
import org.postseal.keys.PrivateKeyWriter;
import org.postseal.postfix.DeliveredMessage;
import org.postseal.postfix.SmtpSink;

/**
 * {@code postseal reload smarthost} against the running smarthost (packaged jar, configured by a HOCON file with a
 * pid-file): a new KeyTable key signs the next message, a bad KeyTable line is refused with one log line naming file
 * and line while the key loaded before keeps signing, and a new msmtp account relays the next message elsewhere.
 * Every signature is checked with dkimpy against the record of the key its selector names.
 */
class SmarthostReloadIT {
    @TempDir
    Path work;

    @Test
    void aReloadChangesTheKeyAndTheRelayAndABadLineIsRefused() throws Exception {
        Map<String, String> records = Map.of(Peers.keyName("a", "example.org"), key("a"),
                Peers.keyName("b", "example.org"), key("b"));
        Path keyTable = work.resolve("KeyTable");
        Files.writeString(keyTable, "k example.org:a:" + work.resolve("a.private") + "\n");
        Files.writeString(work.resolve("SigningTable"), "*@example.org k\n");
        Path pidFile = work.resolve("smarthost.pid");
        Path conf = work.resolve("postseal.conf");
        try (SmtpSink first = SmtpSink.start(); SmtpSink second = SmtpSink.start()) {
            Path msmtprc = msmtprc(first.port());
            Files.writeString(conf, "postseal.smarthost {\n  msmtprc = \"" + msmtprc + "\"\n  key-table = \""
                    + keyTable + "\"\n  signing-table = \"refile:" + work.resolve("SigningTable") + "\"\n  spool = \""
                    + work.resolve("spool") + "\"\n  pid-file = \"" + pidFile + "\"\n  socket = \""
                    + work.resolve("smarthost.sock") + "\"\n}\n");
            try (SmarthostProcess smarthost = new SmarthostProcess(work.resolve("smarthost.sock"),
                    work.resolve("smarthost.log"), List.of("--config", conf.toString())).start()) {
                assertTrue(Files.exists(pidFile), "pid-file written");
                assertEquals("a", selector(send(smarthost, first, "one"), records));

                Files.writeString(keyTable, "k example.org:b:" + work.resolve("b.private") + "\n");
                reload(conf, smarthost, "configuration reloaded", 1);
                assertEquals("b", selector(send(smarthost, first, "two"), records), "the new key signs");

                Files.writeString(keyTable, "k example.org:a:" + work.resolve("a.private") + "\nnot a line\n");
                String refusal = reload(conf, smarthost, "reload refused", 1);
                assertTrue(refusal.contains(keyTable + ":2: "), "file and line: " + refusal);
                assertEquals("b", selector(send(smarthost, first, "three"), records),
                        "the key loaded before keeps signing");

                Files.writeString(keyTable, "k example.org:b:" + work.resolve("b.private") + "\n");
                Files.move(msmtprc(second.port()), msmtprc, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                reload(conf, smarthost, "configuration reloaded", 2);
                assertEquals("b", selector(send(smarthost, second, "four"), records), "relayed by the new account");

                String log = smarthost.log();
                assertEquals(1, log.lines().filter(l -> l.contains("reload refused")).count(), log);
                assertFalse(log.contains("\tat "), "no stack trace:\n" + log);
            }
            assertFalse(Files.exists(pidFile), "pid-file removed at shutdown");
        }
    }

    /** Makes a key, readable by its owner only; returns its record. */
    private String key(String selector) throws Exception {
        SigningKey key = DkimKeyGenerator.rsa(2048);
        Path file = work.resolve(selector + ".private");
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, PrivateKeyWriter.pem(key));
        return KeyRecordText.of(key).value();
    }

    private Path msmtprc(int port) throws Exception {
        Path file = Files.createTempFile(work, "msmtprc", "");
        Files.writeString(file, String.join("\n", "defaults", "account default", "host 127.0.0.1",
                "port " + port, "auth off", "tls off", "from www@example.org", ""));
        return file;
    }

    /** Runs {@code postseal reload smarthost --config}, then waits for the n-th log line with {@code what}. */
    private static String reload(Path conf, SmarthostProcess smarthost, String what, int n) throws Exception {
        Process reload = new ProcessBuilder("java", "-jar", SmarthostProcess.jar().toString(), "reload", "smarthost",
                "--config", conf.toString()).redirectErrorStream(true).start();
        String output = new String(reload.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(reload.waitFor(60, TimeUnit.SECONDS) && reload.exitValue() == 0, output);
        assertTrue(output.contains("sent SIGHUP to postseal smarthost"), output);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            List<String> lines = smarthost.log().lines().filter(l -> l.contains(what)).toList();
            if (lines.size() >= n) {
                return lines.get(n - 1);
            }
            assertTrue(System.nanoTime() < deadline, "no '" + what + "' line:\n" + smarthost.log());
            Thread.sleep(50);
        }
    }

    private static DeliveredMessage send(SmarthostProcess smarthost, SmtpSink sink, String subject)
            throws Exception {
        byte[] message = ("From: www@example.org\nTo: someone@example.net\nSubject: " + subject + "\n\nHello.\n")
                .getBytes(StandardCharsets.US_ASCII);
        SmarthostProcess.ClientRun run = SmarthostProcess.sendmail(smarthost.socket(), message, "-t", "-i");
        assertEquals(0, run.exitCode(), run.stderr());
        Optional<List<DeliveredMessage>> taken = sink.take(1, Duration.ofSeconds(30));
        assertTrue(taken.isPresent(), "nothing relayed:\n" + smarthost.log());
        List<DeliveredMessage> delivered = taken.get();
        assertEquals(subject, delivered.get(0).headerValue("Subject").strip());
        return delivered.get(0);
    }

    /** The s= of the message's one signature, which dkimpy verifies with the records. */
    private static String selector(DeliveredMessage message, Map<String, String> records) {
        Peers.PeerResult dkimpy = Peers.dkimpyVerify(message.bytes(), records);
        assertTrue(dkimpy.allPassed() && dkimpy.signatures() == 1, dkimpy.output());
        List<String> signatures = message.headerFields("DKIM-Signature");
        assertEquals(1, signatures.size());
        java.util.regex.Matcher s = java.util.regex.Pattern.compile("(?:^|;)\\s*s=([^;\\s]+)")
                .matcher(signatures.get(0).replaceAll("\\s+", " "));
        assertTrue(s.find(), signatures.get(0));
        return s.group(1);
    }
}
