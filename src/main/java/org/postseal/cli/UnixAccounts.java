package org.postseal.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The groups a user is in, read from {@code /etc/passwd} (the primary group) and {@code /etc/group} (the others), for
 * {@code postseal check}'s question whether the user the milter runs as can read a key file. A file that cannot be
 * read counts as empty: the answer is then "only if the file's owner or mode allows it".
 */
final class UnixAccounts {
    private final Path passwd;
    private final Path group;

    UnixAccounts(Path passwd, Path group) {
        this.passwd = passwd;
        this.group = group;
    }

    /** The system's accounts. */
    static UnixAccounts system() {
        return new UnixAccounts(Path.of("/etc/passwd"), Path.of("/etc/group"));
    }

    /** The names of the groups {@code user} is in, its primary group included. */
    Set<String> groupsOf(String user) {
        String primary = null;
        for (String line : lines(passwd)) {
            String[] fields = line.split(":", -1);
            if (fields.length > 3 && fields[0].equals(user)) {
                primary = fields[3];
                break;
            }
        }
        Set<String> groups = new HashSet<>();
        for (String line : lines(group)) {
            String[] fields = line.split(":", -1);
            if (fields.length < 4) {
                continue;
            }
            if (fields[2].equals(primary) || List.of(fields[3].split(",")).contains(user)) {
                groups.add(fields[0]);
            }
        }
        return groups;
    }

    private static List<String> lines(Path file) {
        try {
            return Files.isRegularFile(file) && Files.size(file) < (1 << 22) ? Files.readAllLines(file) : List.of();
        } catch (IOException e) {
            return List.of();
        }
    }
}
