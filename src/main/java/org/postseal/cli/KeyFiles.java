package org.postseal.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.Set;
import org.postseal.dkim.SignatureAlgorithm;
import org.postseal.dkim.SigningKey;
import org.postseal.keys.KeyFileException;
import org.postseal.keys.PrivateKeyReader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a private key named by a configuration, with the checks every daemon applies before serving: the file is
 * not readable by others (RequireSafeKeys), an RSA key is long enough. A failure is a {@link CommandFailure} with exit
 * 78 naming the key's origin.
 */
final class KeyFiles {
    private static final Logger LOG = LoggerFactory.getLogger(KeyFiles.class);

    private KeyFiles() {
    }

    static SigningKey read(Path file, String origin, int minimumKeyBits, boolean requireSafeKeys,
            Optional<SignatureAlgorithm> wanted) {
        if (requireSafeKeys) {
            checkSafe(file, origin);
        }
        SigningKey key;
        try {
            key = PrivateKeyReader.read(file, Math.max(minimumKeyBits, PrivateKeyReader.DEFAULT_MINIMUM_RSA_BITS));
        } catch (KeyFileException e) {
            throw new CommandFailure(ExitCodes.CONFIG, origin + ": " + e.getMessage());
        }
        if (wanted.isPresent() && wanted.get() != key.algorithm()) {
            LOG.warn("{}: {} holds a key for {}; it signs with {} whatever SignatureAlgorithm says", origin, file,
                    key.algorithm(), key.algorithm());
        }
        return key;
    }

    /**
     * RequireSafeKeys: a private key others can read or anyone but its owner can write is refused, as OpenDKIM
     * refuses it (group read is allowed, for a key shared with the group the daemon runs as).
     */
    private static void checkSafe(Path file, String origin) {
        try {
            Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
            if (permissions.contains(PosixFilePermission.OTHERS_READ)
                    || permissions.contains(PosixFilePermission.OTHERS_WRITE)
                    || permissions.contains(PosixFilePermission.GROUP_WRITE)) {
                throw new CommandFailure(ExitCodes.CONFIG, origin + ": " + file + " is readable or writable by "
                        + "others (mode " + PosixFilePermissions.toString(permissions)
                        + "); chmod 600 it, or set RequireSafeKeys no");
            }
        } catch (IOException e) {
            throw new CommandFailure(ExitCodes.CONFIG, origin + ": " + file + ": " + e.getMessage());
        }
    }
}
