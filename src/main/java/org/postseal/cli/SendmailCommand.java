package org.postseal.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.postseal.config.ConfigException;
import org.postseal.config.SendmailSettings;
import org.postseal.smarthost.SubmissionAnswer;
import org.postseal.smarthost.SubmissionClient;
import org.postseal.sendmail.SendmailOptions;
import org.postseal.transport.ExitStatus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/**
 * {@code postseal sendmail}: what {@code sendmail_path} points to. Reads a message on standard input and hands it to
 * the smarthost (or, with {@code --direct}, signs and relays it itself). Exits 0 only when the message was relayed or
 * safely queued; otherwise a sysexits code and one line on stderr, so that PHP's {@code mail()} returns false
 * instead of losing the message in silence, as the seed's socat chain did.
 */
@Command(name = "sendmail", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
        description = {"Submit a message read on standard input, as sendmail does (sendmail_path = "
                + "\"postseal-sendmail -t -i\")."})
final class SendmailCommand implements Callable<Integer> {
    @Option(names = "-t", description = "Recipients from the To, Cc and Bcc fields (Bcc is removed).")
    private boolean extractRecipients;

    @Option(names = "-i", description = "A line with a single dot does not end the message.")
    private boolean ignoreDots;

    @Option(names = {"-f", "-r"}, paramLabel = "ADDR", description = "Envelope sender (<> for none).")
    private String envelopeFrom;

    @Option(names = "-F", paramLabel = "NAME", description = "Full name for a From field this adds.")
    private String fullName;

    @Option(names = "--read-envelope-from", description = "Envelope sender from the From field (as msmtp).")
    private boolean readEnvelopeFrom;

    @Option(names = "--socket", paramLabel = "PATH", description = "The smarthost's socket (else $POSTSEAL_SOCKET,"
            + " else the configuration, else /run/postseal/smarthost.sock).")
    private Path socket;

    @Option(names = {"-C", "--config"}, paramLabel = "FILE", description = "postseal configuration (HOCON).")
    private Path config;

    @Option(names = "--direct", description = "No smarthost: sign and relay here, with the postseal.smarthost "
            + "settings of --config (msmtprc, keys). A message the server defers is not kept: exit 75.")
    private boolean direct;

    @Option(names = "-o", paramLabel = "OPTION", description = "sendmail -oX options: -oi is -i; others ignored.")
    private List<String> sendmailOptions = new ArrayList<>();

    @Option(names = {"-B", "-N", "-R", "-V", "-X", "-L", "-h", "-O", "-p", "-b", "-e"}, paramLabel = "VALUE",
            hidden = true, description = "Accepted and ignored (sendmail options with a value).")
    private List<String> ignoredWithValue = new ArrayList<>();

    @Option(names = {"-v", "-n", "-U", "-G", "-m", "-x"}, hidden = true,
            description = "Accepted and ignored (sendmail flags).")
    private List<Boolean> ignoredFlags = new ArrayList<>();

    @Unmatched
    private List<String> unknown = new ArrayList<>();

    @Parameters(paramLabel = "RECIPIENT", description = "Recipients (added to those of -t).")
    private List<String> recipients = new ArrayList<>();

    @Spec
    private CommandSpec spec;

    private final InputStream stdin;
    private final Map<String, String> environment;

    SendmailCommand() {
        this(System.in, System.getenv());
    }

    SendmailCommand(InputStream stdin, Map<String, String> environment) {
        this.stdin = stdin;
        this.environment = environment;
    }

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        for (String argument : unknown) {
            err.println("postseal sendmail: ignoring unknown option " + argument);
        }
        for (String mode : ignoredWithValue) {
            if (List.of("s", "p", "d", "t", "v", "i", "D", "P", "h").contains(mode)) {
                // -bs (SMTP on stdin), -bp (mailq)... would change what the command does: refuse clearly
                throw new CommandFailure(ExitStatus.USAGE, "sendmail mode -b" + mode + " is not supported; only "
                        + "-bm (read a message on standard input) is");
            }
        }
        SendmailOptions options = options();
        byte[] message;
        try {
            message = stdin.readAllBytes();
        } catch (IOException e) {
            throw new CommandFailure(ExitStatus.IO_ERROR, "reading the message: " + e.getMessage());
        }
        if (message.length == 0) {
            throw new CommandFailure(ExitStatus.DATA_ERROR, "no message on standard input");
        }
        SubmissionAnswer answer;
        SendmailSettings settings;
        try {
            settings = SendmailSettings.load(Optional.ofNullable(config), Path.of(""));
        } catch (ConfigException e) {
            throw new CommandFailure(ExitStatus.CONFIG, e.getMessage());
        }
        if (direct) {
            answer = DirectSubmission.submit(Optional.ofNullable(config), options, message);
        } else {
            answer = new SubmissionClient(socketPath(settings), settings.timeout()).submit(options, message);
        }
        if (!answer.accepted()) {
            err.println("postseal sendmail: " + answer.text());
            err.flush();
        } else if (spec.commandLine().getParseResult().hasMatchedOption("-v")) {
            spec.commandLine().getOut().println(answer.text());
        }
        return answer.exitStatus();
    }

    /** This command line as {@link SendmailLine} reads it: for the test that both parsers agree. */
    SendmailLine line() {
        return new SendmailLine(options(), Optional.ofNullable(socket),
                spec.commandLine().getParseResult().hasMatchedOption("-v"));
    }

    private SendmailOptions options() {
        boolean dots = ignoreDots || sendmailOptions.contains("i");
        SendmailOptions.Builder builder = SendmailOptions.builder().extractRecipients(extractRecipients)
                .ignoreDots(dots).readEnvelopeFrom(readEnvelopeFrom).recipients(recipients);
        try {
            if (envelopeFrom != null) {
                builder.envelopeFrom(envelopeFrom);
            }
            if (fullName != null) {
                builder.fullName(fullName);
            }
            return builder.build();
        } catch (IllegalArgumentException e) {
            throw new CommandFailure(ExitStatus.USAGE, e.getMessage());
        }
    }

    private Path socketPath(SendmailSettings settings) {
        if (socket != null) {
            return socket;
        }
        String env = environment.get("POSTSEAL_SOCKET");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        return settings.socket();
    }
}
