package org.postseal.transport;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * The file-system side of a listening unix socket, shared by the milter and the smarthost: removing a stale socket
 * left by an earlier run (never a live one, nor a file that is not a socket), and giving a new one its mode and group (socat's {@code mode=0660,group=www-data}).
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

    /**
     * Makes way for a new socket at {@code path}: removes a stale socket (one no process accepts connections on, left
     * by a run that crashed), and refuses everything else, so that a second instance never takes a running one's
     * socket away and a file that is not a socket is never deleted. The socket is tried with a connection: accepted
     * (or pending) means live; refused means stale.
     *
     * @throws IOException with one line naming the path when it is in use, is not a socket, or cannot be tried
     */
    public static void removeStale(Path path) throws IOException {
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return;
        }
        if (!attributes.isOther()) { // sockets are "other": not a file, directory or link
            throw new IOException(path + " exists and is not a socket; it is not removed");
        }
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            probe.configureBlocking(false); // a live server with a full backlog must not hang the start
            probe.connect(UnixDomainSocketAddress.of(path));
            throw new IOException(path + " is in use by a running process");
        } catch (ConnectException e) {
            Files.delete(path); // refused: nothing listens, the socket is stale
        } catch (SocketException e) {
            throw new IOException("cannot tell whether " + path + " is in use (" + e.getMessage()
                    + "); remove it if no process serves it", e);
        }
    }

    /** Sets the mode and group of a socket just bound. */
    public static void apply(Path path, Optional<Set<PosixFilePermission>> mode, Optional<String> group)
            throws IOException {
        if (mode.isPresent()) {
            Files.setPosixFilePermissions(path, mode.get());
        }
        if (group.isPresent()) {
            GroupPrincipal principal;
            try {
                principal = path.getFileSystem().getUserPrincipalLookupService()
                        .lookupPrincipalByGroupName(group.get());
            } catch (UserPrincipalNotFoundException e) {
                throw new IOException("socket group " + group.get() + ": no such group", e);
            }
            try {
                Files.getFileAttributeView(path, PosixFileAttributeView.class).setGroup(principal);
            } catch (FileSystemException e) {
                throw new IOException(path + ": cannot give it the group " + group.get() + " ("
                        + Optional.ofNullable(e.getReason()).orElse(e.getClass().getSimpleName()) + "); the process"
                        + " must be a member of that group (systemd: SupplementaryGroups=" + group.get() + ")", e);
            }
        }
    }
}
