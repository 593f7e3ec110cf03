package org.postseal.smarthost;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postseal.dkim.SigningKey;
import org.postseal.interop.Peers;
import org.postseal.interop.Peers.Peer;
import org.postseal.keys.DkimKeyGenerator;
import org.postseal.keys.KeyRecordText;
import org.postseal.keys.PrivateKeyWriter;
import org.postseal.postfix.DeliveredMessage;
import org.postseal.postfix.DovecotSasl;
import org.postseal.postfix.PostfixInstance;
import org.postseal.postfix.PostfixInstance.Options;
import org.postseal.postfix.PostfixPrograms;
import org.postseal.postfix.TestCertificates;

/**
 * The production-style CiviParoisse setup: one msmtp configuration file with STARTTLS (the server certificate checked
 * against a test CA) and AUTH against Postfix backed by a real Dovecot, plus an implicit-TLS account. The PHP-style
 * pipeline goes through the smarthost with each account; the real {@code msmtp} sends with the very same file, so
 * the file is shown to mean the same thing to both.
 */
class SmarthostTlsAuthIT {
    private static final Duration DELIVERY = Duration.ofSeconds(60);
    private static final String USER = "paroisse";
    private static final String PASSWORD = "s3cret pass";
    private static final Map<String, String> RECORDS = new HashMap<>();

    private static Path work;
    private static DovecotSasl dovecot;
    private static PostfixInstance postfix;
    private static Path msmtprc;
    private static Path keyFile;

