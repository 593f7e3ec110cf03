package org.postseal.smarthost;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;

/**
 * One step of a message's life in the {@link Spool} that changes what is on disk or outside it: writing or forcing a
 * file, renaming or deleting it, forcing a directory, or sending the message upstream. {@link SpoolSteps} hears each
 * one just before and just after it is taken, which is where a crash can stop the process.
 *
 * @param operation what the spool is doing: the larger move this step is part of
 * @param action the step itself
 * @param file the file or directory it acts on, relative to the spool's root ({@code tmp/ID.msg}, {@code queue});
 *     for a rename, where the file goes
 */
public record SpoolStep(Operation operation, Action action, Path file) {
    public SpoolStep {
        Objects.requireNonNull(operation, "operation");
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(file, "file");
        if (file.isAbsolute()) {
            throw new IllegalArgumentException("file: " + file + " (expected: relative to the spool's root)");
        }
    }

    /** The moves a spool makes, each a series of steps. */
    public enum Operation {
        /** A new message written to {@code queue/} ({@link Spool#add}). */
        ADD,
        /** A queued message sent to the upstream server (one delivery attempt). */
        RELAY,
        /** A message's record replaced after a deferred attempt ({@link Spool#update}). */
        UPDATE,
        /** A message moved to {@code failed/} ({@link Spool#fail}). */
        FAIL,
        /** A delivered message's files removed ({@link Spool#remove}). */
        REMOVE,
        /** A message deleted by the administrator ({@link Spool#delete}). */
        DELETE,
        /** What a crash left, cleared at start ({@link Spool#recover}). */
        RECOVER
    }

    /** The steps themselves. */
    public enum Action {
        /** The bytes of a file written (not yet forced). */
        WRITE,
        /** A file forced to disk (fsync). */
        FSYNC,
        /** A file renamed atomically into place. */
        RENAME,
        /** A file deleted (if it is there). */
        DELETE,
        /** A directory forced to disk, so that its renames and deletions last. */
        FSYNC_DIRECTORY,
        /** The message sent upstream, up to the server's answer to the end of its data. */
        SEND
    }

    /** {@code add rename queue/ID.msg}: lower case, for logs and test reports. */
    @Override
    public String toString() {
        return operation.name().toLowerCase(Locale.ROOT) + " " + action.name().toLowerCase(Locale.ROOT)
                .replace('_', '-') + " " + file;
    }
}
