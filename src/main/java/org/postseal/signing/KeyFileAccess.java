package org.postseal.signing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Whether a given user can read a private key file, judged from its owner, group and mode: the question behind
 * "the key is there, yet the milter cannot load it", as when {@code sudo opendkim-genkey} leaves a key owned by root
 * with mode 0600 and OpenDKIM runs as {@code opendkim}. Group membership comes from a function (the system's
 * {@code /etc/passwd} and {@code /etc/group} in {@code postseal check}), so that tests need not touch them.
 *
 * @param file the key file
 * @param owner its owner's name
 * @param group its group's name
 * @param mode its permission bits
 */
public record KeyFileAccess(Path file, String owner, String group, Set<PosixFilePermission> mode) {
    public KeyFileAccess {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(group, "group");
        mode = Set.copyOf(mode);
    }

    /**
     * The owner, group and mode of {@code file}, following symbolic links as reading it does.
     *
     * @throws IOException if they cannot be read (no such file, a directory that cannot be searched...)
     */
    public static KeyFileAccess of(Path file) throws IOException {
        PosixFileAttributes attributes = Files.readAttributes(file, PosixFileAttributes.class);
        return new KeyFileAccess(file, attributes.owner().getName(), attributes.group().getName(),
                attributes.permissions());
    }

    /**
     * Why {@code user} cannot read the file ("it is owned by root:root with mode rw-------; chown ..."), with how to
     * fix it; empty when it can (root always can).
     *
     * @param groupsOf the names of the groups a user is in (primary and supplementary)
     */
    public Optional<String> unreadableBy(String user, Function<String, Set<String>> groupsOf) {
        if (user.equals("root")) {
            return Optional.empty();
        }
        if (user.equals(owner) ? mode.contains(PosixFilePermission.OWNER_READ)
                : mode.contains(PosixFilePermission.OTHERS_READ)
                || (mode.contains(PosixFilePermission.GROUP_READ) && groupsOf.apply(user).contains(group))) {
            return Optional.empty();
        }
        String is = "it is owned by " + owner + ":" + group + " with mode " + PosixFilePermissions.toString(mode);
        if (user.equals(owner)) {
            return Optional.of(is + ", not readable even by its owner; chmod 600 " + file);
        }
        return Optional.of(is + "; chown " + user + " " + file + " and keep it mode 600");
    }

    @Override
    public String toString() {
        return file + " (" + owner + ":" + group + " " + PosixFilePermissions.toString(mode) + ")";
    }
}
