package org.postseal.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.postseal.interop.Peers;

/**
 * Key pairs made as administrators make them, for tests that publish them: {@code postseal genkey} (the packaged
 * jar) and Debian's {@code opendkim-genkey}. Each writes {@code SELECTOR.private} and {@code SELECTOR.txt} (the
 * zone-file record, which {@code PowerDns.publish} reads) in a directory.
 */
public final class KeyFiles {
    private static final Path OPENDKIM_GENKEY = Path.of("/usr/sbin/opendkim-genkey");

    private KeyFiles() {
    }

    /** Runs {@code postseal genkey -d DOMAIN -s SELECTOR -D DIR OPTIONS...} and returns the private key's path. */
    public static Path genkey(Path dir, String domain, String selector, String... options) throws Exception {
        List<String> args = new ArrayList<>(List.of("genkey", "-d", domain, "-s", selector, "-D", dir.toString()));
        args.addAll(List.of(options));
        PostsealProcess.Outcome made = PostsealProcess.run(new byte[0], args.toArray(String[]::new));
        assertEquals(0, made.exitCode(), made.stderr());
        return dir.resolve(selector + ".private");
    }

    /**
     * Runs {@code opendkim-genkey -D DIR -d DOMAIN -s SELECTOR} (a 2048-bit RSA key), makes the key readable by its
     * owner only (as postseal requires), and returns its path. Skips the test without {@code opendkim-tools}, fails
     * it under {@code CI=true}.
     */
    public static Path opendkimGenkey(Path dir, String domain, String selector) throws Exception {
        Peers.requireProgram(OPENDKIM_GENKEY, "opendkim-tools");
        Process made = new ProcessBuilder(OPENDKIM_GENKEY.toString(), "-D", dir.toString(), "-d", domain,
                "-s", selector).redirectErrorStream(true).start();
        String said = new String(made.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(true, made.waitFor(60, TimeUnit.SECONDS) && made.exitValue() == 0, said);
        Path key = dir.resolve(selector + ".private");
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
        return key;
    }
}
