package org.postseal.interop;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * Real third-party DKIM implementations, installed from Debian 12 packages, asked to verify and to sign messages
 * for interop tests: dkimpy ({@code python3-dkim}), Mail::DKIM ({@code libmail-dkim-perl}) and OpenDKIM
 * ({@code opendkim}: the real milter, driven by {@code miltertest} as Postfix would drive it).
 *
 * <p>Public keys are handed to the peers directly, never through DNS: a map from key name
 * ({@code sel._domainkey.example.com}) to TXT value answers their key queries. Each call runs one of the scripts
 * under {@code src/test/resources/interop/} in a private temporary directory, bounded by {@link #TIMEOUT}.
 *
 * <p>Every method first checks that its peer is installed (see {@link #require(Peer)}): a missing peer skips the
 * test, or fails it when the environment variable {@code CI} is {@code true}. {@code .ci/install-test-deps.sh}
 * installs them all.
 */
public final class Peers {
    /** How long one peer program may run. */
    public static final Duration TIMEOUT = Duration.ofSeconds(60);

    private static final String PYTHON = "/usr/bin/python3";
    private static final String PERL = "/usr/bin/perl";
    private static final String BASH = "/bin/bash";
    private static final List<String> SCRIPTS = List.of(
            "dkimpy_verify.py", "dkimpy_sign.py", "maildkim_verify.pl",
            "opendkim_verify.sh", "opendkim_sign.sh", "opendkim_lib.sh", "opendkim_milter.lua");
    private static final Pattern RESULT_LINE = Pattern.compile("^\\d+ d=\\S* s=\\S* a=\\S* (\\S+)", Pattern.MULTILINE);
    private static final Map<Peer, Optional<String>> MISSING = new EnumMap<>(Peer.class);

    private Peers() {
    }

    /** A third-party program the harness drives, and how to tell that it is installed. */
    public enum Peer {
        /** dkimpy, the Python {@code dkim} module, with PyNaCl for Ed25519. */
        DKIMPY("python3-dkim", PYTHON, "-c", "import dkim, nacl, dns"),
        /** Perl's Mail::DKIM, with the mock resolver that stands in for DNS. */
        MAIL_DKIM("libmail-dkim-perl libnet-dns-resolver-mock-perl",
                PERL, "-MMail::DKIM::Verifier", "-MNet::DNS::Resolver::Mock", "-e", "1"),
        /** The OpenDKIM milter. */
        OPENDKIM("opendkim", "/usr/sbin/opendkim", "-V"),
        /** OpenDKIM's milter test driver, which plays the MTA for OpenDKIM. */
        MILTERTEST("miltertest", "/usr/bin/miltertest", "-V");

        private final String packages;
        private final List<String> probe;

        Peer(String packages, String... probe) {
            this.packages = packages;
            this.probe = List.of(probe);
        }

        /** The Debian package(s) that provide this peer. */
        public String packages() {
            return packages;
        }

        /** The peer called {@code name}, ignoring case and {@code -} for {@code _} ({@code "mail-dkim"}). */
        public static Peer named(String name) {
            String wanted = name.trim().toUpperCase(Locale.ROOT).replace('-', '_');
            for (Peer peer : values()) {
                if (peer.name().equals(wanted)) {
                    return peer;
                }
            }
            throw new IllegalArgumentException(
                    "peer: " + name + " (expected one of: " + Arrays.toString(values()).toLowerCase(Locale.ROOT) + ")");
        }

        /** Why this peer cannot run here, or empty if it can. */
        Optional<String> missing() {
            if (!Files.isExecutable(Path.of(probe.get(0)))) {
                return Optional.of(probe.get(0) + " not found");
            }
            try {
                Process process = new ProcessBuilder(probe)
                        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .redirectError(ProcessBuilder.Redirect.DISCARD)
                        .start();
                if (!process.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly();
                    return Optional.of(String.join(" ", probe) + " timed out");
                }
                if (process.exitValue() != 0) {
                    return Optional.of(String.join(" ", probe) + " exited " + process.exitValue());
                }
                return Optional.empty();
            } catch (IOException e) {
                return Optional.of(String.join(" ", probe) + " cannot run: " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.of(String.join(" ", probe) + " interrupted");
            }
        }
    }

    /**
     * What a peer said about a message: whether every signature passed, how many result lines it printed (one per
     * signature it found) and its whole output.
     *
     * @param allPassed {@code true} if the message has at least one signature and the peer passed all of them
     * @param signatures the number of per-signature result lines in {@code output}
     * @param output one line per signature, {@code INDEX d=DOMAIN s=SELECTOR a=ALGORITHM RESULT [(DETAIL)]}, and
     *     any diagnostics
     */
    public record PeerResult(boolean allPassed, int signatures, String output) {
        /** Checks the values. */
        public PeerResult {
            Objects.requireNonNull(output, "output");
            if (signatures < 0) {
                throw new IllegalArgumentException("signatures: " + signatures + " (expected: >= 0)");
            }
        }

        /** The result word of each signature, top to bottom: {@code pass}, {@code fail}, {@code unsupported}... */
        public List<String> verdicts() {
            List<String> verdicts = new ArrayList<>();
            Matcher line = RESULT_LINE.matcher(output);
            while (line.find()) {
                verdicts.add(line.group(1));
            }
            return List.copyOf(verdicts);
        }

        /** {@code true} if the message has at least one signature and the peer failed every one. */
        public boolean allFailed() {
            return signatures > 0 && verdicts().stream().noneMatch("pass"::equals);
        }

        static PeerResult of(int exitCode, String output) {
            int lines = (int) RESULT_LINE.matcher(output).results().count();
            return new PeerResult(exitCode == 0, lines, output);
        }
    }

    /** Skips the test (fails it when {@code CI=true}) unless the peer {@code name}, as in {@link Peer#named}, runs. */
    public static void requirePeer(String name) {
        require(Peer.named(name));
    }

    /**
     * Returns if {@code peer} can run here. Otherwise the test fails with an {@link AssertionError} naming the
     * missing Debian package when the environment variable {@code CI} is {@code true}, and is skipped with
     * {@link Assumptions#abort} anywhere else.
     */
    public static void require(Peer peer) {
        Optional<String> missing;
        synchronized (MISSING) {
            missing = MISSING.computeIfAbsent(peer, Peer::missing);
        }
        missing.ifPresent(why -> unavailable(peer, why, "true".equals(System.getenv("CI"))));
    }

    static void unavailable(Peer peer, String why, boolean ci) {
        unavailable("interop peer " + peer.name().toLowerCase(Locale.ROOT) + " is missing (" + why
                + "): install Debian package(s) " + peer.packages() + ", e.g. with .ci/install-test-deps.sh", ci);
    }

    /**
     * A real peer a test needs cannot run here: the test fails with {@code message} when the environment variable
     * {@code CI} is {@code true} (a missing install step must not pass), and is skipped anywhere else.
     */
    public static void unavailable(String message) {
        unavailable(message, "true".equals(System.getenv("CI")));
    }

    private static void unavailable(String message, boolean ci) {
        if (ci) {
            throw new AssertionError(message);
        }
        Assumptions.abort(message);
    }

    /** Returns if {@code program} is installed, otherwise {@link #unavailable(String)} naming its Debian package. */
    public static void requireProgram(Path program, String debianPackage) {
        if (!Files.isExecutable(program)) {
            unavailable(program + " is missing: install Debian package " + debianPackage
                    + ", e.g. with .ci/install-test-deps.sh");
        }
    }

    /** Verifies every signature of {@code message} with dkimpy; {@code keyRecords} maps key names to TXT values. */
    public static PeerResult dkimpyVerify(byte[] message, Map<String, String> keyRecords) {
        require(Peer.DKIMPY);
        return verify(message, keyRecords, PYTHON, "dkimpy_verify.py");
    }

    /**
     * Verifies every signature of {@code message} with dkimpy, its key queries sent to the DNS server
     * {@code server} ({@code ADDRESS:PORT}) through dnspython, as {@code dkimverify} sends them to the system's.
     */
    public static PeerResult dkimpyVerifyOverDns(byte[] message, String server) {
        require(Peer.DKIMPY);
        return verify(message, work -> "dns:" + server, PYTHON, "dkimpy_verify.py");
    }

    /**
     * Verifies every signature of {@code message} with Mail::DKIM. Debian 12's Mail::DKIM cannot check Ed25519: such
     * a signature is reported with the verdict {@code unsupported}, and the message does not pass.
     */
    public static PeerResult mailDkimVerify(byte[] message, Map<String, String> keyRecords) {
        require(Peer.MAIL_DKIM);
        return verify(message, keyRecords, PERL, "maildkim_verify.pl");
    }

    /**
     * Verifies every signature of {@code message} with the real OpenDKIM milter ({@code Mode v}, keys from
     * {@code TestPublicKeys}), driven by {@code miltertest} as Postfix would drive it; the verdicts are the
     * {@code dkim=} results of the Authentication-Results header field it adds. A header field without a space
     * after its colon reaches OpenDKIM with one (a {@code miltertest} limitation), which the output notes. As behind
     * Postfix, an empty body reaches OpenDKIM as no body chunk at all, and a body without a final line end reaches
     * it with a CRLF added, which the output notes.
     */
    public static PeerResult openDkimVerify(byte[] message, Map<String, String> keyRecords) {
        require(Peer.OPENDKIM);
        require(Peer.MILTERTEST);
        return verify(message, keyRecords, BASH, "opendkim_verify.sh");
    }

    /**
     * Signs with dkimpy's default header list; see
     * {@link #dkimpySign(byte[], String, String, Path, String, String, List)}.
     */
    public static byte[] dkimpySign(
            byte[] message, String selector, String domain, Path keyFile, String algorithm, String canon) {
        return dkimpySign(message, selector, domain, keyFile, algorithm, canon, List.of());
    }

    /**
     * Signs {@code message} with dkimpy and returns the signed message: dkimpy's DKIM-Signature header field, then
     * {@code message} unchanged.
     *
     * @param keyFile a PEM private key (RSA, or Ed25519 as PKCS#8), or an Ed25519 key as dkimpy's base64 seed
     * @param algorithm {@code rsa-sha256} or {@code ed25519-sha256}
     * @param canon {@code header/body}, for example {@code relaxed/simple}
     * @param headers the header fields to sign, in {@code h=} order; empty for dkimpy's default list
     */
    public static byte[] dkimpySign(byte[] message, String selector, String domain, Path keyFile, String algorithm,
            String canon, List<String> headers) {
        require(Peer.DKIMPY);
        List<String> arguments = new ArrayList<>(List.of(selector, domain, keyFile.toAbsolutePath().toString(),
                algorithm, canon));
        if (!headers.isEmpty()) {
            arguments.add(String.join(":", headers));
        }
        return sign(message, MessageInput.STDIN, PYTHON, "dkimpy_sign.py", arguments);
    }

    /**
     * Signs with OpenDKIM's default SignHeaders; see
     * {@link #openDkimSign(byte[], String, String, Path, String, String, List)}.
     */
    public static byte[] openDkimSign(
            byte[] message, String selector, String domain, Path keyFile, String algorithm, String canon) {
        return openDkimSign(message, selector, domain, keyFile, algorithm, canon, List.of());
    }

    /**
     * Signs {@code message} with the real OpenDKIM milter ({@code Mode s}, {@code OversignHeaders From}), driven
     * by {@code miltertest} as Postfix would drive it, and returns the signed message: the DKIM-Signature header
     * field OpenDKIM asked to insert, its folds turned into the message's line ends, then {@code message}
     * unchanged. Whatever the From: domain, the signature carries {@code d=domain} and {@code s=selector}. With
     * simple header canonicalization a header field without a space after its colon is refused
     * ({@code miltertest} would hand it over with one). As behind Postfix, an empty body reaches OpenDKIM as no body
     * chunk at all, and a body without a final line end reaches it with a CRLF added (the returned message keeps
     * {@code message} as it is).
     *
     * @param keyFile a PEM private key; OpenDKIM 2.11 takes Ed25519 keys only as PKCS#8 PEM
     * @param algorithm {@code rsa-sha256} or {@code ed25519-sha256}
     * @param canon {@code header/body}, for example {@code relaxed/simple}
     * @param signHeaders OpenDKIM's {@code SignHeaders}; empty for its default list
     */
    public static byte[] openDkimSign(byte[] message, String selector, String domain, Path keyFile, String algorithm,
            String canon, List<String> signHeaders) {
        require(Peer.OPENDKIM);
        require(Peer.MILTERTEST);
        List<String> arguments = new ArrayList<>(List.of(selector, domain, keyFile.toAbsolutePath().toString(),
                algorithm, canon));
        if (!signHeaders.isEmpty()) {
            arguments.add(String.join(",", signHeaders));
        }
        return sign(message, MessageInput.FIRST_ARGUMENT, BASH, "opendkim_sign.sh", arguments);
    }

    /** The name of a key record: {@code selector._domainkey.domain}. */
    public static String keyName(String selector, String domain) {
        return selector + "._domainkey." + domain;
    }

    /** A DKIM key record for {@code key}, an RSA or Ed25519 public key: {@code v=DKIM1; k=...; p=...}. */
    public static String keyRecord(PublicKey key) {
        byte[] encoded = key.getEncoded();
        return switch (key.getAlgorithm()) {
            case "RSA" -> "v=DKIM1; k=rsa; p=" + Base64.getEncoder().encodeToString(encoded);
            // the X.509 form of an Ed25519 key ends in the 32 raw bytes that p= carries (RFC 8463 §4.2)
            case "Ed25519", "EdDSA" -> "v=DKIM1; k=ed25519; p=" + Base64.getEncoder()
                    .encodeToString(Arrays.copyOfRange(encoded, encoded.length - 32, encoded.length));
            default -> throw new IllegalArgumentException("key: " + key.getAlgorithm() + " (expected: RSA, Ed25519)");
        };
    }

    /** Writes {@code key} to {@code file} as PKCS#8 PEM, which every peer reads, and returns {@code file}. */
    public static Path writePrivateKey(PrivateKey key, Path file) {
        String pem = "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(key.getEncoded())
                + "\n-----END PRIVATE KEY-----\n";
        try {
            return Files.writeString(file, pem, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static PeerResult verify(byte[] message, Map<String, String> keyRecords, String interpreter,
            String script) {
        String keys = keysFile(keyRecords);
        return verify(message, work -> Files.writeString(work.resolve("keys.txt"), keys, StandardCharsets.UTF_8)
                .toString(), interpreter, script);
    }

    /** A verifying script's second argument, made in its work directory: a keys file, or {@code dns:ADDRESS:PORT}. */
    private interface KeysArgument {
        String in(Path work) throws IOException;
    }

    private static PeerResult verify(byte[] message, KeysArgument keys, String interpreter, String script) {
        Path work = createWorkDirectory();
        try {
            Path messageFile = Files.write(work.resolve("message.eml"), message);
            Run run = run(work, List.of(interpreter, script(script).toString(), messageFile.toString(),
                    keys.in(work)), null);
            String output = run.stdoutText() + run.stderr();
            if (run.exitCode() != 0 && run.exitCode() != 1) {
                throw new IllegalStateException(script + " exited " + run.exitCode() + ":\n" + output);
            }
            return PeerResult.of(run.exitCode(), output);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            delete(work);
        }
    }

    /** How a signing script takes the message. */
    private enum MessageInput {
        STDIN,
        FIRST_ARGUMENT
    }

    private static byte[] sign(byte[] message, MessageInput input, String interpreter, String script,
            List<String> arguments) {
        Path work = createWorkDirectory();
        try {
            Path messageFile = Files.write(work.resolve("message.eml"), message);
            List<String> command = new ArrayList<>(List.of(interpreter, script(script).toString()));
            if (input == MessageInput.FIRST_ARGUMENT) {
                command.add(messageFile.toString());
            }
            command.addAll(arguments);
            Run run = run(work, command, input == MessageInput.STDIN ? messageFile : null);
            if (run.exitCode() != 0) {
                throw new IllegalStateException(script + " exited " + run.exitCode() + ":\n" + run.stderr());
            }
            return run.stdout();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            delete(work);
        }
    }

    private static String keysFile(Map<String, String> keyRecords) {
        StringBuilder keys = new StringBuilder();
        keyRecords.forEach((name, value) -> {
            if (name.isBlank() || name.matches("(?s).*[\\s].*") || value.matches("(?s).*[\\t\\r\\n].*")) {
                throw new IllegalArgumentException("keyRecords: " + name + " -> " + value
                        + " (expected: a name without white space, a value without tab or line break)");
            }
            keys.append(name).append('\t').append(value).append('\n');
        });
        return keys.toString();
    }

    private record Run(int exitCode, byte[] stdout, String stderr) {
        String stdoutText() {
            return new String(stdout, StandardCharsets.UTF_8);
        }
    }

    private static Run run(Path work, List<String> command, Path stdin) throws IOException {
        Path out = work.resolve("stdout");
        Path err = work.resolve("stderr");
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(work.toFile())
                .redirectOutput(out.toFile())
                .redirectError(err.toFile());
        builder.environment().put("TMPDIR", work.toString());
        // the scripts bound their own inner steps by half the harness's limit
        builder.environment().put("INTEROP_TIMEOUT", Long.toString(TIMEOUT.toSeconds() / 2));
        builder.redirectInput(stdin != null ? stdin.toFile() : new File("/dev/null"));
        Process process = builder.start();
        try {
            if (!process.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly().waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                throw new IllegalStateException(String.join(" ", command) + " timed out after " + TIMEOUT + ":\n"
                        + Files.readString(err));
            }
        } catch (InterruptedException e) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + String.join(" ", command), e);
        }
        return new Run(process.exitValue(), Files.readAllBytes(out),
                new String(Files.readAllBytes(err), StandardCharsets.UTF_8));
    }

    private static Path script(String name) {
        return Scripts.DIRECTORY.resolve(name);
    }

    /** The scripts, copied once from the test class path into a directory removed when the JVM exits. */
    private static final class Scripts {
        static final Path DIRECTORY = copy();

        private static Path copy() {
            try {
                Path directory = Files.createTempDirectory("postseal-interop-");
                directory.toFile().deleteOnExit();
                for (String name : SCRIPTS) {
                    try (InputStream in = Peers.class.getResourceAsStream("/interop/" + name)) {
                        if (in == null) {
                            throw new IllegalStateException("missing test resource: /interop/" + name);
                        }
                        Path file = directory.resolve(name);
                        Files.copy(in, file);
                        file.toFile().deleteOnExit();
                    }
                }
                return directory;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static Path createWorkDirectory() {
        try {
            return Files.createTempDirectory("postseal-peer-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void delete(Path directory) {
        try (Stream<Path> files = Files.walk(directory)) {
            files.sorted(Comparator.reverseOrder()).forEach(file -> file.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
