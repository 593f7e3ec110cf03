package org.postseal.cli;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.postseal.dkim.AuthResult;
import org.postseal.dkim.DkimVerifier;
import org.postseal.dkim.KeyLookupException;
import org.postseal.dkim.KeyRecordLookup;
import org.postseal.dkim.VerificationResult;
import org.postseal.dkim.VerificationSession;
import org.postseal.files.BoundedFile;
import org.postseal.keys.ZoneFileException;
import org.postseal.keys.ZoneFileTxt;
import org.postseal.message.CrlfNormalizer;
import org.postseal.message.HeaderBlock;
import org.postseal.message.MessageFormatException;
import org.postseal.message.MessageReader;
import org.postseal.transport.ExitStatus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code postseal verify}: checks every DKIM-Signature of a message read on stdin and prints one line per signature
 * in Authentication-Results style ({@code dkim=pass header.d=... header.s=...}). Keys come from DNS (the system's
 * resolver, or {@code --nameserver}), or from {@code --key-record} files. Exit 0 only if every signature passed; 1 if
 * any did not (or there was none); 75 if the only problems were temporary (DNS down).
 */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = {"Verify the DKIM signatures of a message read on standard input; keys come",
            "from DNS, or from --key-record files. Prints one line per signature; exits 0",
            "only if all pass, 1 if one fails or there is none, 75 if DNS did not answer."})
final class VerifyCommand implements Callable<Integer> {
    @Option(names = {"-r", "--key-record"}, paramLabel = "FILE",
            description = {"Zone-file TXT records (as genkey writes them) that answer key queries instead of DNS;",
                "repeatable."})
    private List<Path> keyRecords = new ArrayList<>();

    @Mixin
    private DnsOptions dns;

    @Option(names = {"-v", "--verbose"}, description = "Log what is done on stderr.")
    private boolean verbose;

    @Spec
    private CommandSpec spec;

    private final InputStream stdin;

    VerifyCommand() {
        this(System.in);
    }

    VerifyCommand(InputStream stdin) {
        this.stdin = stdin;
    }

    @Override
    public Integer call() throws IOException {
        if (!keyRecords.isEmpty() && dns.hasNameservers()) {
            throw new CommandFailure(ExitStatus.USAGE, "--key-record and --nameserver exclude each other");
        }
        KeyRecordLookup lookup = keyRecords.isEmpty() ? dns.lookup() : fileLookup(keyRecords);
        InputStream in = new BufferedInputStream(stdin, 65536);
        HeaderBlock header;
        try {
            header = MessageReader.readHeader(in, MessageReader.DEFAULT_MAX_HEADER_BYTES);
        } catch (MessageFormatException e) {
            throw new CommandFailure(ExitStatus.DATA_ERROR, e.getMessage());
        }
        VerificationSession session = new DkimVerifier(lookup, Clock.systemUTC()).newSession();
        header.fields().forEach(session::header);
        OutputStream body = CrlfNormalizer.into(session::body);
        in.transferTo(body);
        List<VerificationResult> results = session.finish();
        PrintWriter out = spec.commandLine().getOut();
        if (results.isEmpty()) {
            out.println("dkim=none (message not signed)");
            out.flush();
            return ExitStatus.NOT_VERIFIED;
        }
        for (VerificationResult result : results) {
            out.println(line(result));
        }
        out.flush();
        if (results.stream().allMatch(VerificationResult::passed)) {
            return ExitStatus.OK;
        }
        boolean onlyTemporary = results.stream()
                .allMatch(r -> r.passed() || r.result() == AuthResult.TEMPERROR);
        return onlyTemporary ? ExitStatus.TEMP_FAIL : ExitStatus.NOT_VERIFIED;
    }

    static String line(VerificationResult result) {
        StringBuilder line = new StringBuilder("dkim=").append(result.describe());
        if (!result.domain().isEmpty()) {
            line.append(" header.d=").append(result.domain());
        }
        if (!result.selector().isEmpty()) {
            line.append(" header.s=").append(result.selector());
        }
        result.signature().ifPresent(s -> line.append(" header.a=").append(s.algorithm().tag()));
        return line.toString();
    }

    static KeyRecordLookup fileLookup(List<Path> files) {
        List<ZoneFileTxt.Entry> entries = new ArrayList<>();
        for (Path file : files) {
            if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
                throw new CommandFailure(ExitStatus.NO_INPUT, file + ": no such readable file");
            }
            try {
                entries.addAll(ZoneFileTxt.parse(BoundedFile.read(file, "zone file", BoundedFile.CONFIG_LIMIT)
                        .text()));
            } catch (ZoneFileException e) {
                throw new CommandFailure(ExitStatus.DATA_ERROR, file + ": " + e.getMessage());
            } catch (BoundedFile.Refused e) {
                throw new CommandFailure(ExitStatus.IO_ERROR, file + ": " + e.getMessage());
            }
        }
        return (selector, domain) -> {
            List<String> answers = entries.stream()
                    .filter(e -> e.answers(selector, domain))
                    .map(ZoneFileTxt.Entry::value)
                    .toList();
            if (answers.isEmpty()) {
                throw KeyLookupException.notFound(
                        "no record for " + selector + "._domainkey." + domain + " in the --key-record files");
            }
            return answers;
        };
    }
}
