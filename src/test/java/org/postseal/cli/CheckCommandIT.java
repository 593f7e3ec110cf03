package org.postseal.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postseal.interop.Peers;
import org.postseal.transport.ExitStatus;

/**
 * {@code postseal check} as an administrator runs it (the packaged jar, as a process), on an opendkim.conf with a
 * refile: SigningTable and keys from {@code postseal genkey}, and on the configuration of seed 003's tutorial, whose
 * every problem it must explain in words.
 */
class CheckCommandIT {
    private static final Path OPENDKIM_GENKEY = Path.of("/usr/sbin/opendkim-genkey");

    @TempDir
    static Path dir;

    private static Path conf;

    @BeforeAll
    static void configuration() throws Exception {
        KeyFiles.genkey(dir.resolve("keys"), "example.com", "mail");
        KeyFiles.genkey(dir.resolve("keys"), "example.org", "ed", "--algorithm", "ed25519");
        conf = openDkimConf("site", "mail._domainkey.example.com example.com:mail:" + dir.resolve("keys/mail.private")
                + "\n# the Ed25519 key\ned._domainkey.example.org example.org:ed:" + dir.resolve("keys/ed.private")
                + "\n", "*@example.com mail._domainkey.example.com\n*@example.org ed._domainkey.example.org\n");
    }

    /** The seed's layout: KeyTable, a refile: SigningTable, InternalHosts with the loopback addresses. */
    private static Path openDkimConf(String name, String keyTable, String signingTable) throws IOException {
        Path d = Files.createDirectories(dir.resolve(name));
        Files.writeString(d.resolve("KeyTable"), keyTable);
        Files.writeString(d.resolve("SigningTable"), signingTable);
        Files.writeString(d.resolve("InternalHosts"), "127.0.0.1\n::1\n192.168.0.0/16\n");
        Path file = d.resolve("opendkim.conf");
        Files.writeString(file, "Canonicalization relaxed/simple\nKeyTable " + d.resolve("KeyTable")
                + "\nSigningTable refile:" + d.resolve("SigningTable") + "\nInternalHosts " + d.resolve("InternalHosts")
                + "\nSocket inet:8891@127.0.0.1\n");
        return file;
    }

