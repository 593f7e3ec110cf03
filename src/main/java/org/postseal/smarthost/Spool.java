package org.postseal.smarthost;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import org.postseal.smarthost.SpoolStep.Action;
import org.postseal.smarthost.SpoolStep.Operation;
import org.postseal.smtp.Envelope;
import org.postseal.smtp.MessageSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The smarthost's durable queue: a directory where each message is two files, {@code ID.msg} (the signed bytes, as
 * they will be sent) and {@code ID.env} (its {@link SpooledMessage} as text). A message exists once its {@code .env}
 * file is in {@code queue/}: both files are written in {@code tmp/}, forced to disk, renamed into place (the
 * {@code .msg} first), and the directory is forced too, so a crash at any point leaves either a whole message or none
 * that any client was told about. Updates replace the {@code .env} file the same way. Permanently failed messages move
 * to {@code failed/}, where they stay until deleted.
 *
 * <p>Each step (a write, an fsync, a rename, a deletion) is told to a {@link SpoolSteps} before and after it is
 * taken, so that a test can crash the process at any one of them; the daemon's listener does nothing.
 *
 * <p>One process writes a spool at a time (the running smarthost, or {@code postseal queue} when none runs); see
 * {@link SpoolLock}.
 */
public final class Spool {
    private static final Logger LOG = LoggerFactory.getLogger(Spool.class);
    private static final Pattern ID = Pattern.compile("[0-9a-z]{6,20}-[0-9a-f]{8}");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path root;
    private final Path queue;
    private final Path failed;
    private final Path tmp;
    private final SpoolSteps steps;

    private Spool(Path root, SpoolSteps steps) {
        this.root = root;
        this.steps = steps;
        this.queue = root.resolve("queue");
        this.failed = root.resolve("failed");
        this.tmp = root.resolve("tmp");
    }

    /**
     * Opens (creating if needed, mode 0700) the spool in {@code root}, and clears what a crash may have left
     * half-written: files in {@code tmp/}, a {@code .msg} without its {@code .env}.
     */
    public static Spool open(Path root) throws IOException {
        return open(root, SpoolSteps.NONE);
    }

