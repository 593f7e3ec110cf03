package org.postseal.container;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The Docker API that Testcontainers talks to, at {@code DOCKER_HOST} (Maven's failsafe configuration sets it to
 * {@code unix:///run/podman/podman.sock} unless the environment names another engine). When it is a unix socket
 * nothing answers on, {@link #ensure} starts {@code podman system service --time=0} there, with the tests'
 * containers.conf, and {@link #close} stops it; an engine that answers already is used as it is.
 */
final class DockerApiService implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

    private final Process service;
    private final Path log;
    private final Thread stopAtExit;

    private DockerApiService(Process service, Path log) {
        this.service = service;
        this.log = log;
        this.stopAtExit = new Thread(service::destroy, "stop podman system service");
        Runtime.getRuntime().addShutdownHook(stopAtExit);
    }

    private DockerApiService() {
        this.service = null;
        this.log = null;
        this.stopAtExit = null;
    }

    /** Makes sure the API at {@code DOCKER_HOST} answers, starting podman's service there if need be. */
    static DockerApiService ensure() throws IOException, InterruptedException {
        Optional<Path> socket = Optional.ofNullable(System.getenv("DOCKER_HOST"))
                .filter(host -> host.startsWith("unix://"))
                .map(host -> Path.of(host.substring("unix://".length())));
        if (socket.isEmpty() || answers(socket.get())) {
            return new DockerApiService();
        }
        Files.createDirectories(socket.get().getParent());
        Files.deleteIfExists(socket.get());
        Path log = Files.createTempFile("containers-podman-service-", ".log");
        ProcessBuilder builder = new ProcessBuilder("/usr/bin/podman", "system", "service", "--time=0",
                "unix://" + socket.get())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().putAll(Podman.environment());
        DockerApiService started = new DockerApiService(builder.start(), log);
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (!answers(socket.get())) {
            if (System.nanoTime() > deadline || !started.service.isAlive()) {
                String said = Files.readString(log);
                started.close();
                throw new IllegalStateException("podman system service did not answer on " + socket.get() + ":\n"
                        + said);
            }
            Thread.sleep(100);
        }
        return started;
    }

    /** Whether {@code GET /_ping} on the socket gets the Docker API's {@code OK}. */
    private static boolean answers(Path socket) {
        if (!Files.exists(socket)) {
            return false;
        }
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(socket));
            channel.write(ByteBuffer.wrap("GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII)));
            ByteBuffer reply = ByteBuffer.allocate(4096);
            while (reply.hasRemaining() && channel.read(reply) >= 0) {
                // HTTP/1.0: the server closes the connection after the reply
            }
            String text = new String(reply.array(), 0, reply.position(), StandardCharsets.US_ASCII);
            return text.startsWith("HTTP/1.") && text.contains(" 200 ") && text.endsWith("OK");
        } catch (IOException e) {
            return false;
        }
    }

    /** Stops the service if {@link #ensure} started it. */
    @Override
    public void close() throws InterruptedException, IOException {
        if (service != null) {
            service.destroy();
            if (!service.waitFor(10, TimeUnit.SECONDS)) {
                service.destroyForcibly();
            }
            Runtime.getRuntime().removeShutdownHook(stopAtExit);
            Files.deleteIfExists(log);
        }
    }
}
