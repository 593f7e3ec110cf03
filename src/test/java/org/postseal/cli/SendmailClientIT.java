package org.postseal.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postseal.transport.ExitStatus;

/**
 * {@code bin/postseal-sendmail} as PHP runs it ({@code sh -c 'cat message | postseal-sendmail -t -i'}), on the lean
 * path ({@link SendmailMain}): with its class-data-sharing archive, without it, and with an archive made for another
 * jar (stale), the same request reaches the smarthost, the same exit code comes back, and nothing is written on
 * stderr or stdout (PHP would log it). The archive, when present, is really used; the lean path loads no picocli,
 * Netty, Logback or HOCON class, while a line it leaves to {@code postseal sendmail} does load picocli.
 *
 * <p>The smarthost here is a stand-in on a unix socket that records the request and answers one line: what the
 * smarthost does with a request is {@code SmarthostPostfixIT}'s subject, which runs this same script.
 */
class SendmailClientIT {
    private static final byte[] MESSAGE = ("To: dst@dst.test\nSubject: lean path\nFrom: \"SRC\" <src@src.test>\n\n"
            + "message\n.\n.leading dot\n").getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path work;

    /** A jar copy in its own directory, with an archive built for it by bin/postseal-sendmail-archive or not. */
    private Path jarIn(String name, boolean archive) throws Exception {
        Path dir = Files.createDirectories(work.resolve(name));
        Path jar = Files.copy(PostsealProcess.jar(), dir.resolve("postseal.jar"), StandardCopyOption.COPY_ATTRIBUTES);
        if (archive) {
            Run build = run(List.of("bin/postseal-sendmail-archive", jar.toString(), archive(jar).toString()), null,
                    new byte[0], "");
            assertEquals(0, build.exit(), build.stderr());
            assertTrue(Files.isRegularFile(archive(jar)), "archive built");
            assertEquals(List.of(archive(jar).getFileName(), jar.getFileName()), listing(dir), "no temporary left");
        }
        return jar;
    }

    private static Path archive(Path jar) {
        return jar.resolveSibling("postseal-sendmail.jsa");
    }

    @Test
    void withTheArchiveWithoutItAndWithAStaleOneTheSameRequestArrivesAndNothingIsPrinted() throws Exception {
        Path cds = jarIn("cds", true);
        Path none = jarIn("none", false);
        Path stale = jarIn("stale", false);
        Files.copy(archive(cds), archive(stale)); // made for another jar file: the JVM refuses it, quietly

        String expected = null;
        for (Path jar : List.of(cds, none, stale)) {
            try (StandIn smarthost = new StandIn(work.resolve(jar.getParent().getFileName() + ".sock"),
                    "250 0 abc123 relayed: 250 2.0.0 Ok")) {
                Run run = sendmail(jar, smarthost.socket, "", "-t", "-i");
                assertEquals(ExitStatus.OK, run.exit(), jar + ": " + run.stderr());
                assertEquals("", run.stderr(), jar + ": nothing for PHP to log");
                assertEquals("", run.stdout(), jar.toString());
                String request = smarthost.request();
                assertTrue(request.startsWith("POSTSEAL-SUBMIT 1\nextract-recipients: yes\nignore-dots: yes\nsize: "
                        + MESSAGE.length + "\n\n"), request);
                assertArrayEquals(MESSAGE, request.substring(request.indexOf("\n\n") + 2)
                        .getBytes(StandardCharsets.UTF_8), "the message, byte for byte");
                if (expected != null) {
                    assertEquals(expected, request, jar + ": the same request");
                }
                expected = request;
            }
        }
    }

    @Test
    void theArchiveIsUsedWhenPresent() throws Exception {
        Path cds = jarIn("used", true);
        try (StandIn smarthost = new StandIn(work.resolve("used.sock"), "250 0 ok")) {
            // -Xshare:on (after the script's -Xshare:auto) makes the JVM fail if it cannot map the archive
            Run run = sendmail(cds, smarthost.socket, "-Xshare:on -Xlog:class+load=info:file=" + work.resolve("cl"),
                    "-t", "-i");
            assertEquals(ExitStatus.OK, run.exit(), run.stderr() + run.stdout());
            String loaded = Files.readString(work.resolve("cl"));
            assertTrue(loaded.contains("org.postseal.cli.SendmailMain source: shared objects file (top)"), loaded);
        }
    }

    @Test
    void refusalsAndAMissingSmarthostGiveTheSameExitAndOneLineWithAndWithoutTheArchive() throws Exception {
        for (Path jar : List.of(jarIn("a", true), jarIn("b", false))) {
            Run missing = sendmail(jar, work.resolve("no-such.sock"), "", "-t", "-i");
            assertEquals(ExitStatus.TEMP_FAIL, missing.exit());
            assertEquals("postseal sendmail: message not accepted, try again later: cannot reach the smarthost at "
                    + work.resolve("no-such.sock") + ": No such file or directory\n", missing.stderr());
            try (StandIn smarthost = new StandIn(work.resolve(jar.getParent().getFileName() + "-r.sock"),
                    "554 69 abc rejected: dst@dst.test: 550 5.1.1 unknown")) {
                Run refused = sendmail(jar, smarthost.socket, "", "-t", "-i");
                assertEquals(ExitStatus.UNAVAILABLE, refused.exit());
                assertEquals("postseal sendmail: abc rejected: dst@dst.test: 550 5.1.1 unknown\n", refused.stderr());
            }
        }
    }

