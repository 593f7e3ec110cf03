package org.postseal.container;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.postseal.cli.PostsealProcess;
import org.postseal.keys.ZoneFileException;
import org.postseal.keys.ZoneFileTxt;

/**
 * What a user mounts read-only at {@code /etc/postseal}, made as {@code docs/DEPLOYMENT.md} says: the files of
 * {@code docker/example/} (opendkim.conf, KeyTable, SigningTable, TrustedHosts, msmtprc) copied unchanged, and
 * {@code keys/mail.private} made by {@code postseal genkey --domain example.com --selector mail}, owned by the
 * image's postseal user (uid 8891). The key record is read back from the {@code mail.txt} genkey wrote, the record
 * a user would publish.
 */
final class ExampleEtc implements AutoCloseable {
    /** The uid and gid of the postseal user in the image ({@code docker/Dockerfile}). */
    static final int POSTSEAL_UID = 8891;
    /** The signing domain of the example tables. */
    static final String DOMAIN = "example.com";
    /** The selector of the example tables. */
    static final String SELECTOR = "mail";

    private final Path directory;
    private final String keyRecord;

    private ExampleEtc(Path directory, String keyRecord) {
        this.directory = directory;
        this.keyRecord = keyRecord;
    }

    /** Copies {@code docker/example/} into a new directory under /tmp and makes the key there. */
    static ExampleEtc create() {
        try {
            Path directory = Files.createTempDirectory("containers-etc-");
            // the containers' users read it through a bind mount
            Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwxr-xr-x"));
            try (Stream<Path> files = Files.list(Podman.repository().resolve("docker/example"))) {
                for (Path file : files.filter(Files::isRegularFile).toList()) {
                    Files.copy(file, directory.resolve(file.getFileName()));
                }
            }
            Path keys = Files.createDirectory(directory.resolve("keys"));
            PostsealProcess.Outcome genkey = PostsealProcess.run(new byte[0], "genkey", "--domain", DOMAIN,
                    "--selector", SELECTOR, "--directory", keys.toString());
            if (genkey.exitCode() != 0) {
                throw new IllegalStateException("postseal genkey exited " + genkey.exitCode() + ": " + genkey.stderr());
            }
            Path privateKey = keys.resolve(SELECTOR + ".private");
            Files.setAttribute(privateKey, "unix:uid", POSTSEAL_UID);
            Files.setAttribute(privateKey, "unix:gid", POSTSEAL_UID);
            List<ZoneFileTxt.Entry> records = ZoneFileTxt.parse(Files.readString(keys.resolve(SELECTOR + ".txt")));
            return new ExampleEtc(directory, records.get(0).value());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (ZoneFileException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The directory to mount at {@code /etc/postseal}. */
    Path directory() {
        return directory;
    }

    /** The published key, as dkimpy is handed it: {@code mail._domainkey.example.com -> v=DKIM1; ...}. */
    Map<String, String> keyRecords() {
        return Map.of(SELECTOR + "._domainkey." + DOMAIN, keyRecord);
    }

    @Override
    public void close() {
        try (Stream<Path> files = Files.walk(directory)) {
            files.sorted(Comparator.reverseOrder()).forEach(file -> file.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
