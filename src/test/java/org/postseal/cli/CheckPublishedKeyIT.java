package org.postseal.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.postseal.dns.PowerDns;
import org.postseal.transport.ExitStatus;

/**
 * {@code postseal testkey} against records published in a real DNS server (PowerDNS on a loopback port): a key made
 * by {@code postseal genkey} (RSA, Ed25519) or by {@code opendkim-genkey} passes; each way the published record can
 * be wrong has its own exit code and one line saying what to fix. Also {@code postseal verify}'s exit code when DNS
 * does not answer.
 */
class CheckPublishedKeyIT {
    private static final String DOMAIN = "example.com";

    @TempDir
    static Path dir;
    static PowerDns dns;

    @BeforeAll
    static void publish() throws Exception {
        dns = PowerDns.start(dir);
        KeyFiles.genkey(dir, DOMAIN, "rsa");
        KeyFiles.genkey(dir, DOMAIN, "other");
        KeyFiles.genkey(dir, DOMAIN, "ed", "-a", "ed25519");
        dns.publish("rsa._domainkey." + DOMAIN, dir.resolve("rsa.txt"));
        dns.publish("ed._domainkey." + DOMAIN, dir.resolve("ed.txt"));
        // "mismatch" publishes the record of "other" and is tested with the key of "rsa"
        dns.publish("mismatch._domainkey." + DOMAIN, dir.resolve("other.txt"));
        dns.addTxt("garbled._domainkey." + DOMAIN, "v=spf1 -all");
        dns.addTxt("badkey._domainkey." + DOMAIN, "v=DKIM1; k=rsa; p=AAAAB3NzaC1yc2E");
        dns.addTxt("short._domainkey." + DOMAIN, "v=DKIM1; k=rsa; p=" + rsa512PublicKey());
        Files.copy(CheckPublishedKeyIT.class.getResourceAsStream("/keys/rsa512-pkcs1.pem"), dir.resolve("short.private"));
    }

    @AfterAll
    static void stopDns() {
        if (dns != null) {
            dns.close();
        }
    }

    @Test
    void aPublishedRsaKeyMatches() throws Exception {
        PostsealProcess.Outcome ok = testkey("--domain", DOMAIN, "--selector", "rsa", "--key", key("rsa"));
        assertEquals(ExitStatus.OK, ok.exitCode(), ok.stderr());
        assertEquals("key OK: rsa._domainkey.example.com publishes the public key of " + key("rsa")
                + " (rsa, 2048 bits)\n", ok.out());
    }

    @Test
    void aPublishedEd25519KeyMatches() throws Exception {
        PostsealProcess.Outcome ok = testkey("--domain", DOMAIN, "--selector", "ed", "--key", key("ed"));
        assertEquals(ExitStatus.OK, ok.exitCode(), ok.stderr());
        assertTrue(ok.out().endsWith("(ed25519)\n"), ok.out());
    }

    @Test
    void anOpenDkimGenkeyKeyMatchesWithOpenDkimsSpelling() throws Exception {
        KeyFiles.opendkimGenkey(dir, DOMAIN, "odk");
        dns.publish("odk._domainkey." + DOMAIN, dir.resolve("odk.txt"));
        PostsealProcess.Outcome ok = testkey("-d", DOMAIN, "-s", "odk", "-k", key("odk"), "-v");
        assertEquals(ExitStatus.OK, ok.exitCode(), ok.stderr());
        assertTrue(ok.stderr().startsWith("odk._domainkey.example.com: \"v=DKIM1; h=sha256; k=rsa; p=MII"),
                "-v shows the record: " + ok.stderr());
    }

