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
import java.util.Optional;
import java.util.regex.Pattern;
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

    private Spool(Path root) {
        this.root = root;
        this.queue = root.resolve("queue");
        this.failed = root.resolve("failed");
        this.tmp = root.resolve("tmp");
    }

    /**
     * Opens (creating if needed, mode 0700) the spool in {@code root}, and clears what a crash may have left
     * half-written: files in {@code tmp/}, a {@code .msg} without its {@code .env}.
     */
    public static Spool open(Path root) throws IOException {
        Spool spool = new Spool(root);
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
                Files.deleteIfExists(file);
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
                        Files.deleteIfExists(file);
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
                    move(queuedMsg, failed.resolve(id + ".msg"));
                }
                if (Files.deleteIfExists(queuedEnv)) {
                    LOG.info("spool: {} is in failed/; removed its queued record", id);
                }
            }
        }
        forceDirectory(failed);
        forceDirectory(queue);
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
        writeForced(msgTmp, message);
        Path envTmp = tmp.resolve(id + ".env");
        writeForced(envTmp, SpoolRecordFormat.format(record).getBytes(StandardCharsets.UTF_8));
        move(msgTmp, queue.resolve(id + ".msg"));
        move(envTmp, queue.resolve(id + ".env"));
        forceDirectory(queue);
        return record;
    }

    /** Replaces the record of a message that stays where it is. */
    public void update(SpooledMessage record) throws IOException {
        Path dir = dirOf(record.state());
        Path envTmp = tmp.resolve(record.id() + ".env");
        writeForced(envTmp, SpoolRecordFormat.format(record).getBytes(StandardCharsets.UTF_8));
        move(envTmp, dir.resolve(record.id() + ".env"));
        forceDirectory(dir);
    }

    /** Moves a queued message to {@code failed/} with its final record. */
    public SpooledMessage fail(SpooledMessage record, String reason) throws IOException {
        SpooledMessage failedRecord = record.withState(SpooledMessage.State.FAILED, reason);
        Path envTmp = tmp.resolve(record.id() + ".env");
        writeForced(envTmp, SpoolRecordFormat.format(failedRecord).getBytes(StandardCharsets.UTF_8));
        // record first, then bytes, then the queued record: at every step recover() can finish the move
        move(envTmp, failed.resolve(record.id() + ".env"));
        move(queue.resolve(record.id() + ".msg"), failed.resolve(record.id() + ".msg"));
        Files.deleteIfExists(queue.resolve(record.id() + ".env"));
        forceDirectory(failed);
        forceDirectory(queue);
        return failedRecord;
    }

    /** Removes a message whose every recipient is decided and none rejected: it is done. */
    public void remove(SpooledMessage record) throws IOException {
        Path dir = dirOf(record.state());
        Files.deleteIfExists(dir.resolve(record.id() + ".env"));
        Files.deleteIfExists(dir.resolve(record.id() + ".msg"));
        forceDirectory(dir);
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
            if (Files.deleteIfExists(dir.resolve(id + ".env"))) {
                Files.deleteIfExists(dir.resolve(id + ".msg"));
                forceDirectory(dir);
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

    private static void writeForced(Path file, byte[] bytes) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            channel.force(true);
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("spool directories must be on one file system: " + e.getMessage(), e);
        }
    }

    private static void forceDirectory(Path dir) throws IOException {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }
}