    /**
     * Opens the spool in {@code root} as {@link #open(Path)} does, telling {@code steps} of each step that changes
     * what is on disk.
     */
    public static Spool open(Path root, SpoolSteps steps) throws IOException {
        Spool spool = new Spool(root, Objects.requireNonNull(steps, "steps"));
        for (Path dir : List.of(root, spool.queue, spool.failed, spool.tmp)) {
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir);
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            }
        }
        return spool;
    }

    /** Removes leftovers of a crash; only the process that holds the {@link SpoolLock} may call it. */
    public void recover() throws IOException {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(tmp)) {
            for (Path file : files) {
                LOG.info("spool: removing {} left over from an interrupted write", file.getFileName());
                delete(Operation.RECOVER, file);
            }
        }
        finishMovesToFailed();
        for (Path dir : List.of(queue, failed)) {
            try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.msg")) {
                for (Path file : files) {
                    Path env = sibling(file, ".env");
                    if (!Files.exists(env)) {
                        LOG.info("spool: removing {}: never fully queued (no client was told it was)",
                                file.getFileName());
                        delete(Operation.RECOVER, file);
                    }
                }
            }
        }
    }

    /** Completes a {@link #fail} that a crash interrupted, whichever step it stopped after. */
    private void finishMovesToFailed() throws IOException {
        try (DirectoryStream<Path> records = Files.newDirectoryStream(failed, "*.env")) {
            for (Path failedEnv : records) {
                String id = failedEnv.getFileName().toString().replace(".env", "");
                Path queuedMsg = queue.resolve(id + ".msg");
                Path queuedEnv = queue.resolve(id + ".env");
                if (Files.exists(queuedMsg) && !Files.exists(failed.resolve(id + ".msg"))) {
                    LOG.info("spool: finishing the move of {} to failed/", id);
                    move(Operation.RECOVER, queuedMsg, failed.resolve(id + ".msg"));
                }
                if (delete(Operation.RECOVER, queuedEnv)) {
                    LOG.info("spool: {} is in failed/; removed its queued record", id);
                }
            }
        }
        forceDirectory(Operation.RECOVER, failed);
        forceDirectory(Operation.RECOVER, queue);
    }

    public Path root() {
        return root;
    }

    /** Writes a new message durably and returns its record. */
    public SpooledMessage add(Envelope envelope, byte[] message, Instant now) throws IOException {
        String id = newId(now);
        SpooledMessage record = new SpooledMessage(id, SpooledMessage.State.QUEUED, envelope.sender(),
                envelope.recipients(), now, 0, now, Optional.empty(), List.of());
        Path msgTmp = tmp.resolve(id + ".msg");
        writeForced(Operation.ADD, msgTmp, message);
        Path envTmp = tmp.resolve(id + ".env");
        writeForced(Operation.ADD, envTmp, SpoolRecordFormat.format(record).getBytes(StandardCharsets.UTF_8));
        move(Operation.ADD, msgTmp, queue.resolve(id + ".msg"));
        move(Operation.ADD, envTmp, queue.resolve(id + ".env"));
        forceDirectory(Operation.ADD, queue);
        return record;
    }

    /** Replaces the record of a message that stays where it is. */
    public void update(SpooledMessage record) throws IOException {
        Path dir = dirOf(record.state());
        Path envTmp = tmp.resolve(record.id() + ".env");
        writeForced(Operation.UPDATE, envTmp, SpoolRecordFormat.format(record).getBytes(StandardCharsets.UTF_8));
        move(Operation.UPDATE, envTmp, dir.resolve(record.id() + ".env"));
        forceDirectory(Operation.UPDATE, dir);
    }

    /** Moves a queued message to {@code failed/} with its final record. */
    public SpooledMessage fail(SpooledMessage record, String reason) throws IOException {
        SpooledMessage failedRecord = record.withState(SpooledMessage.State.FAILED, reason);
        Path envTmp = tmp.resolve(record.id() + ".env");
        writeForced(Operation.FAIL, envTmp, SpoolRecordFormat.format(failedRecord).getBytes(StandardCharsets.UTF_8));
        // record first, then bytes, then the queued record: at every step recover() can finish the move
        move(Operation.FAIL, envTmp, failed.resolve(record.id() + ".env"));
        move(Operation.FAIL, queue.resolve(record.id() + ".msg"), failed.resolve(record.id() + ".msg"));
        delete(Operation.FAIL, queue.resolve(record.id() + ".env"));
        forceDirectory(Operation.FAIL, failed);
        forceDirectory(Operation.FAIL, queue);
        return failedRecord;
    }

    /** Removes a message whose every recipient is decided and none rejected: it is done. */
    public void remove(SpooledMessage record) throws IOException {
        Path dir = dirOf(record.state());
        delete(Operation.REMOVE, dir.resolve(record.id() + ".env"));
        delete(Operation.REMOVE, dir.resolve(record.id() + ".msg"));
        forceDirectory(Operation.REMOVE, dir);
    }

    /**
     * Deletes a message by id, queued or failed; false when there is none. The record is not read, so a message
     * whose record is damaged can be deleted too.
     */
    public boolean delete(String id) throws IOException {
        if (!ID.matcher(id).matches()) {
            return false;
        }
        for (Path dir : List.of(queue, failed)) {
            if (delete(Operation.DELETE, dir.resolve(id + ".env"))) {
                delete(Operation.DELETE, dir.resolve(id + ".msg"));
                forceDirectory(Operation.DELETE, dir);
                return true;
            }
        }
        return false;
    }

    /** The queued messages, oldest first. */
    public List<SpooledMessage> queued() throws IOException {
        return list(queue, SpooledMessage.State.QUEUED);
    }

    /** The failed messages, oldest first. */
    public List<SpooledMessage> failed() throws IOException {
        return list(failed, SpooledMessage.State.FAILED);
    }

    /** How many messages are in {@code failed/}, counted without reading them (for the spool metrics). */
    public int failedCount() throws IOException {
        int count = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(failed, "*.env")) {
            for (Path ignored : files) {
                count++;
            }
        }
        return count;
    }

    public Optional<SpooledMessage> find(String id) throws IOException {
        if (!ID.matcher(id).matches()) {
            return Optional.empty();
        }
        for (SpooledMessage.State state : SpooledMessage.State.values()) {
            Path env = dirOf(state).resolve(id + ".env");
            if (Files.exists(env)) {
                return Optional.of(read(env, state));
            }
        }
        return Optional.empty();
    }

    /** The bytes of a message, to send. */
    public MessageSource content(SpooledMessage record) {
        Path file = dirOf(record.state()).resolve(record.id() + ".msg");
        return MessageSource.of(file);
    }

    private List<SpooledMessage> list(Path dir, SpooledMessage.State state) throws IOException {
        List<SpooledMessage> records = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.env")) {
            for (Path env : files) {
                try {
                    records.add(read(env, state));
                } catch (NoSuchFileException e) {
                    // removed meanwhile
                } catch (IOException | IllegalArgumentException e) {
                    LOG.warn("spool: cannot read {}: {}", env, e.getMessage());
                }
            }
        }
        records.sort(Comparator.comparing(SpooledMessage::created).thenComparing(SpooledMessage::id));
        return records;
    }

    private SpooledMessage read(Path env, SpooledMessage.State state) throws IOException {
        String text = Files.readString(env, StandardCharsets.UTF_8);
        return SpoolRecordFormat.parse(text, state, env.toString());
    }

    private Path dirOf(SpooledMessage.State state) {
        return state == SpooledMessage.State.QUEUED ? queue : failed;
    }

    private static Path sibling(Path file, String suffix) {
        String name = file.getFileName().toString();
        return file.resolveSibling(name.substring(0, name.lastIndexOf('.')) + suffix);
    }

    static String newId(Instant now) {
        byte[] random = new byte[4];
        RANDOM.nextBytes(random);
        return Long.toString(now.toEpochMilli(), 36) + "-" + HexFormat.of().formatHex(random);
    }

    /** Sends a queued message upstream with {@code relay}, telling the steps listener before and after. */
    <T> T relay(SpooledMessage record, IoStep<T> relay) throws IOException {
        return step(Operation.RELAY, Action.SEND, dirOf(record.state()).resolve(record.id() + ".msg"), relay);
    }

    private void writeForced(Operation operation, Path file, byte[] bytes) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            step(operation, Action.WRITE, file, () -> {
                ByteBuffer buffer = ByteBuffer.wrap(bytes);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                return null;
            });
            step(operation, Action.FSYNC, file, () -> {
                channel.force(true);
                return null;
            });
        }
    }

    private void move(Operation operation, Path from, Path to) throws IOException {
        step(operation, Action.RENAME, to, () -> {
            try {
                return Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("spool directories must be on one file system: " + e.getMessage(), e);
            }
        });
    }

    private boolean delete(Operation operation, Path file) throws IOException {
        return step(operation, Action.DELETE, file, () -> Files.deleteIfExists(file));
    }

    private void forceDirectory(Operation operation, Path dir) throws IOException {
        step(operation, Action.FSYNC_DIRECTORY, dir, () -> {
            try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
                channel.force(true);
            }
            return null;
        });
    }

    private <T> T step(Operation operation, Action action, Path file, IoStep<T> io) throws IOException {
        SpoolStep step = new SpoolStep(operation, action, root.relativize(file));
        steps.before(step);
        T result = io.run();
        steps.after(step);
        return result;
    }

    /** One step's work. */
    @FunctionalInterface
    interface IoStep<T> {
        T run() throws IOException;
    }
}
