package org.postseal.config;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.postseal.fuzz.FuzzSupport;

/**
 * Fuzzes the msmtp configuration reader ({@code postseal sendmail} and the smarthost read an existing
 * {@code ~/.msmtprc}), then each account it defines as the SMTP endpoint the smarthost relays to. A refusal is a
 * {@link ConfigException} whose message starts with the file ({@code /path/msmtprc:7: ...}); nothing else escapes;
 * every warning and every account's origin names the file. Inputs holding an {@code eval} command are skipped: it runs
 * a shell command, and the fuzzer must not run what it writes ({@code passwordeval} is read, never run, here).
 */
@Timeout(10)
class MsmtpConfigFuzzTest {
    @TempDir
    static Path dir;

    @FuzzTest(maxDuration = "30s")
    void msmtprc(byte[] input) throws IOException {
        if (new String(input, StandardCharsets.ISO_8859_1).replace("passwordeval", "").contains("eval")) {
            return;
        }
        Path file = dir.resolve("msmtprc");
        Files.write(file, input);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        Warnings warnings = new Warnings();
        MsmtpConfig config;
        try {
            config = MsmtpConfig.read(file, warnings);
        } catch (ConfigException e) {
            placed(e);
            return;
        }
        for (String warning : warnings.list()) {
            assertTrue(warning.startsWith(file.toString()), () -> "a warning without its file: " + warning);
        }
        for (String name : config.accountNames()) {
            MsmtpAccount account = config.requireAccount(name);
            assertTrue(account.definedAt().startsWith(file + ":"), account.definedAt());
            try {
                account.toEndpoint();
            } catch (ConfigException e) {
                placed(e);
            }
        }
    }

    private static void placed(ConfigException e) {
        FuzzSupport.explained(e);
        assertTrue(e.getMessage().startsWith(dir.toString()), () -> "an error without its file: " + e.getMessage());
    }
}
