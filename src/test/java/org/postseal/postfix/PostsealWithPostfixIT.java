package org.postseal.postfix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.postseal.dkim.SigningKey;
import org.postseal.interop.Peers;
import org.postseal.interop.Peers.Peer;
import org.postseal.keys.DkimKeyGenerator;
import org.postseal.keys.KeyRecordText;
import org.postseal.keys.PrivateKeyWriter;
import org.postseal.postfix.PostfixInstance.MilterDefaultAction;
import org.postseal.postfix.PostfixInstance.Options;

/**
 * postseal behind a real Postfix from Debian, as an administrator moving from OpenDKIM runs it: one opendkim.conf
 * with a KeyTable, a refile: SigningTable and InternalHosts, read by {@code postseal milter --opendkim-conf}; mail
 * submitted over SMTP and with Postfix's sendmail, at every milter_protocol Postfix speaks, judged at the sink by
 * dkimpy and Mail::DKIM. Then the same Postfix, the same files and the same messages with OpenDKIM itself, whose
 * signatures must name the same domains, selectors and header fields.
 */
class PostsealWithPostfixIT {
    private static final Duration DELIVERY = Duration.ofSeconds(60);
    private static final List<String> RCPT = List.of("bob@example.net");

    @TempDir
    static Path work;
    static Path conf;
    static final Map<String, String> RECORDS = new LinkedHashMap<>();
    static Process postseal;
    static int postsealPort;

    @BeforeAll
    static void start() throws Exception {
        PostfixPrograms.require();
        Peers.require(Peer.DKIMPY);
        Peers.require(Peer.MAIL_DKIM);
        Path keys = Files.createDirectories(work.resolve("keys"));
        StringBuilder keyTable = new StringBuilder();
        key(keys, keyTable, "rsa-com", "example.com", "rsa", DkimKeyGenerator.rsa(2048));
        key(keys, keyTable, "ed-com", "example.com", "ed", DkimKeyGenerator.ed25519());
        key(keys, keyTable, "org", "example.org", "org", DkimKeyGenerator.rsa(2048));
        key(keys, keyTable, "lists", "lists.example.org", "lists", DkimKeyGenerator.rsa(2048));
        Files.writeString(work.resolve("KeyTable"), keyTable);
        // refile: patterns, first match in file order; MultipleSignatures makes example.com signed twice
        Files.writeString(work.resolve("SigningTable"), String.join("\n",
                "*@example.com rsa-com",
                "*@EXAMPLE.com ed-com",
                "*@*.example.org lists",
                "*@example.org org") + "\n");
        Files.writeString(work.resolve("InternalHosts"), "127.0.0.1\n::1\n");
        // OpenDKIM applies one SignatureAlgorithm to every key, so it cannot sign with RSA and Ed25519 at once:
        // the comparison with it uses the same tables without the Ed25519 entry
        Files.writeString(work.resolve("SigningTable.rsa"), Files.readString(work.resolve("SigningTable"))
                .replace("*@EXAMPLE.com ed-com\n", ""));
        postsealPort = PostfixInstance.freePort();
        conf = openDkimConf("postseal.conf", postsealPort, "SigningTable");
        postseal = startPostseal();
    }

