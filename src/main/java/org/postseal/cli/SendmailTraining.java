package org.postseal.cli;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.postseal.smarthost.SubmissionAnswer;
import org.postseal.transport.ExitStatus;

/**
 * The training run for {@code postseal-sendmail}'s class-data-sharing archive: {@code java
 * -XX:ArchiveClassesAtExit=FILE -cp postseal.jar org.postseal.cli.SendmailTraining}. It submits one message, as
 * PHP does ({@code -t -i}), through {@link SendmailMain} to a stand-in smarthost on a socket in a temporary directory
 * that answers "accepted", so that every class of the client's path, the answer read back included, is loaded and
 * goes into the archive. It needs no running smarthost and sends nothing anywhere; the Debian package's postinst and
 * {@code mvn package} run it. Exits 0 when the client took the stand-in's answer, 70 otherwise.
 */
public final class SendmailTraining {
    private static final byte[] MESSAGE = ("From: \"Training\" <training@example.org>\nTo: nobody@example.org\n"
            + "Subject: postseal-sendmail training run\n\nNot sent anywhere.\n.\n").getBytes(StandardCharsets.UTF_8);

    private SendmailTraining() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        System.exit(train());
    }

    static int train() throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("postseal-sendmail-training");
        Path socket = dir.resolve("smarthost.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            Thread smarthost = new Thread(() -> answerOne(server), "training-smarthost");
            smarthost.setDaemon(true);
            smarthost.start();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int status = SendmailMain.run(SendmailLine.parse(new String[] {"-t", "-i", "--socket", socket.toString()})
                    .orElseThrow(), new ByteArrayInputStream(MESSAGE), Map.of(), new PrintStream(out, true),
                    new PrintStream(err, true));
            smarthost.join(10_000);
            if (status != ExitStatus.OK) {
                System.err.println("postseal sendmail training run: exit " + status + ": " + err);
                return ExitStatus.SOFTWARE;
            }
            return ExitStatus.OK;
        } finally {
            Files.deleteIfExists(socket);
            Files.deleteIfExists(dir);
        }
    }

    /** Reads one request to its end (the header's size: the message follows the blank line) and accepts it. */
    private static void answerOne(ServerSocketChannel server) {
        try (SocketChannel client = server.accept()) {
            ByteArrayOutputStream request = new ByteArrayOutputStream();
            ByteBuffer buffer = ByteBuffer.allocate(4096);
            while (!complete(request.toString(StandardCharsets.UTF_8)) && client.read(buffer.clear()) >= 0) {
                request.write(buffer.array(), 0, buffer.position());
            }
            String answer = new SubmissionAnswer(250, ExitStatus.OK, "training run, not sent").line() + "\n";
            client.write(ByteBuffer.wrap(answer.getBytes(StandardCharsets.UTF_8)));
        } catch (IOException e) {
            // the client reports the missing answer
        }
    }

    private static boolean complete(String request) {
        int end = request.indexOf("\n\n");
        int size = request.indexOf("\nsize: ");
        if (end < 0 || size < 0) {
            return false;
        }
        long expected = Long.parseLong(request.substring(size + 7, request.indexOf('\n', size + 1)));
        return request.length() - end - 2 >= expected;
    }
}
