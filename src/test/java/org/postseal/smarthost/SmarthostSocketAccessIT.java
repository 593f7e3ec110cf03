package org.postseal.smarthost;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postseal.interop.Peers;
import org.postseal.keys.DkimKeyGenerator;
import org.postseal.keys.PrivateKeyWriter;
import org.postseal.transport.ExitStatus;

/**
 * The smarthost signs only for clients the socket lets in (issue 12, "never a signing oracle"): its socket is made
 * {@code root:mail}, mode 0660, and the real client ({@code postseal sendmail}, from the packaged jar) is run as the
 * unprivileged user {@code nobody} with {@code setpriv}: without the group it cannot connect (exit 75, "Permission
 * denied", nothing spooled), with {@code mail} as a supplementary group its message is signed and queued. The
 * upstream server is a closed port, so an accepted message stays in the spool, where the test reads its signature.
 *
 * <p>Needs root and {@code setpriv} (util-linux): skipped without them, failed when {@code CI=true}.
 */
class SmarthostSocketAccessIT {
    private static final String GROUP = "mail";
    private static final String MESSAGE = "To: dst@example.net\nFrom: src@example.org\nSubject: access\n\nhello\n";

    private Path work;
    private Path socket;
    private Path spool;

    @BeforeEach
    void files() throws IOException {
        if (!"root".equals(System.getProperty("user.name"))) {
            Peers.unavailable("SmarthostSocketAccessIT runs clients as nobody with setpriv: run it as root");
        }
        Peers.requireProgram(Path.of("/usr/bin/setpriv"), "util-linux");
        // the client runs as nobody: every directory on the way to the socket must let it through
        work = Files.createTempDirectory(Path.of("/tmp"), "oracle-smarthost");
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxr-xr-x"));
        socket = work.resolve("smarthost.sock");
        spool = work.resolve("spool");
    }

    @AfterEach
    void delete() throws IOException {
        try (Stream<Path> all = Files.walk(work)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    @Test
    void onlyAMemberOfTheSocketsGroupGetsAMessageSigned() throws Exception {
        Path msmtprc = Files.writeString(work.resolve("msmtprc"), String.join("\n", "defaults",
                "account default", "host 127.0.0.1", "port 9", "auth off", "protocol smtp", ""));
        Path key = work.resolve("k.private");
        Files.createFile(key, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(key, PrivateKeyWriter.pem(DkimKeyGenerator.ed25519()));
        try (SmarthostProcess smarthost = new SmarthostProcess(socket, work.resolve("smarthost.log"), List.of(
                "--socket-group", GROUP, "--socket-mode", "0660", "--msmtprc", msmtprc.toString(),
                "--spool", spool.toString(), "--domain", "example.org", "--selector", "s",
                "--key", key.toString())).start()) {
            PosixFileAttributes attributes = Files.readAttributes(socket, PosixFileAttributes.class);
            assertEquals("rw-rw----", PosixFilePermissions.toString(attributes.permissions()));
            assertEquals(GROUP, attributes.group().getName());

            Result outsider = sendmailAsNobody(List.of("--clear-groups"));
            assertEquals(ExitStatus.TEMP_FAIL, outsider.exitCode(), outsider.output());
            assertTrue(outsider.output().contains("cannot reach the smarthost at " + socket
                    + ": Permission denied"), outsider.output());
            assertEquals(List.of(), queued(), "nothing of the outsider's reached the spool");

            Result member = sendmailAsNobody(List.of("--groups", GROUP));
            assertEquals(ExitStatus.OK, member.exitCode(), member.output() + "\n" + smarthost.log());
            List<Path> queued = queued();
            assertEquals(1, queued.size(), smarthost.log());
            String spooled = Files.readString(queued.get(0), StandardCharsets.ISO_8859_1);
            assertTrue(spooled.contains("DKIM-Signature: v=1; a=ed25519-sha256;") && spooled.contains("d=example.org"),
                    "the member's message is signed: " + spooled);
        }
    }

    /** The signed messages in the spool's queue ({@code ID.msg}; each has its {@code ID.env} beside it). */
    private List<Path> queued() throws IOException {
        Path queue = spool.resolve("queue");
        if (!Files.isDirectory(queue)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(queue)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".msg")).toList();
        }
    }

    private record Result(int exitCode, String output) {
    }

    /** {@code postseal sendmail -t -i} from the packaged jar, run as nobody:nogroup with {@code groups}. */
    private Result sendmailAsNobody(List<String> groups) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("setpriv", "--reuid", "nobody", "--regid", "nogroup"));
        command.addAll(groups);
        command.addAll(List.of("java", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-XX:-UsePerfData", "-jar",
                SmarthostProcess.jar().toString(), "sendmail", "--socket", socket.toString(), "-t", "-i"));
        Path output = work.resolve("sendmail-" + System.nanoTime() + ".out");
        ProcessBuilder builder = new ProcessBuilder(command).directory(work.toFile()).redirectErrorStream(true)
                .redirectOutput(output.toFile());
        builder.environment().put("HOME", "/nonexistent");
        Process process = builder.start();
        process.getOutputStream().write(MESSAGE.getBytes(StandardCharsets.UTF_8));
        process.getOutputStream().close();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("postseal sendmail did not finish: " + Files.readString(output));
        }
        return new Result(process.exitValue(), Files.readString(output));
    }
}
