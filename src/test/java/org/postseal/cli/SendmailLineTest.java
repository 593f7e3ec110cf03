package org.postseal.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/**
 * {@link SendmailLine}, the hand parser of {@code postseal-sendmail}'s lean path, against {@link SendmailCommand}
 * (picocli), which {@code postseal sendmail} has always used: every line the hand parser reads, it reads as picocli
 * does (options, socket, {@code -v}); every line it leaves alone goes to picocli.
 */
class SendmailLineTest {

    static List<String> plainLines() {
        return List.of("-t -i", "-ti", "-it", "-t -oi", "-t -o i", "-i", "", "-t -i -v", "-tiv",
                "-t -i -f bounce@example.org", "-t -i -fbounce@example.org", "-t -i -r bounce@example.org",
                "-t -i -f <>", "-t -i -f <bounce@example.org>", "-i -F Jean_Dupont -f a@example.org",
                "-i -FJean a@example.org b@example.org", "-t -i --read-envelope-from",
                "-t -i --socket /tmp/x.sock", "-oi -odb -t", "-bm -t -i", "-t -i -X /tmp/log -N never",
                "-i -- a@example.org -weird@example.org", "-t -i -n -U -G -m -x -B 8BITMIME -h 5 -O x -p y -e m",
                "-i a@example.org,b@example.org", "-t -i -v -v", "-t -i -oi -oi", "-t -i -L tag -R hdrs -V envid",
                "-f  -t -i");
    }

    @ParameterizedTest
    @MethodSource("plainLines")
    void readsAPlainLineAsPicocliDoes(String line) {
        String[] args = split(line);
        Optional<SendmailLine> lean = SendmailLine.parse(args);
        assertTrue(lean.isPresent(), "the hand parser reads: " + line);

        SendmailCommand command = new SendmailCommand();
        new CommandLine(command).parseArgs(args);
        SendmailLine picocli = command.line();

        assertEquals(picocli.options().toString(), lean.get().options().toString(), line);
        assertEquals(picocli.socket(), lean.get().socket(), line);
        assertEquals(picocli.verbose(), lean.get().verbose(), line);
    }

    @ParameterizedTest
    @ValueSource(strings = {"-t -t -i", "-t -i -i", "-tt", "-f a@example.org -f b@example.org", "-f a@b -r c@d",
        "-F a -F b", "--direct -t -i", "-C conf -t -i", "--config conf", "--socket=/x -t", "-f=a@b", "-bs", "-bp",
        "-t -i -q", "--help", "-o", "-f", "-f -t", "-tq", "-tf a@b", "--read-envelope-from --read-envelope-from",
        "--socket a --socket b", "- -t", "--version"})
    void leavesEveryOtherLineToPicocli(String line) {
        assertEquals(Optional.empty(), SendmailLine.parse(split(line)), line);
    }

    @ParameterizedTest
    @ValueSource(strings = {"-t -i -F Jean\nDupont", "-t -i -f joe@example.com\r\nRCPT TO:<x@example.org>"})
    void refusesWhatTheOptionsRefuseAsPicocliDoes(String line) {
        String[] args = line.startsWith("-t -i -F") ? new String[] {"-t", "-i", "-F", line.substring(9)}
                : new String[] {"-t", "-i", "-f", line.substring(9)};
        IllegalArgumentException lean = assertThrows(IllegalArgumentException.class, () -> SendmailLine.parse(args));
        SendmailCommand command = new SendmailCommand();
        new CommandLine(command).parseArgs(args);
        CommandFailure picocli = assertThrows(CommandFailure.class, command::line);
        assertEquals(picocli.getMessage(), lean.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"-t -i a@example.org -- -b@example.org", "-i --socket sock"})
    void keepsSocketAndRecipientsAsGiven(String line) {
        SendmailLine lean = SendmailLine.parse(split(line)).orElseThrow();
        if (line.contains("--socket")) {
            assertEquals(Optional.of(Path.of("sock")), lean.socket());
        } else {
            assertEquals(List.of("a@example.org", "-b@example.org"), lean.options().recipients());
        }
    }

    private static String[] split(String line) {
        if (line.isEmpty()) {
            return new String[0];
        }
        return line.split(" ", -1);
    }
}
