package org.postseal.container;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * One of the compose files of {@code docker/} brought up with Debian's podman-compose 1.0.3, under a project name of
 * its own ({@code postseal-it-XXXXXX}), so that its containers ({@code PROJECT_SERVICE_1}), volumes and network
 * never meet a user's. {@link #close} removes all of them: podman-compose 1.0.3's {@code down -v} leaves the
 * network and the containers' anonymous volumes behind.
 */
final class ComposeProject implements AutoCloseable {
    private static final Duration UP_TIMEOUT = Duration.ofMinutes(5);
    private static final Duration COMMAND_TIMEOUT = Duration.ofMinutes(2);

    private final Path file;
    private final String name;
    private final Map<String, String> environment;

    private ComposeProject(Path file, String name, Map<String, String> environment) {
        this.file = file;
        this.name = name;
        this.environment = Map.copyOf(environment);
    }

    /**
     * Runs {@code podman-compose -p NAME -f FILE up -d} with {@code environment} (the compose file's variables) and
     * checks that every service's container is running.
     */
    static ComposeProject up(Path file, Map<String, String> environment, String... services) {
        String name = "postseal-it-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()).substring(2);
        ComposeProject project = new ComposeProject(file, name, environment);
        try {
            ProcessRun.Result up = Podman.compose(environment, UP_TIMEOUT, "-p", name, "-f", file.toString(),
                    "up", "-d");
            for (String service : services) {
                String state = Podman.podman(COMMAND_TIMEOUT, "inspect", "--format", "{{.State.Status}}",
                        project.container(service)).out().strip();
                if (!state.equals("running")) {
                    throw new AssertionError(project.container(service) + " is " + state + " after up:\n"
                            + up.describe() + "\n--- its log\n" + project.logs(service));
                }
            }
            return project;
        } catch (RuntimeException | AssertionError e) {
            project.close();
            throw e;
        }
    }

    /** The container podman-compose made for {@code service}. */
    String container(String service) {
        return name + "_" + service + "_1";
    }

    /** Runs {@code command} in {@code service}'s container, as its user, with {@code stdin}. */
    ProcessRun.Result exec(String service, byte[] stdin, String... command) {
        List<String> args = new ArrayList<>(List.of("exec"));
        if (stdin.length > 0) {
            args.add("-i");
        }
        args.add(container(service));
        args.addAll(Arrays.asList(command));
        return Podman.podman(stdin, COMMAND_TIMEOUT, args.toArray(String[]::new));
    }

    /** What {@code service}'s container wrote on its standard output and error so far. */
    String logs(String service) {
        ProcessRun.Result logs = Podman.podman(COMMAND_TIMEOUT, "logs", container(service));
        return logs.out() + logs.stderr();
    }

    /** Waits until {@code service}'s log has a line matching {@code line}, at least {@code times} times. */
    void awaitLog(String service, Pattern line, int times, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String logs;
        do {
            logs = logs(service);
            if (line.matcher(logs).results().count() >= times) {
                return;
            }
            Thread.sleep(250);
        } while (System.nanoTime() < deadline);
        throw new AssertionError(container(service) + " did not log " + line + " " + times + " time(s) within "
                + timeout + ":\n" + logs);
    }

    /** Stops {@code service}'s container (SIGTERM, then SIGKILL after 10 s). */
    void stop(String service) {
        Podman.podman(COMMAND_TIMEOUT, "stop", container(service)).requireSuccess();
    }

    /** Starts {@code service}'s stopped container again. */
    void start(String service) {
        Podman.podman(COMMAND_TIMEOUT, "start", container(service)).requireSuccess();
    }

    /** The sink service's stored messages, read with {@code podman exec}. */
    MailSink sink(String service) {
        return new MailSink(new MailSink.Reader() {
            @Override
            public List<String> list() {
                String names = exec(service, new byte[0], "ls", MailSink.DIRECTORY).requireSuccess().out();
                return names.lines().filter(line -> !line.isBlank()).toList();
            }

            @Override
            public byte[] read(String file) {
                return exec(service, new byte[0], "cat", MailSink.DIRECTORY + "/" + file).requireSuccess().stdout();
            }
        });
    }

    /** Removes the project's containers with their anonymous volumes, its named volumes and its network. */
    @Override
    public void close() {
        String label = "label=io.podman.compose.project=" + name;
        String containers = Podman.podman(COMMAND_TIMEOUT, "ps", "-a", "-q", "--filter", label).out().strip();
        if (!containers.isEmpty()) {
            List<String> rm = new ArrayList<>(List.of("rm", "--force", "--volumes", "--time", "2"));
            rm.addAll(containers.lines().toList());
            Podman.podman(COMMAND_TIMEOUT, rm.toArray(String[]::new));
        }
        Podman.compose(environment, COMMAND_TIMEOUT, "-p", name, "-f", file.toString(), "down", "-v");
        Podman.podman(COMMAND_TIMEOUT, "volume", "prune", "--force", "--filter", label);
        Podman.podman(COMMAND_TIMEOUT, "network", "rm", "--force", name + "_default");
    }
}