    /** Each way the published record can be wrong: its exit code, what the line says and what it says to do. */
    @ParameterizedTest(name = "{0}: exit {2}")
    @CsvSource(delimiter = '|', value = {
        "absent   | rsa   | 68 | no key record at absent._domainkey.example.com           | publish",
        "garbled  | rsa   | 76 | garbled._domainkey.example.com is not a DKIM key record  | publish",
        "badkey   | rsa   | 76 | p= is not a usable rsa key                               | publish",
        "mismatch | rsa   | 1  | mismatch._domainkey.example.com publishes another key    | publish",
        "ed       | rsa   | 1  | publishes a k=ed25519 key but                            | publish",
        "short    | short | 2  | publishes an RSA key of 512 bits                         | postseal genkey"})
    void eachProblemHasItsExitCodeAndOneLineSayingWhatToFix(String selector, String keyName, int exitCode,
            String says, String advice) throws Exception {
        assertOneLine(testkey("-d", DOMAIN, "-s", selector, "-k", key(keyName)), exitCode, says, advice);
    }

    @Test
    void theExitCodesAreTheDocumentedOnes() {
        assertEquals(List.of(0, 1, 2, 68, 75, 76), List.of(ExitStatus.OK, ExitStatus.NOT_VERIFIED,
                ExitStatus.KEY_TOO_SHORT, ExitStatus.NO_HOST, ExitStatus.TEMP_FAIL, ExitStatus.PROTOCOL));
    }

    @Test
    void dnsDownIsATemporaryFailureForTestkeyAndVerify() throws Exception {
        String closed = closedPort();
        PostsealProcess.Outcome failed = PostsealProcess.run(new byte[0], "testkey", "-d", DOMAIN, "-s", "rsa",
                "-k", key("rsa"), "--nameserver", closed, "--dns-timeout", "2");
        assertOneLine(failed, ExitStatus.TEMP_FAIL, "DNS did not answer for rsa._domainkey.example.com", "try again");

        PostsealProcess.Outcome signed = PostsealProcess.run(("From: joe@example.com\r\nTo: suzie@example.net\r\n"
                + "Subject: hi\r\n\r\nHi.\r\n").getBytes(StandardCharsets.US_ASCII), "sign", "-d", DOMAIN,
                "-s", "rsa", "-k", key("rsa"));
        PostsealProcess.Outcome verified = PostsealProcess.run(signed.stdout(), "verify", "--nameserver", closed,
                "--dns-timeout", "2");
        assertEquals(ExitStatus.TEMP_FAIL, verified.exitCode(), verified.out() + verified.stderr());
        assertTrue(verified.out().startsWith("dkim=temperror (key lookup failed temporarily: DNS lookup of"
                + " rsa._domainkey.example.com. failed: no DNS server at the address)"), verified.out());
        assertEquals("", verified.stderr(), "no stack trace, no log noise");
    }

    private static void assertOneLine(PostsealProcess.Outcome outcome, int exitCode, String says, String advice) {
        assertEquals(exitCode, outcome.exitCode(), outcome.out() + outcome.stderr());
        assertEquals("", outcome.out());
        assertTrue(outcome.stderr().startsWith("postseal testkey: "), outcome.stderr());
        assertEquals(1, outcome.stderr().lines().count(), "one line: " + outcome.stderr());
        assertTrue(outcome.stderr().contains(says), outcome.stderr());
        assertTrue(outcome.stderr().contains(advice), "says what to fix: " + outcome.stderr());
    }

    private static PostsealProcess.Outcome testkey(String... args) throws Exception {
        String[] all = new String[args.length + 3];
        all[0] = "testkey";
        System.arraycopy(args, 0, all, 1, args.length);
        all[args.length + 1] = "--nameserver";
        all[args.length + 2] = dns.nameServer().toString();
        return PostsealProcess.run(new byte[0], all);
    }

    private static String rsa512PublicKey() throws Exception {
        try (PEMParser pem = new PEMParser(new InputStreamReader(
                CheckPublishedKeyIT.class.getResourceAsStream("/keys/rsa512-pkcs1.pem"), StandardCharsets.US_ASCII))) {
            return Base64.getEncoder().encodeToString(((PEMKeyPair) pem.readObject()).getPublicKeyInfo()
                    .getEncoded());
        }
    }

    private static String closedPort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return "127.0.0.1:" + socket.getLocalPort();
        }
    }

    private static String key(String selector) {
        return dir.resolve(selector + ".private").toString();
    }
}