    @AfterAll
    static void stop() throws Exception {
        if (postseal != null) {
            postseal.destroy();
            postseal.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @ParameterizedTest(name = "milter_protocol = {0}")
    @ValueSource(ints = {2, 3, 4, 6})
    void trustedSmtpAndSendmailAreSignedUntrustedAndUnlistedAreNot(int protocol) throws Exception {
        try (PostfixInstance postfix = PostfixInstance.start(options(postsealPort, protocol))) {
            postfix.sendSmtp("joe@example.org", RCPT, message("joe@example.org", "trusted smtp"), "127.0.0.1");
            postfix.sendmail(lf(message("joe@example.org", "sendmail")), "-t", "-i", "-f", "joe@example.org");
            postfix.sendSmtp("joe@example.org", RCPT, message("joe@example.org", "untrusted smtp"), "127.0.0.2");
            postfix.sendSmtp("joe@example.net", RCPT, message("joe@example.net", "no signing table entry"),
                    "127.0.0.1");
            Map<String, DeliveredMessage> delivered = bySubject(postfix.awaitDelivered(4, DELIVERY));

            for (String subject : List.of("trusted smtp", "sendmail")) {
                DeliveredMessage message = delivered.get(subject);
                List<String> signatures = message.headerFields("DKIM-Signature");
                assertEquals(1, signatures.size(), subject + ":\n" + message.text());
                assertEquals("example.org", tag(signatures.get(0), "d"));
                assertEquals("org", tag(signatures.get(0), "s"));
                assertTrue(message.text().startsWith("DKIM-Signature:"), "inserted at the very top:\n"
                        + message.text());
                assertVerifiesEverywhere(message, 1);
            }
            assertEquals(List.of(), delivered.get("untrusted smtp").headerFields("DKIM-Signature"));
            assertEquals(List.of(), delivered.get("no signing table entry").headerFields("DKIM-Signature"));
        }
    }

    @Test
    void postfixReachesPostsealOnAUnixSocketOwnedByGroupPostfix() throws Exception {
        Path socketDirectory = Files.createTempDirectory(Path.of("/tmp"), "postseal-sock");
        Files.setPosixFilePermissions(socketDirectory, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path socket = socketDirectory.resolve("postseal.sock");
        Path unixConf = Files.writeString(work.resolve("unix.conf"), Files.readString(conf)
                .replaceAll("Socket inet:\\d+@127.0.0.1", "Socket local:" + socket)
                .replace("UMask 077", "UMask 007") + "UserID root:postfix\n");
        Path log = work.resolve("postseal-unix.log");
        Process milter = postsealMilter(unixConf, log);
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!Files.exists(socket) && System.nanoTime() < deadline) {
                assertTrue(milter.isAlive(), Files.readString(log));
                Thread.sleep(100);
            }
            Thread.sleep(300);
            assertEquals("rwxrwx---", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
            assertEquals("postfix", Files.readAttributes(socket, java.nio.file.attribute.PosixFileAttributes.class)
                    .group().getName());
            Options options = Options.builder().milter("unix:" + socket).milterProtocol(6)
                    .milterDefaultAction(MilterDefaultAction.TEMPFAIL).build();
            try (PostfixInstance postfix = PostfixInstance.start(options)) {
                postfix.sendSmtp("joe@example.org", RCPT, message("joe@example.org", "over a unix socket"),
                        "127.0.0.1");
                assertVerifiesEverywhere(postfix.awaitDelivered(1, DELIVERY).get(0), 1);
            }
        } finally {
            milter.destroy();
            milter.waitFor(10, TimeUnit.SECONDS);
            Files.deleteIfExists(socket);
            Files.deleteIfExists(socketDirectory);
        }
    }

    @Test
    void refileWildcardsPickTheKeyOfEachDomain() throws Exception {
        try (PostfixInstance postfix = PostfixInstance.start(options(postsealPort, 6))) {
            postfix.sendSmtp("ann@lists.example.org", RCPT, message("ann@lists.example.org", "lists"), "127.0.0.1");
            postfix.sendSmtp("joe@example.org", RCPT, message("Joe <JOE@Example.ORG>", "org"), "127.0.0.1");
            Map<String, DeliveredMessage> delivered = bySubject(postfix.awaitDelivered(2, DELIVERY));
            String lists = delivered.get("lists").headerFields("DKIM-Signature").get(0);
            assertEquals("lists.example.org", tag(lists, "d"));
            assertEquals("lists", tag(lists, "s"));
            String org = delivered.get("org").headerFields("DKIM-Signature").get(0);
            assertEquals("example.org", tag(org, "d"));
            assertEquals("org", tag(org, "s"));
            assertVerifiesEverywhere(delivered.get("lists"), 1);
            assertVerifiesEverywhere(delivered.get("org"), 1);
        }
    }

    @Test
    void rsaAndEd25519TogetherVerifyInDkimpyAndTheRsaOneInMailDkim() throws Exception {
        try (PostfixInstance postfix = PostfixInstance.start(options(postsealPort, 6))) {
            postfix.sendSmtp("joe@example.com", RCPT, message("joe@example.com", "dual"), "127.0.0.1");
            DeliveredMessage message = postfix.awaitDelivered(1, DELIVERY).get(0);
            List<String> signatures = message.headerFields("DKIM-Signature");
            assertEquals(2, signatures.size(), message.text());
            assertEquals("rsa-sha256", tag(signatures.get(0), "a"), "the first SigningTable match is on top");
            assertEquals("ed25519-sha256", tag(signatures.get(1), "a"));
            Peers.PeerResult dkimpy = Peers.dkimpyVerify(message.bytes(), RECORDS);
            assertEquals(2, dkimpy.signatures(), dkimpy.output());
            assertTrue(dkimpy.allPassed(), dkimpy.output());
            Peers.PeerResult mailDkim = Peers.mailDkimVerify(message.bytes(), RECORDS);
            assertEquals(List.of("pass", "unsupported"), mailDkim.verdicts(), mailDkim.output());
        }
    }

    @Test
    void anAuthenticatedClientIsSignedFromAnywhere() throws Exception {
        Options options = Options.builder().milter("inet:127.0.0.1:" + postsealPort).milterProtocol(6)
                .milterDefaultAction(MilterDefaultAction.TEMPFAIL)
                .saslUser("alice", "secret").build();
        try (PostfixInstance postfix = PostfixInstance.start(options)) {
            postfix.sendAuthenticated("alice", "secret", "joe@example.org", RCPT,
                    message("joe@example.org", "authenticated"), "127.0.0.2");
            DeliveredMessage message = postfix.awaitDelivered(1, DELIVERY).get(0);
            assertVerifiesEverywhere(message, 1);
        }
    }

    @Test
    void openDkimOnTheSameFilesSignsWithTheSameDomainsSelectorsAndHeaderLists() throws Exception {
        Peers.require(Peer.OPENDKIM);
        List<String[]> cases = List.of(
                new String[] {"joe@example.org", "joe@example.org", "org smtp"},
                new String[] {"ann@lists.example.org", "Ann <ann@lists.example.org>", "lists smtp"},
                new String[] {"joe@example.com", "Joe <joe@example.com>", "com smtp"});
        int comparedPort = PostfixInstance.freePort();
        Path comparedConf = openDkimConf("compared.conf", comparedPort, "SigningTable.rsa");
        Process compared = postsealMilter(comparedConf, work.resolve("compared.log"));
        Map<String, List<String>> postsealSignatures;
        try {
            awaitListening(compared, comparedPort, work.resolve("compared.log"));
            postsealSignatures = signaturesFrom(comparedPort, cases);
        } finally {
            compared.destroy();
            compared.waitFor(10, TimeUnit.SECONDS);
        }
        int openDkimPort = PostfixInstance.freePort();
        Path openDkimConf = openDkimConf("opendkim.conf", openDkimPort, "SigningTable.rsa");
        Process openDkim = new ProcessBuilder("/usr/sbin/opendkim", "-f", "-x", openDkimConf.toString())
                .redirectInput(new File("/dev/null")).redirectErrorStream(true)
                .redirectOutput(work.resolve("opendkim.log").toFile()).start();
        Map<String, List<String>> openDkimSignatures;
        try {
            awaitListening(openDkim, openDkimPort, work.resolve("opendkim.log"));
            openDkimSignatures = signaturesFrom(openDkimPort, cases);
        } finally {
            openDkim.destroy();
            openDkim.waitFor(10, TimeUnit.SECONDS);
        }
        for (String[] c : cases) {
            List<String> ours = postsealSignatures.get(c[2]);
            List<String> theirs = openDkimSignatures.get(c[2]);
            assertEquals(theirs.size(), ours.size(), c[2] + ": OpenDKIM " + theirs + "\npostseal " + ours);
            for (int i = 0; i < ours.size(); i++) {
                for (String tag : List.of("d", "s", "h", "c", "a")) {
                    assertEquals(tag(theirs.get(i), tag), tag(ours.get(i), tag), c[2] + " signature " + i + " " + tag
                            + "=\nOpenDKIM: " + theirs.get(i) + "\npostseal: " + ours.get(i));
                }
            }
        }
    }

    // --- helpers -------------------------------------------------------------------------------------------

    private static Map<String, List<String>> signaturesFrom(int milterPort, List<String[]> cases) throws Exception {
        Map<String, List<String>> out = new LinkedHashMap<>();
        try (PostfixInstance postfix = PostfixInstance.start(options(milterPort, 6))) {
            for (String[] c : cases) {
                postfix.sendSmtp(c[0], RCPT, message(c[1], c[2]), "127.0.0.1");
            }
            postfix.sendmail(lf(message("joe@example.org", "org sendmail")), "-t", "-i", "-f", "joe@example.org");
            for (DeliveredMessage message : postfix.awaitDelivered(cases.size() + 1, DELIVERY)) {
                out.put(message.headerValue("Subject"), message.headerFields("DKIM-Signature"));
            }
        }
        return out;
    }

    private static Options options(int milterPort, int protocol) {
        return Options.builder().milter("inet:127.0.0.1:" + milterPort).milterProtocol(protocol)
                .milterDefaultAction(MilterDefaultAction.TEMPFAIL).build();
    }

    private static void key(Path keys, StringBuilder keyTable, String name, String domain, String selector,
            SigningKey key) throws IOException {
        Path file = keys.resolve(name + ".private");
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, PrivateKeyWriter.pem(key));
        keyTable.append(name).append(' ').append(domain).append(':').append(selector).append(':').append(file)
                .append('\n');
        RECORDS.put(Peers.keyName(selector, domain), KeyRecordText.of(key).value());
    }

    private static Path openDkimConf(String name, int port, String signingTable) throws IOException {
        return Files.writeString(work.resolve(name), String.join("\n",
                "Mode s",
                "Socket inet:" + port + "@127.0.0.1",
                "KeyTable " + work.resolve("KeyTable"),
                "SigningTable refile:" + work.resolve(signingTable),
                "InternalHosts " + work.resolve("InternalHosts"),
                "MultipleSignatures yes",
                "Canonicalization relaxed/simple",
                "OversignHeaders From",
                // the keys live under /tmp, which anyone may write: OpenDKIM's RequireSafeKeys checks the parent
                // directories too and would refuse them (postseal checks the key file's own mode)
                "RequireSafeKeys false",
                "Syslog no",
                "TemporaryDirectory " + work,
                "UMask 077") + "\n");
    }

    private static Process startPostseal() throws Exception {
        Path log = work.resolve("postseal.log");
        Process process = postsealMilter(conf, log);
        awaitListening(process, postsealPort, log);
        return process;
    }

    /** Starts {@code postseal milter --opendkim-conf conf} from the packaged jar, its output going to {@code log}. */
    private static Process postsealMilter(Path openDkimConf, Path log) throws IOException {
        return new ProcessBuilder("java", "-jar",
                Path.of(System.getProperty("postseal.jar", "target/postseal.jar")).toString(),
                "milter", "--opendkim-conf", openDkimConf.toString())
                .redirectInput(new File("/dev/null")).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private static void awaitListening(Process process, int port, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError("milter exited:\n" + Files.readString(log));
            }
            try (Socket s = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException e) {
                Thread.sleep(100);
            }
        }
        throw new AssertionError("milter did not listen on " + port + ":\n" + Files.readString(log));
    }

