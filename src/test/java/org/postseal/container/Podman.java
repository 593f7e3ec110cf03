package org.postseal.container;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.postseal.interop.Peers;

/**
 * This machine's podman, as the container tests drive it: with {@code .ci/podman/containers.conf} (runc, cgroupfs,
 * ulimits root may set, netavark) named by {@code CONTAINERS_CONF}, images built in the Docker format (the OCI format
 * drops {@code HEALTHCHECK}) from the local Debian base image, since no registry is reachable here.
 *
 * <p>{@link #require} checks that podman, podman-compose and the base image are there: a missing one skips the test,
 * or fails it under {@code CI=true} ({@link Peers#unavailable}); {@code .ci/podman-setup.sh} (run by
 * {@code .ci/install-test-deps.sh}) provides all three.
 */
final class Podman {
    /** The Debian 12 image every Dockerfile of {@code docker/} starts from, made by {@code .ci/podman-setup.sh}. */
    static final String BASE_IMAGE = "localhost/debian:bookworm";
    /** The label put on every image the tests build, so that only their own dangling images are pruned. */
    static final String IMAGE_LABEL = "org.postseal.image";

    private static final Path PODMAN = Path.of("/usr/bin/podman");
    private static final Path PODMAN_COMPOSE = Path.of("/usr/bin/podman-compose");
    private static final Duration COMMAND_TIMEOUT = Duration.ofMinutes(2);
    private static final Duration BUILD_TIMEOUT = Duration.ofMinutes(10);
    private static final Set<ContainerImage> BUILT = EnumSet.noneOf(ContainerImage.class);

    private Podman() {
    }

    /** The checkout the tests run in (Maven runs them from its root). */
    static Path repository() {
        Path root = Path.of("").toAbsolutePath();
        if (!Files.isRegularFile(root.resolve("docker/Dockerfile"))) {
            throw new IllegalStateException(root + " is not the repository's root (no docker/Dockerfile)");
        }
        return root;
    }

    /** The environment every podman and podman-compose command gets. */
    static Map<String, String> environment() {
        return Map.of(
                "CONTAINERS_CONF", repository().resolve(".ci/podman/containers.conf").toString(),
                "BUILDAH_FORMAT", "docker");
    }

    /**
     * Returns if podman, podman-compose and the base image are here; otherwise the test is skipped, or fails under
     * {@code CI=true}, naming what to install.
     */
    static void require() {
        Peers.requireProgram(PODMAN, "podman (with .ci/podman-setup.sh)");
        Peers.requireProgram(PODMAN_COMPOSE, "podman-compose (with .ci/podman-setup.sh)");
        if (podman(COMMAND_TIMEOUT, "image", "exists", BASE_IMAGE).exitCode() != 0) {
            Peers.unavailable("the base image " + BASE_IMAGE + " is missing: make it with .ci/podman-setup.sh");
        }
        Path jar = Path.of(System.getProperty("postseal.jar", "target/postseal.jar"));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: run the integration tests with 'mvn verify'");
        }
    }

    /** Runs {@code podman ARGS}, waiting at most {@code timeout}. */
    static ProcessRun.Result podman(Duration timeout, String... args) {
        return podman(new byte[0], timeout, args);
    }

    /** Runs {@code podman ARGS} with {@code stdin}, waiting at most {@code timeout}. */
    static ProcessRun.Result podman(byte[] stdin, Duration timeout, String... args) {
        List<String> command = new ArrayList<>();
        command.add(PODMAN.toString());
        command.addAll(List.of(args));
        return ProcessRun.run(command, environment(), stdin, timeout);
    }

    /** Runs {@code podman-compose ARGS} with {@code environment} added to {@link #environment()}. */
    static ProcessRun.Result compose(Map<String, String> environment, Duration timeout, String... args) {
        List<String> command = new ArrayList<>();
        command.add(PODMAN_COMPOSE.toString());
        command.addAll(List.of(args));
        Map<String, String> all = new HashMap<>(environment());
        all.putAll(environment);
        return ProcessRun.run(command, all, new byte[0], timeout);
    }

    /**
     * Builds {@code images} (and the images they are built on) from this checkout, once per test run, as a user
     * would: {@code podman build --format docker -f DOCKERFILE -t NAME CONTEXT}. Unchanged steps come from podman's
     * layer cache, so only the jar's layer is rebuilt after a change to the code. The images replaced by a build are
     * removed.
     */
    static synchronized void build(ContainerImage... images) {
        for (ContainerImage image : images) {
            image.base().ifPresent(Podman::build);
            if (BUILT.contains(image)) {
                continue;
            }
            Path repository = repository();
            long started = System.nanoTime();
            podman(BUILD_TIMEOUT, "build", "--format", "docker", "--label", IMAGE_LABEL + "=" + image.name(),
                    "-f", image.dockerfile(repository).toString(), "-t", image.reference(),
                    image.context(repository).toString()).requireSuccess();
            System.out.printf("built %s in %.1f s%n", image.reference(), (System.nanoTime() - started) / 1e9);
            BUILT.add(image);
        }
        podman(COMMAND_TIMEOUT, "image", "prune", "--force", "--filter", "label=" + IMAGE_LABEL);
    }
}
