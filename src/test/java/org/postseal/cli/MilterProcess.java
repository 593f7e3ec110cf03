package org.postseal.cli;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A {@code postseal milter} process started from the packaged jar as an administrator starts it, with a postseal.conf
 * that listens on a free loopback port and the given settings, optional JVM options (such as {@code -Xmx64m}), and
 * its output in a log file. For the tests that attack or load a real milter process and measure it from outside.
 */
final class MilterProcess implements AutoCloseable {
    private final Process process;
    private final int port;
    private final Path log;

    private MilterProcess(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /**
     * Starts {@code java OPTIONS -jar postseal.jar milter --config DIR/postseal.conf} and waits until it listens.
     *
     * @param settings HOCON lines inside {@code postseal.milter { }}, besides the socket
     */
    static MilterProcess start(Path dir, String settings, String... javaOptions) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path conf = dir.resolve("postseal.conf");
        Files.writeString(conf, "postseal.milter {\n  socket = \"inet:" + port + "@127.0.0.1\"\n" + settings + "\n}\n");
        List<String> command = new ArrayList<>(List.of("java"));
        command.addAll(List.of(javaOptions));
        command.addAll(List.of("-jar", PostsealProcess.jar().toString(), "milter", "--config", conf.toString()));
        Path log = dir.resolve("milter.log");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        MilterProcess milter = new MilterProcess(process, port, log);
        try {
            MilterCommandIT.awaitListening(process, port);
        } catch (Exception | AssertionError e) {
            milter.close();
            throw new AssertionError("the milter did not start:\n" + milter.log(), e);
        }
        return milter;
    }

    long pid() {
        return process.pid();
    }

    int port() {
        return port;
    }

    InetSocketAddress address() {
        return new InetSocketAddress("127.0.0.1", port);
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** What the process has written so far. */
    String log() throws IOException {
        return Files.readString(log, StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