    private static void assertVerifiesEverywhere(DeliveredMessage message, int signatures) {
        Peers.PeerResult dkimpy = Peers.dkimpyVerify(message.bytes(), RECORDS);
        assertEquals(signatures, dkimpy.signatures(), dkimpy.output());
        assertTrue(dkimpy.allPassed(), "dkimpy:\n" + dkimpy.output() + "\n" + message.text());
        Peers.PeerResult mailDkim = Peers.mailDkimVerify(message.bytes(), RECORDS);
        assertTrue(mailDkim.allPassed(), "Mail::DKIM:\n" + mailDkim.output() + "\n" + message.text());
    }

    private static String tag(String signatureField, String tag) {
        String value = signatureField.substring(signatureField.indexOf(':') + 1).replaceAll("\\s+", "");
        Matcher m = Pattern.compile("(?:^|;)" + tag + "=([^;]*)").matcher(value);
        return m.find() ? m.group(1) : "";
    }

    private static byte[] message(String from, String subject) {
        return ("From: " + from + "\r\nTo: Bob <bob@example.net>\r\nSubject: " + subject + "\r\n"
                + "Date: Sun, 22 Nov 2026 10:00:00 +0100\r\nMessage-ID: <" + subject.replace(' ', '.')
                + "@example.test>\r\n\r\nHello Bob,\r\n\r\nthis is " + subject + ".\r\n")
                .getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] lf(byte[] crlf) {
        return new String(crlf, StandardCharsets.UTF_8).replace("\r\n", "\n").getBytes(StandardCharsets.UTF_8);
    }

    private static Map<String, DeliveredMessage> bySubject(List<DeliveredMessage> messages) {
        Map<String, DeliveredMessage> out = new LinkedHashMap<>();
        for (DeliveredMessage m : messages) {
            out.put(m.headerValue("Subject"), m);
        }
        return out;
    }
}
