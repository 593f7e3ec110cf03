package org.postseal.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postseal.dkim.SigningKey;
import org.postseal.keys.DkimKeyGenerator;
import org.postseal.keys.KeyRecordText;
import org.postseal.keys.PrivateKeyWriter;
import org.postseal.keys.ZoneFileTxt;
import org.postseal.transport.ExitStatus;

/**
 * {@code postseal check} run in-process, for what the process tests ({@code CheckCommandIT}) leave out: usage
 * errors, postseal's own configuration with OpenDKIM's Domain/Selector/KeyFile, Mode s, a record file that does not
 * match its key.
 */
class CheckCommandTest {
    @TempDir
    Path dir;

    private record Run(int exitCode, String out, String err) {
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(code, out.toString(), err.toString());
    }

    private Path key(String selector, SigningKey key, SigningKey published) throws Exception {
        Path file = Files.writeString(dir.resolve(selector + ".private"), PrivateKeyWriter.pem(key));
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        Files.writeString(dir.resolve(selector + ".txt"), ZoneFileTxt.format(selector, "example.com",
                KeyRecordText.of(published)));
        return file;
    }

    @Test
    void usageErrorsExit64() {
        assertEquals(ExitStatus.USAGE, run("check").exitCode());
        assertEquals(ExitStatus.USAGE, run("check", "--config", "a", "--opendkim-conf", "b").exitCode());
        Run badClient = run("check", "--opendkim-conf", "x", "--client", "mail.example.com");
        assertEquals(ExitStatus.USAGE, badClient.exitCode());
        assertEquals("postseal check: --client: 'mail.example.com' (expected: an IP address, then optionally / and"
                + " the host name Postfix reports)\n", badClient.err());
        Run missing = run("check", "--opendkim-conf", dir.resolve("nope.conf").toString());
        assertEquals(ExitStatus.CONFIG, missing.exitCode());
        assertTrue(missing.err().contains("nope.conf: no such readable file"), missing.err());
    }

    @Test
    void postsealsOwnConfigurationWithADomainKeyInModeS() throws Exception {
        Path keyFile = key("mail", DkimKeyGenerator.ed25519(), DkimKeyGenerator.ed25519());
        Path conf = Files.writeString(dir.resolve("postseal.conf"), "postseal.milter {\n  mode = \"s\"\n"
                + "  domain = [\"example.com\"]\n  selector = \"mail\"\n  key-file = \"" + keyFile + "\"\n"
                + "  socket = \"local:" + dir.resolve("run/milter.sock") + "\"\n}\n");

        Run listing = run("check", "--config", conf.toString(), "--run-as", "root");
        assertEquals(ExitStatus.OK, listing.exitCode(), listing.out() + listing.err());
        assertTrue(listing.out().contains("Mode s: signs mail from internal and authenticated clients, verifies"
                + " nothing"), listing.out());
        assertTrue(listing.out().contains("  (the From domain): s=mail, ed25519-sha256 with an Ed25519 key, key "
                + keyFile + ", for mail from the Domain list"), listing.out());
        assertTrue(listing.out().contains(dir.resolve("mail.txt") + " holds another public key than that of "
                + keyFile),
                "a record file for another key is a warning:\n" + listing.out());
        assertTrue(listing.out().contains("Socket local:" + dir.resolve("run/milter.sock") + ": the directory "
                + dir.resolve("run") + " does not exist"), listing.out());
        assertTrue(listing.out().contains("Postfix's main.cf: smtpd_milters = unix:" + dir.resolve("run/milter.sock")),
                listing.out());
        assertEquals(CheckCommand.WARNINGS, run("check", "--config", conf.toString(), "--strict").exitCode());

        Run outside = run("check", "--config", conf.toString(), "--from", "joe@example.com", "--client",
                "192.0.2.1");
        assertTrue(outside.out().contains("Result: not signed; not verified (no Mode v): passed on as it is"),
                outside.out());
        Run inside = run("check", "--config", conf.toString(), "--from", "joe@example.com");
        assertTrue(inside.out().contains("example.com is a signing Domain: d=example.com s=mail, key " + keyFile),
                inside.out());
        assertTrue(inside.out().contains("Result: signed: d=example.com s=mail a=ed25519-sha256 (Ed25519 key)"),
                inside.out());
        Run other = run("check", "--config", conf.toString(), "--from", "joe@example.net");
        assertTrue(other.out().contains("not signed: example.net is not a signing Domain"), other.out());
    }

    @Test
    void aClientAloneIsAnsweredAtMail() throws Exception {
        SigningKey key = DkimKeyGenerator.ed25519();
        Path keyFile = key("mail", key, key);
        Path conf = Files.writeString(dir.resolve("opendkim.conf"), "Domain example.com\nSelector mail\nKeyFile "
                + keyFile + "\nSocket inet:8891@localhost\nMacroList daemon_name=ORIGINATING\n");
        Run run = run("check", "--opendkim-conf", conf.toString(), "--client", "192.0.2.1", "--macro",
                "daemon_name=ORIGINATING", "--run-as", "root");
        assertEquals(ExitStatus.OK, run.exitCode(), run.out() + run.err());
        assertTrue(run.out().contains("Mail through client 192.0.2.1, not authenticated, macros"
                + " {daemon_name=ORIGINATING}:"), run.out());
        assertTrue(run.out().contains("matches MacroList [daemon_name=ORIGINATING], so its mail may be signed"),
                run.out());
        assertTrue(run.out().contains("Result: its mail may be signed; give --from to know for which addresses"),
                run.out());
        assertTrue(run.out().contains("Postfix's main.cf: smtpd_milters = inet:localhost:8891"), run.out());
    }
}
