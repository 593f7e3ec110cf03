package org.postseal.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.postseal.config.SendmailSettings;
import org.postseal.smarthost.SubmissionAnswer;
import org.postseal.smarthost.SubmissionClient;
import org.postseal.transport.ExitStatus;

/**
 * The lean entry point of {@code postseal-sendmail}, what PHP's {@code sendmail_path} runs once per message:
 * {@code java -cp postseal.jar org.postseal.cli.SendmailMain -t -i}. It does what {@code postseal sendmail} does
 * with the smarthost (same options, same protocol, same answers and exit codes), with only what one message needs:
 * a hand-parsed {@link SendmailLine}, the built-in {@link SendmailSettings#defaults()}, and the JDK's unix-domain
 * socket in {@link SubmissionClient}. No picocli, no Netty, no HOCON, no Logback: a JVM that loads a few hundred
 * classes starts in a few tens of milliseconds (docs/BENCHMARKS.md).
 *
 * <p>A command line it does not read plainly ({@code --direct}, {@code -C}, an unknown or repeated option, a
 * {@code -b} mode other than {@code -bm}) goes to {@code postseal sendmail} through {@link Main}, unchanged: slower,
 * never different.
 */
public final class SendmailMain {
    private static final String PREFIX = "postseal sendmail: ";

    private SendmailMain() {
    }

    public static void main(String[] args) {
        Optional<SendmailLine> line;
        try {
            line = SendmailLine.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(PREFIX + e.getMessage());
            System.exit(ExitStatus.USAGE);
            return;
        }
        if (line.isEmpty()) {
            String[] command = new String[args.length + 1];
            command[0] = "sendmail";
            System.arraycopy(args, 0, command, 1, args.length);
            Main.main(command);
            return;
        }
        System.exit(run(line.get(), System.in, System.getenv(), System.out, System.err));
    }

    /** Submits the message on {@code in} as {@code line} asks; returns the exit code. */
    static int run(SendmailLine line, InputStream in, Map<String, String> environment, PrintStream out,
            PrintStream err) {
        try {
            byte[] message;
            try {
                message = in.readAllBytes();
            } catch (IOException e) {
                err.println(PREFIX + "reading the message: " + e.getMessage());
                return ExitStatus.IO_ERROR;
            }
            if (message.length == 0) {
                err.println(PREFIX + "no message on standard input");
                return ExitStatus.DATA_ERROR;
            }
            SendmailSettings settings = SendmailSettings.defaults();
            SubmissionAnswer answer = new SubmissionClient(socket(line, environment, settings), settings.timeout())
                    .submit(line.options(), message);
            if (!answer.accepted()) {
                err.println(PREFIX + answer.text());
            } else if (line.verbose()) {
                out.println(answer.text());
            }
            return answer.exitStatus();
        } catch (RuntimeException e) {
            err.println(PREFIX + "internal error: " + e);
            e.printStackTrace(err);
            return ExitStatus.SOFTWARE;
        }
    }

    /** {@code --socket}, else {@code $POSTSEAL_SOCKET}, else the default: as {@link SendmailCommand} chooses. */
    private static Path socket(SendmailLine line, Map<String, String> environment, SendmailSettings settings) {
        if (line.socket().isPresent()) {
            return line.socket().get();
        }
        String env = environment.get("POSTSEAL_SOCKET");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        return settings.socket();
    }
}
