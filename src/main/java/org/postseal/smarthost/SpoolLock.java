package org.postseal.smarthost;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * The one-writer rule of a spool: the running smarthost holds an exclusive lock on {@code spool/lock} for its whole
 * life; {@code postseal queue} takes it to change the spool directly when no smarthost runs, and otherwise leaves a
 * request in {@code spool/control/} for the smarthost to carry out ({@link QueueControl}).
 */
public final class SpoolLock implements AutoCloseable {
    private final FileChannel channel;
    private final FileLock lock;

    private SpoolLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** The lock, or empty when another process holds it. */
    public static Optional<SpoolLock> tryAcquire(Path spoolRoot) throws IOException {
        FileChannel channel = FileChannel.open(spoolRoot.resolve("lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (java.nio.channels.OverlappingFileLockException e) {
            channel.close(); // held by this very process
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        if (lock == null) {
            channel.close();
            return Optional.empty();
        }
        return Optional.of(new SpoolLock(channel, lock));
    }

    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            channel.close();
        }
    }
}
