package org.postseal.transport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * The file-system side of a listening unix socket, shared by the milter and the smarthost: removing a stale socket
 * left by an earlier run, and giving a new one its mode and group (socat's {@code mode=0660,group=www-data}).
 */
public final class UnixSockets {
    private static final PosixFilePermission[] BITS = {
        PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
        PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
        PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ};

    private UnixSockets() {
    }

    /** The permissions of an octal mode such as {@code 0660}. */
    public static Set<PosixFilePermission> permissions(int mode) {
        if (mode < 0 || mode > 0777) {
            throw new IllegalArgumentException("mode: " + Integer.toOctalString(mode) + " (expected: 0-0777)");
        }
        Set<PosixFilePermission> permissions = EnumSet.noneOf(PosixFilePermission.class);
        for (int bit = 0; bit < 9; bit++) {
            if ((mode & (1 << bit)) != 0) {
                permissions.add(BITS[bit]);
            }
        }
        return permissions;
    }

    /** Parses an octal mode ({@code 0660}, {@code 660}). */
    public static int parseMode(String text) {
        try {
            return Integer.parseInt(text.strip(), 8);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("mode: " + text + " (expected: octal, such as 0660)");
        }
    }

    /** Deletes what is at {@code path} if it is a socket (not a regular file nor a directory: those are refused). */
    public static void removeStale(Path path) throws IOException {
        if (Files.exists(path) && !Files.isRegularFile(path) && !Files.isDirectory(path)) {
            Files.delete(path);
        }
    }

    /** Sets the mode and group of a socket just bound. */
    public static void apply(Path path, Optional<Set<PosixFilePermission>> mode, Optional<String> group)
            throws IOException {
        if (mode.isPresent()) {
            Files.setPosixFilePermissions(path, mode.get());
        }
        if (group.isPresent()) {
            GroupPrincipal principal = path.getFileSystem().getUserPrincipalLookupService()
                    .lookupPrincipalByGroupName(group.get());
            Files.getFileAttributeView(path, PosixFileAttributeView.class).setGroup(principal);
        }
    }
}