    @Test
    void theLeanPathLoadsNoPicocliNettyLogbackOrHoconButALineItLeavesToPicocliDoes() throws Exception {
        Path jar = jarIn("classes", false);
        try (StandIn smarthost = new StandIn(work.resolve("classes.sock"), "250 0 ok")) {
            Run run = sendmail(jar, smarthost.socket, "-Xlog:class+load=info:file=" + work.resolve("lean"), "-t",
                    "-i", "-f", "bounce@src.test");
            assertEquals(ExitStatus.OK, run.exit(), run.stderr());
        }
        String lean = Files.readString(work.resolve("lean"));
        assertTrue(lean.contains("org.postseal.cli.SendmailMain"), lean);
        for (String heavy : List.of("picocli.", "io.netty.", "ch.qos.logback.", "org.slf4j.", "com.typesafe.")) {
            assertFalse(lean.contains(" " + heavy), heavy + " loaded on the lean path");
        }

        try (StandIn smarthost = new StandIn(work.resolve("picocli.sock"), "250 0 ok")) {
            Run run = sendmail(jar, smarthost.socket, "-Xlog:class+load=info:file=" + work.resolve("picocli"), "-t",
                    "-i", "-q");
            assertEquals(ExitStatus.OK, run.exit(), run.stderr());
            assertEquals("postseal sendmail: ignoring unknown option -q\n", run.stderr());
        }
        assertTrue(Files.readString(work.resolve("picocli")).contains(" picocli.CommandLine "),
                "an unknown option goes to picocli's postseal sendmail");
    }

    private static List<Path> listing(Path dir) throws IOException {
        try (var files = Files.list(dir)) {
            return files.map(Path::getFileName).sorted().collect(Collectors.toList());
        }
    }

    private Run sendmail(Path jar, Path socket, String javaOptions, String... args) throws Exception {
        StringBuilder script = new StringBuilder("cat | bin/postseal-sendmail");
        for (String arg : args) {
            script.append(" '").append(arg).append('\'');
        }
        return run(List.of("sh", "-c", script.toString()), jar, MESSAGE, javaOptions, "POSTSEAL_SOCKET",
                socket.toString());
    }

    private static Run run(List<String> command, Path jar, byte[] stdin, String javaOptions, String... env)
            throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command);
        if (jar != null) {
            builder.environment().put("POSTSEAL_JAR", jar.toString());
        }
        builder.environment().put("POSTSEAL_JAVA_OPTS", javaOptions);
        for (int i = 0; i < env.length; i += 2) {
            builder.environment().put(env[i], env[i + 1]);
        }
        Process p = builder.start();
        CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> readAll(p, false));
        CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readAll(p, true));
        p.getOutputStream().write(stdin);
        p.getOutputStream().close();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(command + " did not finish in 120 s");
        }
        return new Run(p.exitValue(), new String(out.get(), StandardCharsets.UTF_8),
                new String(err.get(), StandardCharsets.UTF_8));
    }

    private static byte[] readAll(Process p, boolean err) {
        try {
            return (err ? p.getErrorStream() : p.getInputStream()).readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private record Run(int exit, String stdout, String stderr) {
    }

    /** A smarthost stand-in: takes one request on a unix socket, keeps it, answers {@code answer}. */
    private static final class StandIn implements AutoCloseable {
        final Path socket;
        private final ServerSocketChannel server;
        private final CompletableFuture<String> request;

        StandIn(Path socket, String answer) throws IOException {
            this.socket = socket;
            server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(socket));
            request = CompletableFuture.supplyAsync(() -> answerOne(answer));
        }

        private String answerOne(String answer) {
            try (SocketChannel client = server.accept()) {
                ByteArrayOutputStream in = new ByteArrayOutputStream();
                ByteBuffer buffer = ByteBuffer.allocate(4096);
                while (!complete(in.toString(StandardCharsets.UTF_8)) && client.read(buffer.clear()) >= 0) {
                    in.write(buffer.array(), 0, buffer.position());
                }
                client.write(ByteBuffer.wrap((answer + "\n").getBytes(StandardCharsets.UTF_8)));
                return in.toString(StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        private static boolean complete(String request) {
            int end = request.indexOf("\n\n");
            int size = request.indexOf("\nsize: ");
            return end >= 0 && size >= 0 && request.length() - end - 2
                    >= Long.parseLong(request.substring(size + 7, request.indexOf('\n', size + 1)));
        }

        String request() throws Exception {
            return request.get(60, TimeUnit.SECONDS);
        }

        @Override
        public void close() throws IOException {
            server.close();
            Files.deleteIfExists(socket);
        }
    }
}
