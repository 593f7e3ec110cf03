package org.postseal.smarthost;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postseal.keys.DkimKeyGenerator;
import org.postseal.keys.PrivateKeyWriter;
import org.postseal.transport.ExitStatus;

/**
 * {@code postseal smarthost} started where something already is at its socket path: a live smarthost is left alone
 * (the second one refuses to start, exit 78), a stale socket is replaced, a file that is not a socket is never
 * removed.
 */
class SmarthostSocketIT {

    @TempDir
    Path work;

    private Path socket;
    private Path msmtprc;
    private Path key;

    @BeforeEach
    void files() throws IOException {
        socket = work.resolve("smarthost.sock");
        msmtprc = Files.writeString(work.resolve("msmtprc"), String.join("\n", "defaults", "account default",
                "host 127.0.0.1", "port 9", "auth off", "protocol smtp", ""));
        key = work.resolve("k.private");
        Files.createFile(key, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(key, PrivateKeyWriter.pem(DkimKeyGenerator.ed25519()));
    }

    private SmarthostProcess smarthost(String name) {
        return new SmarthostProcess(socket, work.resolve(name + ".log"), List.of("--msmtprc", msmtprc.toString(),
                "--spool", work.resolve(name + "-spool").toString(), "--domain", "example.org", "--selector", "s",
                "--key", key.toString()));
    }

    /** Sends a request that is not a submission and returns the smarthost's answer line. */
    private static String answerTo(Path socket) throws IOException {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(socket));
            channel.write(ByteBuffer.wrap("HELLO\n\n".getBytes(StandardCharsets.US_ASCII)));
            ByteBuffer in = ByteBuffer.allocate(512);
            while (channel.read(in) >= 0) {
                // until the smarthost closes
            }
            return new String(in.array(), 0, in.position(), StandardCharsets.UTF_8).strip();
        }
    }

    private static void assertOneLineRefusal(String log, String expected) {
        assertTrue(log.contains("postseal smarthost: " + expected), log);
        assertFalse(log.contains("\tat "), "no stack trace: " + log);
    }

    @Test
    void aSecondSmarthostOnALiveSocketRefusesToStartAndTheFirstStillAnswers() throws Exception {
        try (SmarthostProcess first = smarthost("first").start(); SmarthostProcess second = smarthost("second")) {
            assertTrue(answerTo(socket).startsWith("554 64 bad request"));

            assertEquals(ExitStatus.CONFIG, second.startExpectingFailure(), second.log());

            assertOneLineRefusal(second.log(), socket + " is in use by a running process");
            assertTrue(answerTo(socket).startsWith("554 64 bad request"), "the first smarthost still answers");
        }
    }

    @Test
    void aStaleSocketIsReplaced() throws Exception {
        try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            dead.bind(UnixDomainSocketAddress.of(socket)); // closing does not remove the file: a crashed server's
        }
        assertTrue(Files.exists(socket));

        try (SmarthostProcess smarthost = smarthost("after-crash").start()) {
            assertTrue(answerTo(socket).startsWith("554 64 bad request"));
        }
    }

    @Test
    void aFileThatIsNotASocketIsNeverRemoved() throws Exception {
        Files.writeString(socket, "precious");

        try (SmarthostProcess smarthost = smarthost("file")) {
            assertEquals(ExitStatus.CONFIG, smarthost.startExpectingFailure(), smarthost.log());
            assertOneLineRefusal(smarthost.log(), socket + " exists and is not a socket");
        }
        assertEquals("precious", Files.readString(socket));
    }
}
