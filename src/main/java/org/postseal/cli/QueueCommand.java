package org.postseal.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.postseal.smarthost.QueueControl;
import org.postseal.smarthost.Spool;
import org.postseal.smarthost.SpoolLock;
import org.postseal.smarthost.SpooledMessage;
import org.postseal.transport.ExitStatus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code postseal queue list|flush|delete ID --spool DIR}: the smarthost's spool, for the administrator. While a
 * smarthost runs on the spool, flush and delete are carried out by it (it is the spool's only writer); otherwise
 * delete works on the files directly and flush says the messages go when the smarthost starts.
 */
@Command(name = "queue", mixinStandardHelpOptions = true,
        description = {"List, flush (retry now) or delete the messages in the smarthost's spool."})
final class QueueCommand implements Callable<Integer> {
    private static final Duration ANSWER_WAIT = Duration.ofSeconds(15);

    @Parameters(index = "0", paramLabel = "ACTION", description = "list, flush or delete")
    private String action;

    @Parameters(index = "1..*", paramLabel = "ID", description = "Message ids (delete).")
    private List<String> ids = List.of();

    @Option(names = "--spool", paramLabel = "DIR", defaultValue = "/var/spool/postseal",
            description = "The spool directory (default ${DEFAULT-VALUE}).")
    private Path spoolDir;

    @Spec
    private CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (!Files.isDirectory(spoolDir.resolve("queue"))) {
            throw new CommandFailure(ExitStatus.NO_INPUT, spoolDir + " is not a postseal spool");
        }
        Spool spool = Spool.open(spoolDir);
        PrintWriter out = spec.commandLine().getOut();
        switch (action) {
            case "list" -> list(spool, out);
            case "flush" -> flush(out);
            case "delete" -> {
                if (ids.isEmpty()) {
                    throw new CommandFailure(ExitStatus.USAGE, "delete: which message? (an id from 'queue list')");
                }
                int missing = 0;
                for (String id : ids) {
                    missing += delete(spool, id, out) ? 0 : 1;
                }
                return missing == 0 ? ExitStatus.OK : ExitStatus.NO_INPUT;
            }
            default -> throw new CommandFailure(ExitStatus.USAGE, "unknown action " + action
                    + " (expected: list, flush or delete)");
        }
        return ExitStatus.OK;
    }

    private static void list(Spool spool, PrintWriter out) throws IOException {
        List<SpooledMessage> queued = spool.queued();
        List<SpooledMessage> failed = spool.failed();
        Instant now = Instant.now();
        for (SpooledMessage m : queued) {
            out.printf("%s  queued  %s  from=<%s>  to=%s  attempts=%d  next=%s%n", m.id(), m.created(), m.sender(),
                    m.pending(), m.attempts(), m.nextAttempt().isAfter(now) ? m.nextAttempt().toString() : "now");
            m.lastReply().ifPresent(r -> out.printf("    last: %s%n", r));
            m.rejections().forEach(r -> out.printf("    %s%n", r));
        }
        for (SpooledMessage m : failed) {
            out.printf("%s  failed  %s  from=<%s>  attempts=%d%n", m.id(), m.created(), m.sender(), m.attempts());
            m.lastReply().ifPresent(r -> out.printf("    reason: %s%n", r));
            m.outcomes().forEach(o -> out.printf("    %s%n", o));
        }
        out.printf("%d queued, %d failed%n", queued.size(), failed.size());
    }

    private void flush(PrintWriter out) throws IOException, InterruptedException {
        Optional<SpoolLock> lock = SpoolLock.tryAcquire(spoolDir);
        if (lock.isPresent()) {
            lock.get().close();
            out.println("no smarthost is running on " + spoolDir + "; queued messages are tried when it starts");
            return;
        }
        out.println(ask("flush"));
    }

    private boolean delete(Spool spool, String id, PrintWriter out) throws IOException, InterruptedException {
        Optional<SpoolLock> lock = SpoolLock.tryAcquire(spoolDir);
        if (lock.isPresent()) {
            try (SpoolLock held = lock.get()) {
                boolean deleted = spool.delete(id);
                out.println(deleted ? "deleted " + id : "no such message: " + id);
                return deleted;
            }
        }
        String answer = ask("delete-" + id);
        out.println(answer);
        if (answer.startsWith("busy")) {
            throw new CommandFailure(ExitStatus.TEMP_FAIL, answer);
        }
        return answer.startsWith("deleted");
    }

    private String ask(String request) throws IOException, InterruptedException {
        try {
            return new QueueControl(spoolDir).request(request, ANSWER_WAIT).orElseThrow(
                    () -> new CommandFailure(ExitStatus.TEMP_FAIL, "the smarthost on " + spoolDir
                            + " did not answer within " + ANSWER_WAIT.toSeconds() + " s"));
        } catch (IllegalArgumentException e) {
            throw new CommandFailure(ExitStatus.USAGE, "not a message id: " + request.replace("delete-", ""));
        }
    }
}
