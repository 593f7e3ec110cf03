package org.postseal.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postseal.transport.ExitStatus;

/**
 * The commands as a user runs them: the packaged jar in a pipe, its output, its exit codes, and one clear line for
 * every kind of bad input (never a stack trace).
 */
class CommandLineIT {
    private static final String MESSAGE = "From: Joe <joe@example.com>\nTo: Suzie <suzie@example.net>\n"
            + "Subject: hello\n\nHello Suzie.\n";

    @TempDir
    static Path dir;

    @BeforeAll
    static void keys() throws Exception {
        assertEquals(0, PostsealProcess.run(new byte[0], "genkey", "-d", "example.com", "-s", "rsa",
                "-D", dir.toString()).exitCode());
        assertEquals(0, PostsealProcess.run(new byte[0], "genkey", "-d", "example.com", "-s", "ed",
                "-a", "ed25519", "-D", dir.toString()).exitCode());
    }

    @Test
    void genkeyWritesAPrivateKeyOnlyItsOwnerCanReadAndRefusesToOverwriteIt() throws Exception {
        assertEquals(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE),
                Files.getPosixFilePermissions(dir.resolve("rsa.private")));
        String record = Files.readString(dir.resolve("rsa.txt"));
        assertTrue(record.startsWith("rsa._domainkey\tIN\tTXT\t( \"v=DKIM1; h=sha256; k=rsa; \""), record);
        byte[] before = Files.readAllBytes(dir.resolve("rsa.private"));
        PostsealProcess.Outcome again = PostsealProcess.run(new byte[0], "genkey", "-d", "example.com", "-s", "rsa",
                "-D", dir.toString());
        assertEquals(ExitStatus.CANT_CREATE, again.exitCode());
        assertTrue(again.stderr().contains("already exists"), again.stderr());
        assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(dir.resolve("rsa.private"))));
    }

    @Test
    void signThenVerifyWithBothKeysInAPipe() throws Exception {
        PostsealProcess.Outcome signed = PostsealProcess.run(bytes(MESSAGE), "sign", "-d", "example.com",
                "-s", "rsa", "-k", key("rsa"), "-s", "ed", "-k", key("ed"));
        assertEquals(0, signed.exitCode(), signed.stderr());
        assertTrue(signed.out().endsWith(MESSAGE), "the message follows the signatures unchanged");
        PostsealProcess.Outcome verified = PostsealProcess.run(signed.stdout(), "verify",
                "--key-record", record("rsa"), "--key-record", record("ed"));
        assertEquals(0, verified.exitCode(), verified.out() + verified.stderr());
        assertEquals("dkim=pass header.d=example.com header.s=rsa header.a=rsa-sha256\n"
                + "dkim=pass header.d=example.com header.s=ed header.a=ed25519-sha256\n", verified.out());
    }

    @Test
    void dkimsignPositionalFormWorks() throws Exception {
        PostsealProcess.Outcome signed = PostsealProcess.run(bytes(MESSAGE), "sign", "rsa", "example.com",
                key("rsa"));
        assertEquals(0, signed.exitCode(), signed.stderr());
        assertTrue(signed.out().startsWith("DKIM-Signature: v=1; a=rsa-sha256;"));
    }

    @Test
    void bareLfInputIsSignedAsCrlfAndWrittenBackWithBareLf() throws Exception {
        PostsealProcess.Outcome signed = PostsealProcess.run(bytes(MESSAGE), "sign", "-d", "example.com",
                "-s", "rsa", "-k", key("rsa"), "--canon", "simple/simple");
        assertEquals(0, signed.exitCode(), signed.stderr());
        assertFalse(signed.out().contains("\r"), "bare LF in, bare LF out");
        byte[] crlf = signed.out().replace("\n", "\r\n").getBytes(StandardCharsets.UTF_8);
        PostsealProcess.Outcome verified = PostsealProcess.run(crlf, "verify", "-r", record("rsa"));
        assertEquals(0, verified.exitCode(), "the CRLF form an MTA sends verifies: " + verified.out());
    }

    @Test
    void aTamperedMessageFailsWithExitOne() throws Exception {
        PostsealProcess.Outcome signed = PostsealProcess.run(bytes(MESSAGE), "sign", "-d", "example.com",
                "-s", "rsa", "-k", key("rsa"));
        byte[] tampered = signed.out().replace("Hello Suzie.", "Hello Susan.").getBytes(StandardCharsets.UTF_8);
        PostsealProcess.Outcome verified = PostsealProcess.run(tampered, "verify", "-r", record("rsa"));
        assertEquals(ExitStatus.NOT_VERIFIED, verified.exitCode());
        assertEquals("dkim=fail (body hash did not verify) header.d=example.com header.s=rsa header.a=rsa-sha256\n",
                verified.out());
    }

    @Test
    void aTruncatedPemIsADataError() throws Exception {
        String pem = Files.readString(dir.resolve("rsa.private"));
        Path truncated = dir.resolve("truncated.pem");
        Files.writeString(truncated, pem.substring(0, pem.length() / 2));
        assertOneLineError(PostsealProcess.run(bytes(MESSAGE), "sign", "-d", "example.com", "-s", "x",
                "-k", truncated.toString()), ExitStatus.DATA_ERROR, "truncated.pem");
    }

    @Test
    void aWrongTypeKeyIsADataError() throws Exception {
        Path ec = dir.resolve("ec.pem"); // made by `openssl ecparam -genkey -name prime256v1`
        try (var in = CommandLineIT.class.getResourceAsStream("/keys/ec-prime256v1.pem")) {
            Files.write(ec, in.readAllBytes());
        }
        assertOneLineError(PostsealProcess.run(bytes(MESSAGE), "sign", "-d", "example.com", "-s", "x",
                "-k", ec.toString()), ExitStatus.DATA_ERROR, "ec.pem");
        assertOneLineError(PostsealProcess.run(bytes(MESSAGE), "sign", "-d", "example.com", "-s", "x",
                "-k", key("ed"), "--algorithm", "rsa-sha256"), ExitStatus.DATA_ERROR, "ed25519");
    }

    @Test
    void anRsaKeyUnder1024BitsIsRefused() throws Exception {
        Path small = dir.resolve("small.pem"); // made by `openssl genrsa 512`
        try (var in = CommandLineIT.class.getResourceAsStream("/keys/rsa512-pkcs1.pem")) {
            Files.write(small, in.readAllBytes());
        }
        assertOneLineError(PostsealProcess.run(bytes(MESSAGE), "sign", "-d", "example.com", "-s", "x",
                "-k", small.toString()), ExitStatus.DATA_ERROR, "1024");
    }

    @Test
    void aMissingKeyFileIsNoInput() throws Exception {
        assertOneLineError(PostsealProcess.run(bytes(MESSAGE), "sign", "-d", "example.com", "-s", "x",
                "-k", dir.resolve("nothing.pem").toString()), ExitStatus.NO_INPUT, "nothing.pem");
    }

    @Test
    void aMessageWithoutFromIsADataError() throws Exception {
        assertOneLineError(PostsealProcess.run(bytes("To: x@example.net\nSubject: no from\n\nbody\n"), "sign",
                "-d", "example.com", "-s", "rsa", "-k", key("rsa")), ExitStatus.DATA_ERROR, "no From");
    }

    @Test
    void notAMessageIsADataError() throws Exception {
        assertOneLineError(PostsealProcess.run(bytes("this is not a mail message\n"), "sign",
                "-d", "example.com", "-s", "rsa", "-k", key("rsa")), ExitStatus.DATA_ERROR, "header");
        assertOneLineError(PostsealProcess.run(new byte[0], "sign",
                "-d", "example.com", "-s", "rsa", "-k", key("rsa")), ExitStatus.DATA_ERROR, "empty input");
    }

    @Test
    void aGarbledSignatureIsReportedNeutralNotAsACrash() throws Exception {
        String garbled = "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=rsa; h=From; bh=%%%; b=;;\n"
                + MESSAGE;
        PostsealProcess.Outcome verified = PostsealProcess.run(bytes(garbled), "verify", "-r", record("rsa"));
        assertEquals(ExitStatus.NOT_VERIFIED, verified.exitCode());
        assertTrue(verified.out().startsWith("dkim=neutral (signature syntax error"), verified.out());
        assertEquals("", verified.stderr());
    }

    @Test
    void usageErrorsSayWhatIsWrong() throws Exception {
        assertOneLineError(PostsealProcess.run(bytes(MESSAGE), "sign", "-d", "example.com"),
                ExitStatus.USAGE, "required");
        PostsealProcess.Outcome help = PostsealProcess.run(new byte[0], "sign", "--help");
        assertEquals(0, help.exitCode());
        assertTrue(help.out().contains("--canon"));
    }

    @Test
    void sendmailRefusesAFullNameOrSenderWithALineBreakAsAUsageError() throws Exception {
        // issue 8: a newline in -F was an internal error (exit 70) with a stack trace
        assertOneLineError(PostsealProcess.run(bytes(MESSAGE), "sendmail", "--direct", "-t", "-i", "-F",
                "Evil\nBcc: victim@example.org"), ExitStatus.USAGE, "fullName");
        assertOneLineError(PostsealProcess.run(bytes(MESSAGE), "sendmail", "--direct", "-t", "-i", "-f",
                "joe@example.com\r\nRCPT TO:<x@example.org>"), ExitStatus.USAGE, "postseal sendmail");
    }

    private static void assertOneLineError(PostsealProcess.Outcome outcome, int exitCode, String mentions) {
        assertEquals(exitCode, outcome.exitCode(), outcome.stderr());
        String firstLine = outcome.stderr().lines().findFirst().orElse("");
        assertTrue(firstLine.startsWith("postseal "), outcome.stderr());
        assertTrue(firstLine.contains(mentions), "'" + firstLine + "' should mention " + mentions);
        assertFalse(outcome.stderr().contains("\tat "), "no stack trace: " + outcome.stderr());
        assertEquals(0, outcome.stdout().length, "nothing half-written on stdout");
    }

    private static String key(String selector) {
        return dir.resolve(selector + ".private").toString();
    }

    private static String record(String selector) {
        return dir.resolve(selector + ".txt").toString();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
