package org.postseal.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.dockerjava.api.model.AccessMode;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Volume;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.postseal.interop.Peers;
import org.postseal.postfix.PostfixInstance;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.Container;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

/**
 * The same images driven through the Docker API with Testcontainers, as a Java project would test its sidecar:
 * against {@code podman system service} here, against a Docker engine where {@code DOCKER_HOST} names one. This
 * time postseal and Postfix share a network instead of a socket volume: Postfix's {@code smtpd_milters} is
 * {@code inet:postseal:8891}, the postseal container's network alias. Mail sent with swaks to Postfix's port
 * published on 127.0.0.1 arrives at the sink signed, and dkimpy verifies it.
 */
class SidecarIT {
    private static final Path SWAKS = Path.of("/usr/bin/swaks");
    private static final Duration STARTUP = Duration.ofSeconds(90);

    @Test
    void postfixSignsThroughThePostsealContainerOnASharedNetwork() throws Exception {
        Podman.require();
        Peers.requireProgram(SWAKS, "swaks");
        Peers.requirePeer("dkimpy");
        Podman.build(ContainerImage.POSTSEAL, ContainerImage.POSTFIX, ContainerImage.SINK);
        try (DockerApiService api = DockerApiService.ensure()) {
            if (!DockerClientFactory.instance().isDockerAvailable()) {
                Peers.unavailable("no Docker API answers at DOCKER_HOST=" + System.getenv("DOCKER_HOST"));
            }
            List<String> milter = List.of("milter", "--opendkim-conf", "/etc/postseal/opendkim.conf",
                    "--listen", "inet:8891@0.0.0.0", "--metrics-listen", "127.0.0.1:9464");
            try (ExampleEtc etc = ExampleEtc.create();
                    Network network = Network.newNetwork();
                    GenericContainer<?> sink = new GenericContainer<>(image(ContainerImage.SINK))
                            .withImagePullPolicy(SidecarIT::neverPull)
                            .withNetwork(network).withNetworkAliases("sink");
                    GenericContainer<?> postseal = new GenericContainer<>(image(ContainerImage.POSTSEAL))
                            .withImagePullPolicy(SidecarIT::neverPull)
                            .withNetwork(network).withNetworkAliases("postseal")
                            // a bind mount, read-only, as a user mounts /etc/postseal (withFileSystemBind would
                            // first run a container to check that binding works at all)
                            .withCreateContainerCmdModifier(create -> create.getHostConfig().withBinds(new Bind(
                                    etc.directory().toString(), new Volume("/etc/postseal"), AccessMode.ro)))
                            .withCommand(milter.toArray(String[]::new))
                            .waitingFor(Wait.forLogMessage(".*postseal milter ready.*\\n", 1)
                                    .withStartupTimeout(STARTUP));
                    GenericContainer<?> postfix = new GenericContainer<>(image(ContainerImage.POSTFIX))
                            .withImagePullPolicy(SidecarIT::neverPull)
                            .withNetwork(network)
                            .withEnv(Map.of("POSTFIX_smtpd_milters", "inet:postseal:8891"))
                            .withExposedPorts(25)
                            .waitingFor(Wait.forLogMessage(".*daemon started.*\\n", 1).withStartupTimeout(STARTUP))) {
                sink.start();
                awaitSmtp(sink, 2525);
                postseal.start();
                int smtpPort = PostfixInstance.freePort();
                postfix.setPortBindings(List.of("127.0.0.1:" + smtpPort + ":25"));
                postfix.start();

                String subject = "testcontainers-" + UUID.randomUUID();
                ProcessRun.run(List.of(SWAKS.toString(), "--server", "127.0.0.1:" + smtpPort,
                        "--from", "me@example.com", "--to", "you@example.org", "--h-Subject", subject,
                        "--timeout", "60"), Map.of(), new byte[0], Duration.ofSeconds(90)).requireSuccess();

                byte[] delivered = sink(sink).awaitMessage(subject, Duration.ofSeconds(60));
                String text = new String(delivered, StandardCharsets.UTF_8);
                List<String> signatures = DeliveredMail.signatures(delivered);
                assertEquals(1, signatures.size(), text);
                assertEquals("example.com", DeliveredMail.tag(signatures.get(0), "d"));
                Peers.PeerResult dkimpy = Peers.dkimpyVerify(delivered, etc.keyRecords());
                assertTrue(dkimpy.allPassed(), () -> dkimpy.output() + "\n" + text);
                assertTrue(postfix.getLogs().contains("status=sent"), postfix::getLogs);
                // the image's HEALTHCHECK: GET /health on the metrics listener
                ProcessRun.Result health = Podman.podman(Duration.ofSeconds(60), "healthcheck", "run",
                        postseal.getContainerId());
                assertEquals(0, health.exitCode(), health::describe);
            }
        }
    }

    private static DockerImageName image(ContainerImage image) {
        return DockerImageName.parse(image.reference());
    }

    /** Never pull: the images were just built here, and no registry is reachable. */
    private static boolean neverPull(DockerImageName image) {
        return false;
    }

    /** Waits until something in {@code container} accepts TCP connections on {@code port}. */
    private static void awaitSmtp(GenericContainer<?> container, int port) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + STARTUP.toNanos();
        Container.ExecResult connect;
        do {
            connect = container.execInContainer("python3", "-c",
                    "import socket; socket.create_connection(('127.0.0.1', " + port + "), 2).close()");
            if (connect.getExitCode() == 0) {
                return;
            }
            Thread.sleep(250);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("nothing listens on port " + port + " in " + container.getContainerName() + ": "
                + connect.getStderr() + "\n" + container.getLogs());
    }

    private static MailSink sink(GenericContainer<?> sink) {
        return new MailSink(new MailSink.Reader() {
            @Override
            public List<String> list() {
                try {
                    Container.ExecResult ls = sink.execInContainer("ls", MailSink.DIRECTORY);
                    if (ls.getExitCode() != 0) {
                        throw new IllegalStateException("ls " + MailSink.DIRECTORY + ": " + ls.getStderr());
                    }
                    return ls.getStdout().lines().filter(line -> !line.isBlank()).toList();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }

            @Override
            public byte[] read(String name) {
                return sink.copyFileFromContainer(MailSink.DIRECTORY + "/" + name, in -> in.readAllBytes());
            }
        });
    }
}