    private static PostsealProcess.Outcome check(Path file, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("check", "--opendkim-conf", file.toString()));
        command.addAll(List.of(args));
        PostsealProcess.Outcome outcome = PostsealProcess.run(new byte[0], command.toArray(String[]::new));
        assertFalse(outcome.stderr().contains("\tat ") || outcome.out().contains("\tat "),
                "no stack trace:\n" + outcome.out() + outcome.stderr());
        return outcome;
    }

    private static String result(PostsealProcess.Outcome outcome) {
        return outcome.out().lines().filter(l -> l.strip().startsWith("Result: ")).findFirst()
                .map(String::strip).orElseThrow(() -> new AssertionError("no Result line:\n" + outcome.out()));
    }

    private static void assertSays(PostsealProcess.Outcome outcome, String text) {
        assertTrue(outcome.out().contains(text), "expected \"" + text + "\" in:\n" + outcome.out());
    }

    @Test
    void aSignedMessageNamesTheKeyAndTheTableLinesThatDecided() throws Exception {
        PostsealProcess.Outcome outcome = check(conf, "--from", "Ann <ann@example.org>", "--client",
                "192.168.1.20/ws1.example.org");
        assertEquals(ExitStatus.OK, outcome.exitCode(), outcome.out() + outcome.stderr());
        assertSays(outcome, "client ws1.example.org [192.168.1.20] is in InternalHosts (entry '192.168.0.0/16'");
        assertSays(outcome, "SigningTable " + dir.resolve("site/SigningTable") + ":2 '*@example.org"
                + " ed._domainkey.example.org' matches ann@example.org (refile: pattern)");
        assertSays(outcome, "KeyTable " + dir.resolve("site/KeyTable") + ":3 'ed._domainkey.example.org example.org:ed:"
                + dir.resolve("keys/ed.private") + "' gives d=example.org s=ed");
        assertEquals("Result: signed: d=example.org s=ed a=ed25519-sha256 (Ed25519 key); not verified (postseal"
                + " does not verify what it signs)", result(outcome));
        assertEquals("", outcome.stderr());
    }

    @Test
    void withoutFromEveryDomainIsListedWithItsKey() throws Exception {
        PostsealProcess.Outcome outcome = check(conf);
        assertEquals(ExitStatus.OK, outcome.exitCode(), outcome.out() + outcome.stderr());
        assertSays(outcome, "Valid: postseal milter would start with this configuration (2 key(s) read and"
                + " test-signed).");
        assertSays(outcome, "  example.com: s=mail, rsa-sha256 with a 2048-bit RSA key, key "
                + dir.resolve("keys/mail.private") + ", for From addresses matching *@example.com");
        assertSays(outcome, "  example.org: s=ed, ed25519-sha256 with an Ed25519 key");
        assertSays(outcome, "DNS: " + dir.resolve("keys/mail.txt") + " holds the key's public half, the record to"
                + " publish at mail._domainkey.example.com");
        assertSays(outcome, "Postfix's main.cf: smtpd_milters = inet:127.0.0.1:8891");
        assertSays(outcome, "Mode sv: signs mail from internal and authenticated clients, verifies the rest");
    }

    @Test
    void anUntrustedClientIsNotSignedAndItsMailIsVerified() throws Exception {
        PostsealProcess.Outcome outcome = check(conf, "--from", "joe@example.com", "--client", "203.0.113.7");
        assertEquals(ExitStatus.OK, outcome.exitCode(), "a valid configuration, whatever the answer");
        assertSays(outcome, "not signed: client 203.0.113.7 is not in InternalHosts (127.0.0.1, ::1, 192.168.0.0/16:"
                + " file:" + dir.resolve("site/InternalHosts"));
        assertSays(outcome, "and did not authenticate");
        assertEquals("Result: not signed; verified: its DKIM signatures are checked and an Authentication-Results"
                + " field is added (Mode v)", result(outcome));
    }

    @Test
    void anAuthenticatedClientIsSigned() throws Exception {
        PostsealProcess.Outcome outcome = check(conf, "--from", "joe@example.com", "--client", "203.0.113.7",
                "--auth", "joe");
        assertEquals(ExitStatus.OK, outcome.exitCode());
        assertSays(outcome, "client 203.0.113.7 authenticated (SMTP AUTH as joe), so its mail may be signed");
        assertTrue(result(outcome).startsWith("Result: signed: d=example.com s=mail a=rsa-sha256 (2048-bit RSA key)"),
                result(outcome));
    }

    @Test
    void aFromWithoutASigningTableEntryIsNotSigned() throws Exception {
        PostsealProcess.Outcome outcome = check(conf, "--from", "joe@example.net");
        assertEquals(ExitStatus.OK, outcome.exitCode());
        assertSays(outcome, "(no --client: as Postfix presents mail from its sendmail command)");
        assertSays(outcome, "client localhost [127.0.0.1] is in InternalHosts (entry '127.0.0.1'");
        assertSays(outcome, "not signed: no pattern of the refile: SigningTable matches joe@example.net (2 lines tried"
                + " in order)");
        assertTrue(result(outcome).startsWith("Result: not signed; verified"), result(outcome));
    }

    @Test
    void aMalformedTableLineExits78WithItsFileAndLine() throws Exception {
        Path bad = openDkimConf("bad", "mail._domainkey.example.com example.com:mail:"
                + dir.resolve("keys/mail.private") + "\nthis line is wrong\nother example.org:ed\n",
                "*@example.com mail._domainkey.example.com\n");
        PostsealProcess.Outcome outcome = check(bad, "--from", "joe@example.com");
        assertEquals(ExitStatus.CONFIG, outcome.exitCode(), outcome.out() + outcome.stderr());
        String keyTable = dir.resolve("bad/KeyTable").toString();
        assertEquals("postseal check: " + keyTable + ":2: expected \"name domain:selector:keypath\"\n"
                + "postseal check: " + keyTable + ":3: expected \"name domain:selector:keypath\"\n", outcome.stderr(),
                "every bad line, one line each");
        assertSays(outcome, "Errors (postseal milter would refuse to start):\n  " + keyTable + ":2:");
        assertSays(outcome, "Not valid: fix the errors above, then run postseal check again.");
        assertFalse(outcome.out().contains("Result:"), "no answer from a configuration the milter would refuse");

        PostsealProcess.Outcome milter = PostsealProcess.run(new byte[0], "milter", "--opendkim-conf", bad.toString());
        assertEquals(ExitStatus.CONFIG, milter.exitCode(), "the milter refuses it too");
        assertTrue(milter.stderr().contains(keyTable + ":2: expected"), milter.stderr());
    }

    @Test
    void strictTurnsWarningsIntoExit1() throws Exception {
        Path unused = openDkimConf("unused", "mail._domainkey.example.com example.com:mail:"
                + dir.resolve("keys/mail.private") + "\nold example.com:old:" + dir.resolve("keys/mail.private") + "\n",
                "*@example.com mail._domainkey.example.com\njoe@example.com old\n");
        PostsealProcess.Outcome lenient = check(unused);
        assertEquals(ExitStatus.OK, lenient.exitCode(), lenient.out());
        assertSays(lenient, dir.resolve("unused/SigningTable") + ":2: 'joe@example.com' never decides: every address it"
                + " matches is matched first by '*@example.com'");
        assertSays(lenient, dir.resolve("unused/KeyTable") + ":2: key 'old' is never used");
        assertEquals(CheckCommand.WARNINGS, check(unused, "--strict").exitCode());
        assertEquals(ExitStatus.OK, check(conf, "--strict", "--run-as", "root").exitCode(), "no warnings: exit 0");
    }

    /**
     * Seed 003's tutorial, file by file as it writes them (Debian's opendkim.conf with its added lines, KeyTable,
     * SigningTable, TrustedHosts; only /etc/opendkim/ moved into a temporary directory), with its key made as it says:
     * {@code mkdir -p /etc/opendkim/keys} then {@code opendkim-genkey -s mail -d example.com -D
     * /etc/opendkim/keys/example.com}. Then mended one problem at a time, as an administrator reading check would.
     */
    @Test
    void theSeedTutorialsConfigurationIsExplainedProblemByProblem() throws Exception {
        Peers.requireProgram(OPENDKIM_GENKEY, "opendkim-tools");
        Path root = Files.createDirectories(dir.resolve("seed"));
        Path etc = Files.createDirectories(root.resolve("etc/opendkim"));
        for (String name : List.of("KeyTable", "SigningTable", "TrustedHosts")) {
            Files.writeString(etc.resolve(name), seedFile(name, etc));
        }
        Path seedConf = Files.writeString(root.resolve("etc/opendkim.conf"), seedFile("opendkim.conf", etc));
        Files.createDirectories(etc.resolve("keys"));
        Path keyDir = etc.resolve("keys/example.com");
        assertTrue(opendkimGenkey(keyDir) != 0, "the tutorial's opendkim-genkey fails: it never made " + keyDir);

        // 1. as written: two errors, and every warning in one run
        PostsealProcess.Outcome first = check(seedConf);
        assertEquals(ExitStatus.CONFIG, first.exitCode(), first.out() + first.stderr());
        String signingTable = etc.resolve("SigningTable").toString();
        assertSays(first, signingTable + ":1: key name 'mail._domainkey.jpistre.fr' is not in the KeyTable (it has"
                + " mail._domainkey.example.com)");
        assertSays(first, "KeyTable entry mail._domainkey.example.com: " + keyDir.resolve("mail.private")
                + ": no such file (the directory " + keyDir + " does not exist)");
        assertTrue(first.stderr().contains("postseal check: " + signingTable + ":1: key name"), first.stderr());
        assertSays(first, seedConf + ":56: TrustedHosts is not an OpenDKIM option (OpenDKIM refuses to start on it);"
                + " postseal reads it as InternalHosts");
        assertSays(first, signingTable + ":1: '@example.com' is never looked up (OpenDKIM looks up user@host, host,"
                + " user@.parent, .parent, user@* and *), so it never matches; write example.com, or use refile: with"
                + " *@example.com");
        assertSays(first, "InternalHosts (file:" + etc.resolve("TrustedHosts") + ", set at " + seedConf + ":56"
                + " (InternalHosts)) does not take in localhost [127.0.0.1], which is how Postfix presents mail from"
                + " this machine");
        Path socketDir = Path.of("/var/spool/postfix/opendkim");
        assertEquals(!Files.isDirectory(socketDir), first.out().contains("Socket"
                + " local:/var/spool/postfix/opendkim/opendkim.sock: the directory " + socketDir + " does not exist"),
                "the socket's directory, which the tutorial never makes:\n" + first.out());
        assertFalse(first.out().contains("never used"), "no warning that only a skipped line would explain");

        // 2. the key made as the tutorial meant: root's (or the test user's), mode 600; OpenDKIM runs as opendkim
        Files.createDirectories(keyDir);
        assertEquals(0, opendkimGenkey(keyDir));
        PostsealProcess.Outcome second = check(seedConf);
        assertEquals(ExitStatus.CONFIG, second.exitCode());
        assertFalse(second.out().contains("no such file"), second.out());
        String owner = Files.getOwner(keyDir.resolve("mail.private")).getName();
        assertSays(second, etc.resolve("KeyTable") + ":1: the milter runs as opendkim (UserID; give --run-as USER if it"
                + " runs as another) and cannot read " + keyDir.resolve("mail.private") + ": it is owned by " + owner);
        assertSays(second, "chown opendkim " + keyDir.resolve("mail.private") + " and keep it mode 600");

        // 3. the typo mended: valid, but nothing can be signed, and local mail would not be anyway
        Files.writeString(etc.resolve("SigningTable"), seedFile("SigningTable", etc).replace("jpistre.fr",
                "example.com"));
        PostsealProcess.Outcome third = check(seedConf, "--run-as", owner);
        assertEquals(ExitStatus.OK, third.exitCode(), third.out() + third.stderr());
        assertSays(third, "no rule can ever match: nothing will be signed");
        assertSays(third, "Signing domains: none");
        assertSays(third, "Rules that never match:\n  " + signingTable + ":1 '@example.com"
                + " mail._domainkey.example.com': '@example.com' is never looked up");
        assertSays(third, "Postfix's main.cf: smtpd_milters = unix:opendkim/opendkim.sock and non_smtpd_milters ="
                + " unix:opendkim/opendkim.sock");
        PostsealProcess.Outcome local = check(seedConf, "--from", "joe@example.com");
        assertSays(local, "not signed: client localhost [127.0.0.1] is not in InternalHosts (mail.example.com: file:"
                + etc.resolve("TrustedHosts"));
        assertTrue(result(local).startsWith("Result: not signed; verified"), result(local));
        PostsealProcess.Outcome submitted = check(seedConf, "--from", "joe@example.com", "--client", "203.0.113.7",
                "--auth", "joe");
        assertSays(submitted, "not signed: no SigningTable line for joe@example.com; the milter looks up, in order:"
                + " joe@example.com, example.com, joe@.com, .com, joe@*, *");
        assertSays(submitted, "SigningTable " + signingTable + ":1 looks meant for joe@example.com, but '@example.com'"
                + " is never looked up");
        PostsealProcess.Outcome byName = check(seedConf, "--from", "joe@example.com", "--client",
                "198.51.100.4/mail.example.com");
        assertSays(byName, "client mail.example.com [198.51.100.4] is in InternalHosts (entry 'mail.example.com'");

        // 4. as check says: "write example.com", and 127.0.0.1 in the list
        Files.writeString(etc.resolve("SigningTable"), "example.com        mail._domainkey.example.com\n");
        Files.writeString(etc.resolve("TrustedHosts"), "127.0.0.1\n::1\nmail.example.com\n");
        PostsealProcess.Outcome fixed = check(seedConf, "--from", "joe@example.com", "--run-as", owner);
        assertEquals(ExitStatus.OK, fixed.exitCode());
        assertSays(fixed, "SigningTable " + signingTable + ":1 'example.com mail._domainkey.example.com' matches"
                + " joe@example.com (looked up as 'example.com')");
        assertSays(fixed, "KeyTable " + etc.resolve("KeyTable") + ":1 'mail._domainkey.example.com example.com:mail:"
                + keyDir.resolve("mail.private") + "' gives d=example.com s=mail");
        assertTrue(result(fixed).startsWith("Result: signed: d=example.com s=mail a=rsa-sha256 (2048-bit RSA key)"),
                result(fixed));
        PostsealProcess.Outcome listing = check(seedConf, "--run-as", owner);
        assertSays(listing, "DNS: " + keyDir.resolve("mail.txt") + " holds the key's public half, the record to"
                + " publish at mail._domainkey.example.com");
    }

    /** A file of the tutorial, with /etc/opendkim/ moved to {@code etc}. */
    private static String seedFile(String name, Path etc) throws IOException {
        try (InputStream in = CheckCommandIT.class.getResourceAsStream("/config/seed/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).replace("/etc/opendkim/", etc + "/");
        }
    }

    private static int opendkimGenkey(Path keyDir) throws Exception {
        Process genkey = new ProcessBuilder(OPENDKIM_GENKEY.toString(), "-s", "mail", "-d", "example.com", "-D",
                keyDir.toString()).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        assertTrue(genkey.waitFor(60, TimeUnit.SECONDS), "opendkim-genkey finished");
        return genkey.exitValue();
    }
}