    @BeforeAll
    static void start() throws Exception {
        PostfixPrograms.require();
        DovecotSasl.require();
        Peers.require(Peer.DKIMPY);
        Peers.require(Peer.MAIL_DKIM);
        Peers.requireProgram(Path.of("/usr/bin/msmtp"), "msmtp");
        work = Files.createTempDirectory(Path.of("/tmp"), "postseal-smarthost-tls-it");
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxr-xr-x"));
        certificates();
        dovecot = DovecotSasl.start(Map.of(USER, PASSWORD));
        String[] sasl = {"smtpd_sasl_auth_enable=yes", "smtpd_sasl_type=dovecot",
            "smtpd_sasl_path=" + dovecot.saslPath(), "smtpd_sasl_security_options=noanonymous",
            "smtpd_client_restrictions=permit_sasl_authenticated,reject"};
        postfix = PostfixInstance.start(Options.builder()
                .mainCf("smtpd_tls_cert_file = " + work.resolve("server.pem"))
                .mainCf("smtpd_tls_key_file = " + work.resolve("server.key"))
                .mainCf("smtpd_tls_security_level = may")
                .mainCf("smtpd_tls_received_header = yes")
                .smtpd("submission", concat(sasl, "smtpd_tls_security_level=encrypt", "smtpd_tls_auth_only=yes"))
                .smtpd("smtps", concat(sasl, "smtpd_tls_wrappermode=yes", "smtpd_tls_security_level=encrypt"))
                .masterCf("tlsmgr unix - - n 1000? 1 tlsmgr")
                .build());
        SigningKey key = DkimKeyGenerator.rsa(2048);
        keyFile = work.resolve("civi.private");
        Files.createFile(keyFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(keyFile, PrivateKeyWriter.pem(key));
        RECORDS.put(Peers.keyName("civi", "src.test"), KeyRecordText.of(key).value());
        msmtprc = work.resolve("msmtprc");
        Files.createFile(msmtprc, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(msmtprc, String.join("\n",
                "# a parish's msmtp file: STARTTLS on the submission port, the certificate checked, AUTH",
                "defaults",
                "tls on",
                "tls_trust_file " + work.resolve("ca.pem"),
                "tls_certcheck on",
                "auth on",
                "timeout 30",
                "protocol smtp",
                "logfile -",
                "",
                "account paroisse",
                "host 127.0.0.1",
                "port " + postfix.smtpdPort("submission"),
                "tls_starttls on",
                "user " + USER,
                "password \"" + PASSWORD + "\"",
                "from src@src.test",
                "",
                "account smtps : paroisse",
                "port " + postfix.smtpdPort("smtps"),
                "tls_starttls off",
                "",
                "account default : paroisse",
                ""));
    }

    @AfterAll
    static void stop() throws Exception {
        if (postfix != null) {
            postfix.close();
        }
        if (dovecot != null) {
            dovecot.close();
        }
    }

    @Test
    void starttlsAndAuthThroughTheSmarthost() throws Exception {
        DeliveredMessage delivered = throughSmarthost("default", "starttls via smarthost");
        String log = postfix.awaitLog(Pattern.compile("sasl_method=PLAIN, sasl_username=" + USER), DELIVERY);
        assertTrue(log.contains("/submission/smtpd"), log);
        assertTrue(delivered.text().contains("(using TLS"), "Postfix's Received says TLS:\n" + delivered.text());
    }

    @Test
    void implicitTlsAndAuthThroughTheSmarthost() throws Exception {
        DeliveredMessage delivered = throughSmarthost("smtps", "smtps via smarthost");
        assertTrue(delivered.text().contains("(using TLS"), delivered.text());
        assertTrue(postfix.log().contains("/smtps/smtpd"), postfix.log());
    }

    @Test
    void msmtpSendsWithTheSameFile() throws Exception {
        for (String account : List.of("default", "smtps")) {
            String subject = "msmtp " + account;
            byte[] message = ("To: dst@dst.test\nFrom: \"SRC\" <src@src.test>\nSubject: " + subject
                    + "\n\nsent by msmtp itself\n").getBytes(StandardCharsets.UTF_8);
            Path in = Files.write(work.resolve("msmtp-" + account + ".eml"), message);
            Process msmtp = new ProcessBuilder("msmtp", "-C", msmtprc.toString(), "-a", account, "-t", "-i",
                    "--read-envelope-from").redirectInput(in.toFile()).redirectErrorStream(true).start();
            String output = new String(msmtp.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(msmtp.waitFor(60, TimeUnit.SECONDS), "msmtp did not finish");
            assertEquals(0, msmtp.exitValue(), "msmtp refused the file or failed:\n" + output);
            DeliveredMessage delivered = postfix.awaitDelivered(1, DELIVERY).get(0);
            assertEquals(subject, delivered.headerValue("Subject").strip());
            assertEquals("src@src.test", delivered.sender());
        }
    }

    @Test
    void signingTableChoosesTheKeyByFromDomain() throws Exception {
        SigningKey other = DkimKeyGenerator.ed25519();
        Path otherKey = work.resolve("other.private");
        Files.createFile(otherKey, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(otherKey, PrivateKeyWriter.pem(other));
        RECORDS.put(Peers.keyName("ed", "other.test"), KeyRecordText.of(other).value());
        Path keyTable = Files.writeString(work.resolve("KeyTable"), "civi src.test:civi:" + keyFile + "\n"
                + "other other.test:ed:" + otherKey + "\n");
        Path signingTable = Files.writeString(work.resolve("SigningTable"), "*@src.test civi\n*@other.test other\n");
        Path dir = Files.createTempDirectory(work, "tables");
        try (SmarthostProcess smarthost = new SmarthostProcess(dir.resolve("s.sock"), dir.resolve("log"),
                List.of("--msmtprc", msmtprc.toString(), "--spool", dir.resolve("spool").toString(),
                        "--key-table", keyTable.toString(), "--signing-table", "refile:" + signingTable)).start()) {
            for (String from : List.of("a@src.test", "b@other.test", "c@unsigned.test")) {
                byte[] php = ("To: dst@dst.test\nSubject: tables " + from + "\nFrom: <" + from + ">\n\nhello\n")
                        .getBytes(StandardCharsets.UTF_8);
                SmarthostProcess.ClientRun run = SmarthostProcess.sendmail(smarthost.socket(), php, "-t", "-i");
                assertEquals(0, run.exitCode(), run.stderr() + "\n" + smarthost.log());
                DeliveredMessage delivered = postfix.awaitDelivered(1, DELIVERY).get(0);
                assertEquals(from, delivered.sender());
                List<String> signatures = delivered.headerFields("DKIM-Signature");
                if (from.endsWith("unsigned.test")) {
                    assertTrue(signatures.isEmpty(), "no SigningTable entry: relayed unsigned\n" + delivered.text());
                    assertTrue(smarthost.log().contains("not signed"), smarthost.log());
                    continue;
                }
                assertEquals(1, signatures.size(), delivered.text());
                String domain = from.substring(from.indexOf('@') + 1);
                assertTrue(signatures.get(0).replaceAll("\\s", "").contains("d=" + domain + ";"), signatures.get(0));
                Peers.PeerResult dkimpy = Peers.dkimpyVerify(delivered.bytes(), RECORDS);
                assertTrue(dkimpy.allPassed(), dkimpy.output() + "\n" + delivered.text());
            }
        }
    }

    @Test
    void directModeSignsAndRelaysWithoutASmarthost() throws Exception {
        Path conf = Files.writeString(work.resolve("direct.conf"), String.join("\n",
                "postseal.smarthost {",
                "  msmtprc = \"" + msmtprc + "\"",
                "  domain = src.test",
                "  selector = civi",
                "  key = \"" + keyFile + "\"",
                "}", ""));
        byte[] php = "To: dst@dst.test\nSubject: direct\nFrom: <src@src.test>\n\nno daemon\n"
                .getBytes(StandardCharsets.UTF_8);
        SmarthostProcess.ClientRun run = SmarthostProcess.sendmail(work.resolve("no-such.sock"), php, "-t", "-i",
                "--direct", "-C", conf.toString());
        assertEquals(0, run.exitCode(), run.stderr());
        DeliveredMessage delivered = postfix.awaitDelivered(1, DELIVERY).get(0);
        assertEquals("direct", delivered.headerValue("Subject").strip());
        Peers.PeerResult mailDkim = Peers.mailDkimVerify(delivered.bytes(), RECORDS);
        assertTrue(mailDkim.allPassed(), mailDkim.output() + "\n" + delivered.text());

        SmarthostProcess.ClientRun noSmarthost = SmarthostProcess.sendmail(work.resolve("no-such.sock"), php, "-t",
                "-i");
        assertEquals(75, noSmarthost.exitCode(), "no smarthost: EX_TEMPFAIL, never a silent 0");
        assertTrue(noSmarthost.stderr().contains("cannot reach the smarthost"), noSmarthost.stderr());
    }

    private DeliveredMessage throughSmarthost(String account, String subject) throws Exception {
        Path dir = Files.createTempDirectory(work, account);
        try (SmarthostProcess smarthost = new SmarthostProcess(dir.resolve("s.sock"), dir.resolve("log"),
                List.of("--msmtprc", msmtprc.toString(), "--account", account, "--spool",
                        dir.resolve("spool").toString(), "--domain", "src.test", "--selector", "civi", "--key",
                        keyFile.toString())).start()) {
            byte[] php = ("To: dst@dst.test\nSubject: " + subject + "\nFrom: \"SRC\" <src@src.test>\n\nmessage\n")
                    .getBytes(StandardCharsets.UTF_8);
            SmarthostProcess.ClientRun run = SmarthostProcess.sendmail(smarthost.socket(), php, "-t", "-i");
            assertEquals(0, run.exitCode(), run.stderr() + "\n" + smarthost.log());
            assertTrue(smarthost.log().contains(" relayed: ") || smarthost.log().contains("relayed to"),
                    smarthost.log());
            DeliveredMessage delivered = postfix.awaitDelivered(1, DELIVERY).get(0);
            assertEquals(subject, delivered.headerValue("Subject").strip());
            Peers.PeerResult dkimpy = Peers.dkimpyVerify(delivered.bytes(), RECORDS);
            assertTrue(dkimpy.allPassed(), dkimpy.output() + "\n" + delivered.text());
            Peers.PeerResult mailDkim = Peers.mailDkimVerify(delivered.bytes(), RECORDS);
            assertTrue(mailDkim.allPassed(), mailDkim.output() + "\n" + delivered.text());
            return delivered;
        }
    }

    private static String[] concat(String[] first, String... more) {
        String[] all = new String[first.length + more.length];
        System.arraycopy(first, 0, all, 0, first.length);
        System.arraycopy(more, 0, all, first.length, more.length);
        return all;
    }

    private static void certificates() throws Exception {
        TestCertificates.ca(work, "ca", "postseal smarthost test CA");
        TestCertificates.server(work, "server", "localhost", "DNS:localhost, IP:127.0.0.1");
        for (String file : List.of("ca.pem", "server.pem")) {
            Files.setPosixFilePermissions(work.resolve(file), PosixFilePermissions.fromString("rw-r--r--"));
        }
    }
}
