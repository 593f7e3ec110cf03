package org.postseal.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.postseal.dkim.SignatureAlgorithm;
import org.postseal.dkim.SigningKey;
import org.postseal.keys.DkimKeyGenerator;
import org.postseal.keys.KeyRecordText;
import org.postseal.keys.PrivateKeyWriter;
import org.postseal.keys.ZoneFileTxt;
import org.postseal.transport.ExitStatus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code postseal genkey}: makes a key pair and writes {@code SELECTOR.private} (mode 0600) and
 * {@code SELECTOR.txt} (the zone-file TXT record) as {@code opendkim-genkey} does, and prints the record. It never
 * overwrites an existing key: losing a published key breaks every signature made with it.
 */
@Command(name = "genkey", mixinStandardHelpOptions = true,
        description = {"Generate a DKIM key pair; write SELECTOR.private and SELECTOR.txt like opendkim-genkey,",
            "and print the DNS record to publish."})
final class GenkeyCommand implements Callable<Integer> {
    @Option(names = {"-d", "--domain"}, required = true, paramLabel = "DOMAIN", description = "Signing domain.")
    private String domain;

    @Option(names = {"-s", "--selector"}, required = true, paramLabel = "SELECTOR", description = "Selector.")
    private String selector;

    @Option(names = {"-b", "--bits"}, paramLabel = "BITS", description = "RSA key size (default: 2048).")
    private Integer bits;

    @Option(names = {"-a", "--algorithm"}, paramLabel = "ALGORITHM", defaultValue = "rsa",
            description = "rsa or ed25519 (also rsa-sha256, ed25519-sha256; default: ${DEFAULT-VALUE}).")
    private String algorithm;

    @Option(names = {"-D", "--directory"}, paramLabel = "DIR", defaultValue = ".",
            description = "Where to write the files (default: the current directory).")
    private Path directory;

    @Option(names = {"-t", "--testing"}, description = "Publish the key in test mode (t=y).")
    private boolean testing;

    @Option(names = {"-S", "--restrict-subdomains"}, description = "Forbid subdomains in i= (t=s).")
    private boolean strict;

    @Option(names = {"-v", "--verbose"}, description = "Log what is done on stderr.")
    private boolean verbose;

    @Spec
    private CommandSpec spec;

    @Override
    public Integer call() {
        SignatureAlgorithm chosen = algorithm();
        if (chosen == SignatureAlgorithm.ED25519_SHA256 && bits != null) {
            throw new CommandFailure(ExitStatus.USAGE, "--bits applies to RSA keys only");
        }
        SigningKey key;
        try {
            key = chosen == SignatureAlgorithm.RSA_SHA256
                    ? DkimKeyGenerator.rsa(bits == null ? DkimKeyGenerator.DEFAULT_RSA_BITS : bits)
                    : DkimKeyGenerator.ed25519();
        } catch (IllegalArgumentException e) {
            throw new CommandFailure(ExitStatus.USAGE, e.getMessage());
        }
        String zone;
        try {
            zone = ZoneFileTxt.format(selector, domain,
                    KeyRecordText.of(key).withTesting(testing).withStrict(strict));
        } catch (IllegalArgumentException e) {
            throw new CommandFailure(ExitStatus.USAGE, e.getMessage());
        }
        Path privateFile = directory.resolve(selector + ".private");
        Path recordFile = directory.resolve(selector + ".txt");
        try {
            Files.createDirectories(directory);
            writeNew(privateFile, PrivateKeyWriter.pem(key), true);
            writeNew(recordFile, zone, false);
        } catch (FileAlreadyExistsException e) {
            throw new CommandFailure(ExitStatus.CANT_CREATE, e.getFile() + " already exists; not overwriting a key");
        } catch (IOException e) {
            throw new CommandFailure(ExitStatus.CANT_CREATE, directory + ": " + e.getMessage());
        }
        PrintWriter out = spec.commandLine().getOut();
        out.print(zone);
        out.flush();
        spec.commandLine().getErr().println("postseal genkey: wrote " + privateFile + " and " + recordFile
                + "; publish the record above in the DNS zone of " + domain);
        return ExitStatus.OK;
    }

    private SignatureAlgorithm algorithm() {
        String value = algorithm.toLowerCase(Locale.ROOT);
        if (value.equals("rsa") || value.equals("rsa-sha256")) {
            return SignatureAlgorithm.RSA_SHA256;
        }
        if (value.equals("ed25519") || value.equals("ed25519-sha256")) {
            return SignatureAlgorithm.ED25519_SHA256;
        }
        throw new CommandFailure(ExitStatus.USAGE, "--algorithm: " + algorithm + " (expected: rsa or ed25519)");
    }

    /** Creates a file that must not exist yet; the private key is made 0600 before any byte is written. */
    private static void writeNew(Path file, String text, boolean secret) throws IOException {
        if (secret) {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(file, text, StandardCharsets.US_ASCII, StandardOpenOption.TRUNCATE_EXISTING);
        } else {
            Files.writeString(file, text, StandardCharsets.US_ASCII, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE);
        }
    }
}
