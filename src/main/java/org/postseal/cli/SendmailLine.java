package org.postseal.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.postseal.sendmail.SendmailOptions;

/**
 * A {@code sendmail} command line as PHP, cron and mail user agents write it ({@code -t -i}, {@code -oi},
 * {@code -f ADDR}, {@code -F NAME}, {@code --read-envelope-from}, {@code --socket PATH}, recipients), parsed by hand
 * for {@link SendmailMain}, so that one message costs no reflection-heavy option parsing.
 *
 * <p>It reads only the lines whose meaning is plain. Anything else (an unknown or repeated option, a value joined
 * with {@code =}, {@code --direct}, {@code -C}, a {@code -b} mode other than {@code -bm}, a missing value) gives
 * {@link #parse} an empty answer, and the caller hands the line to {@code postseal sendmail} ({@link SendmailCommand},
 * picocli), which decides, warns or refuses exactly as it always has. {@code SendmailLineTest} checks that both read
 * every line this one accepts the same way.
 *
 * @param options what changes the message and its envelope
 * @param socket {@code --socket}, when given
 * @param verbose {@code -v}: print the smarthost's answer on standard output when it accepts (as picocli reads
 *     {@link SendmailCommand}'s line, any of the ignored flags {@code -v -n -U -G -m -x} turns it on: they are one
 *     option there)
 */
record SendmailLine(SendmailOptions options, Optional<Path> socket, boolean verbose) {
    /** Short options that take a value, attached ({@code -oi}) or as the next argument ({@code -o i}). */
    private static final String WITH_VALUE = "ofrFBNRVXLhOpbe";
    /** Short flags that may be clustered ({@code -ti}); t and i at most once each. */
    private static final String FLAGS = "tivnUGmx";

    /**
     * Parses a command line (without the {@code sendmail} word).
     *
     * @return empty when the line holds anything this parser leaves to {@link SendmailCommand}
     * @throws IllegalArgumentException for a sender, name or recipient the options refuse (a usage error)
     */
    static Optional<SendmailLine> parse(String[] args) {
        boolean extract = false;
        boolean ignoreDots = false;
        boolean oi = false;
        boolean readEnvelopeFrom = false;
        boolean verbose = false;
        String from = null;
        String fullName = null;
        String socket = null;
        List<String> recipients = new ArrayList<>();
        int i = 0;
        while (i < args.length) {
            String arg = args[i++];
            if (arg.equals("--")) {
                while (i < args.length) {
                    recipients.add(args[i++]);
                }
            } else if (arg.equals("--read-envelope-from")) {
                if (readEnvelopeFrom) {
                    return Optional.empty();
                }
                readEnvelopeFrom = true;
            } else if (arg.equals("--socket")) {
                if (socket != null || i == args.length || args[i].startsWith("-")) {
                    return Optional.empty();
                }
                socket = args[i++];
            } else if (arg.startsWith("--") || arg.indexOf('=') >= 0 && arg.startsWith("-")) {
                return Optional.empty(); // --direct, --config, --socket=..., -f=...: picocli's to read
            } else if (arg.equals("-")) {
                return Optional.empty();
            } else if (arg.isEmpty() || arg.charAt(0) != '-') {
                recipients.add(arg);
            } else if (WITH_VALUE.indexOf(arg.charAt(1)) >= 0) {
                String value;
                if (arg.length() > 2) {
                    value = arg.substring(2);
                } else if (i < args.length && !args[i].startsWith("-")) {
                    value = args[i++];
                } else {
                    return Optional.empty();
                }
                switch (arg.charAt(1)) {
                    case 'o' -> oi |= value.equals("i");
                    case 'f', 'r' -> {
                        if (from != null) {
                            return Optional.empty();
                        }
                        from = value;
                    }
                    case 'F' -> {
                        if (fullName != null) {
                            return Optional.empty();
                        }
                        fullName = value;
                    }
                    case 'b' -> {
                        if (!value.equals("m")) {
                            return Optional.empty();
                        }
                    }
                    default -> {
                        // accepted and ignored, as sendmail's -B, -N, -R, -V, -X, -L, -h, -O, -p, -e
                    }
                }
            } else {
                for (int c = 1; c < arg.length(); c++) {
                    char flag = arg.charAt(c);
                    if (FLAGS.indexOf(flag) < 0 || flag == 't' && extract || flag == 'i' && ignoreDots) {
                        return Optional.empty(); // unknown, or -t or -i twice
                    }
                    extract |= flag == 't';
                    ignoreDots |= flag == 'i';
                    verbose |= flag != 't' && flag != 'i';
                }
            }
        }
        SendmailOptions.Builder builder = SendmailOptions.builder().extractRecipients(extract)
                .ignoreDots(ignoreDots || oi).readEnvelopeFrom(readEnvelopeFrom).recipients(recipients);
        if (from != null) {
            builder.envelopeFrom(from);
        }
        if (fullName != null) {
            builder.fullName(fullName);
        }
        return Optional.of(new SendmailLine(builder.build(),
                socket == null ? Optional.empty() : Optional.of(Path.of(socket)), verbose));
    }
}
