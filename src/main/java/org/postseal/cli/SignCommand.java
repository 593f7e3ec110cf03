package org.postseal.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.postseal.dkim.CanonicalizationPair;
import org.postseal.dkim.DkimSigner;
import org.postseal.dkim.SignatureAlgorithm;
import org.postseal.dkim.SignatureSpec;
import org.postseal.dkim.SigningKey;
import org.postseal.dkim.UnsignableMessageException;
import org.postseal.message.MessageFormatException;
import org.postseal.signing.MessageSigning;
import org.postseal.signing.FixedKey;
import org.postseal.signing.KeyRules;
import org.postseal.signing.SignatureTemplate;
import org.postseal.signing.SigningKeys;
import org.postseal.transport.ExitStatus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code postseal sign}: reads a message on stdin and writes it signed to stdout, like dkimpy's {@code dkimsign}
 * (whose positional form {@code SELECTOR DOMAIN KEYFILE} it also accepts). Bare-LF input is signed in the CRLF form
 * an MTA will send, and written back with the line ends it came with.
 */
@Command(name = "sign", mixinStandardHelpOptions = true,
        description = {"Sign a message read on standard input; write it signed to standard output.",
            "Give --domain, --selector and --key, or the dkimsign form SELECTOR DOMAIN KEYFILE.",
            "Repeat --selector/--key to add several signatures (for example RSA and Ed25519)."})
final class SignCommand implements Callable<Integer> {
    @Option(names = {"-d", "--domain"}, paramLabel = "DOMAIN", description = "Signing domain (d=).")
    private String domain;

    @Option(names = {"-s", "--selector"}, paramLabel = "SELECTOR", description = "Selector (s=); repeatable.")
    private List<String> selectors = new ArrayList<>();

    @Option(names = {"-k", "--key"}, paramLabel = "FILE",
            description = "Private key: PKCS#1 or PKCS#8 PEM, Ed25519 PEM or dkimpy's base64 form; repeatable.")
    private List<Path> keys = new ArrayList<>();

    @Option(names = {"-a", "--algorithm"}, paramLabel = "ALGORITHM",
            description = "rsa-sha256 or ed25519-sha256; must match the key (default: the key's own).")
    private String algorithm;

    @Option(names = {"-c", "--canon"}, paramLabel = "HEADER/BODY", defaultValue = "relaxed/relaxed",
            description = "Canonicalization (default: ${DEFAULT-VALUE}).")
    private String canon;

    @Option(names = "--headers", split = ":", paramLabel = "NAME",
            description = "Header fields to sign, colon-separated (default: OpenDKIM's SignHeaders list).")
    private List<String> headers;

    @Option(names = "--oversign", split = ":", paramLabel = "NAME",
            description = "Header fields to oversign (default: From); give an empty value for none.")
    private List<String> oversign;

    @Option(names = {"-i", "--identity"}, paramLabel = "AUID", description = "Agent or user identifier (i=).")
    private String identity;

    @Option(names = {"-x", "--expire"}, paramLabel = "SECONDS", description = "Signature lifetime (x=).")
    private Long expireSeconds;

    @Option(names = "--body-length", description = "Write an l= tag (off by default: it lets others append).")
    private boolean bodyLength;

    @Option(names = {"-v", "--verbose"}, description = "Log what is done on stderr.")
    private boolean verbose;

    @Parameters(arity = "0..3", paramLabel = "SELECTOR DOMAIN KEYFILE",
            description = "dkimsign-compatible positional form.")
    private List<String> positional = new ArrayList<>();

    private final InputStream stdin;
    private final OutputStream stdout;

    SignCommand() {
        this(System.in, System.out);
    }

    SignCommand(InputStream stdin, OutputStream stdout) {
        this.stdin = stdin;
        this.stdout = stdout;
    }

    @Override
    public Integer call() throws IOException {
        List<SignatureSpec> specs = specs();
        try {
            MessageSigning.sign(stdin, stdout, new DkimSigner(Clock.systemUTC()), specs);
        } catch (MessageFormatException | UnsignableMessageException e) {
            throw new CommandFailure(ExitStatus.DATA_ERROR, e.getMessage());
        } catch (GeneralSecurityException e) {
            throw new CommandFailure(ExitStatus.DATA_ERROR, "signing failed: " + e.getMessage());
        }
        return ExitStatus.OK;
    }

    private List<SignatureSpec> specs() {
        if (!positional.isEmpty()) {
            if (positional.size() != 3 || domain != null || !selectors.isEmpty() || !keys.isEmpty()) {
                throw new CommandFailure(ExitStatus.USAGE,
                        "give either SELECTOR DOMAIN KEYFILE or --domain, --selector and --key");
            }
            selectors = List.of(positional.get(0));
            domain = positional.get(1);
            keys = List.of(Path.of(positional.get(2)));
        }
        if (domain == null || selectors.isEmpty() || keys.isEmpty()) {
            throw new CommandFailure(ExitStatus.USAGE, "--domain, --selector and --key are required");
        }
        if (selectors.size() != keys.size()) {
            throw new CommandFailure(ExitStatus.USAGE,
                    "give one --selector per --key (" + selectors.size() + " selectors, " + keys.size() + " keys)");
        }
        CanonicalizationPair canonicalization;
        try {
            canonicalization = CanonicalizationPair.parse(canon);
        } catch (IllegalArgumentException e) {
            throw new CommandFailure(ExitStatus.USAGE, e.getMessage());
        }
        SignatureAlgorithm wanted = null;
        if (algorithm != null) {
            wanted = SignatureAlgorithm.fromTag(algorithm).orElseThrow(() -> new CommandFailure(ExitStatus.USAGE,
                    "--algorithm: " + algorithm + " (expected: rsa-sha256 or ed25519-sha256)"));
            if (keys.size() > 1) {
                throw new CommandFailure(ExitStatus.USAGE, "--algorithm applies to a single --key");
            }
        }
        SignatureTemplate template = new SignatureTemplate(canonicalization,
                headers != null ? nonEmpty(headers) : SignatureSpec.DEFAULT_SIGNED_HEADERS,
                oversign != null ? nonEmpty(oversign) : SignatureSpec.DEFAULT_OVERSIGNED_HEADERS,
                Optional.ofNullable(expireSeconds).map(Duration::ofSeconds), bodyLength);
        KeyRules rules = KeyRules.commandLine(Optional.ofNullable(wanted));
        List<SignatureSpec> specs = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            FixedKey fixed = new FixedKey(domain, selectors.get(i), keys.get(i), Optional.ofNullable(identity));
            SigningKey key = readKey(fixed.keyFile(), rules);
            try {
                specs.add(fixed.spec(key, template));
            } catch (IllegalArgumentException e) {
                throw new CommandFailure(ExitStatus.USAGE, e.getMessage());
            }
        }
        return specs;
    }

    /** A key named on the command line: exit 66 when there is no such file, 65 when it cannot be used. */
    private static SigningKey readKey(Path path, KeyRules rules) {
        if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
            throw new CommandFailure(ExitStatus.NO_INPUT, path + ": no such readable file");
        }
        return CommandFailure.onUnusableKey(ExitStatus.DATA_ERROR, () -> SigningKeys.read(path, rules));
    }

    private static List<String> nonEmpty(List<String> names) {
        return names.stream().map(String::strip).filter(s -> !s.isEmpty()).toList();
    }
}
