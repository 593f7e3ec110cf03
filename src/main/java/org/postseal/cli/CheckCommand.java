package org.postseal.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.interfaces.RSAPublicKey;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.postseal.config.ConfigException;
import org.postseal.config.MilterSettings;
import org.postseal.config.OpenDkimConf;
import org.postseal.config.SocketSpec;
import org.postseal.config.Warnings;
import org.postseal.dkim.SigningKey;
import org.postseal.keys.RecordBesideKey;
import org.postseal.policy.KeySetup;
import org.postseal.policy.KeyTable;
import org.postseal.policy.SigningCoverage;
import org.postseal.signing.KeyFileAccess;
import org.postseal.signing.SigningKeys;
import org.postseal.transport.ExitStatus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code postseal check}: what the milter will do, said before it does it. Reads the configuration with start-up's
 * own code, noting every bad table line and unusable key instead of stopping at the first, then runs start-up's
 * preparation itself ({@link MilterDaemonCommand#prepare}) so that "valid" means the milter would start. Then it lists
 * what the tables can sign (and what in them never decides), or, for a From address and a client, asks the milter's
 * own signing port and prints the policy's explanation of its decision. Plain lines on stdout; the errors also on
 * stderr, one line each.
 */
@Command(name = "check", mixinStandardHelpOptions = true,
        description = {"Check the milter's configuration as start-up does, and say what it would do with mail and why.",
            "Without --from: every domain the tables sign for, and the lines that can never match.",
            "With --from: signed or not, with which key, and which table line or rule decided it."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {" 0:the milter would start with this configuration (whatever the answer for --from)",
            " 1:--strict, and there are warnings", "64:usage error",
            "78:configuration error: the milter would refuse to start"})
final class CheckCommand implements Callable<Integer> {
    /** The exit code of {@code --strict} when there are warnings. */
    static final int WARNINGS = 1;

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "postseal configuration (HOCON).")
    private Path config;

    @Option(names = "--opendkim-conf", paramLabel = "FILE", description = "An opendkim.conf (and its tables).")
    private Path openDkimConf;

    @Option(names = "--from", paramLabel = "ADDR",
            description = "The From header field of the message to ask about: joe@example.com, or Joe <joe@...>.")
    private String from;

    @Option(names = "--client", paramLabel = "IP[/NAME]",
            description = "The SMTP client: its address and the host name Postfix reports for it (default: "
                    + "localhost [127.0.0.1], as Postfix presents mail from its sendmail command).")
    private String client;

    @Option(names = "--auth", paramLabel = "USER", description = "The client authenticated (SMTP AUTH) as USER.")
    private String auth;

    @Option(names = "--macro", paramLabel = "NAME=VALUE",
            description = "A milter macro Postfix would send, such as daemon_name=ORIGINATING (repeatable).")
    private Map<String, String> macros = new LinkedHashMap<>();

    @Option(names = "--run-as", paramLabel = "USER",
            description = "The user the milter runs as, to check that it can read the keys (default: UserID's "
                    + "user, else the user running check).")
    private String runAs;

    @Option(names = "--strict", description = "Exit 1 when there are warnings.")
    private boolean strict;

    @Spec
    private CommandSpec spec;

    /** {@link #openDkim()}'s answer, once read; null before. */
    private Optional<OpenDkimConf> openDkimRead;

    @Override
    public Integer call() {
        if ((config == null) == (openDkimConf == null)) {
            throw new CommandFailure(ExitStatus.USAGE, "give --config FILE or --opendkim-conf FILE (one of them)");
        }
        MessageCheck question = MessageCheck.of(Optional.ofNullable(client), Optional.ofNullable(auth), macros,
                Optional.ofNullable(from));
        Path file = openDkimConf != null ? openDkimConf : config;
        PrintWriter out = spec.commandLine().getOut();
        out.println("Configuration: " + file + (openDkimConf != null ? " (opendkim.conf)" : " (postseal)"));

        Warnings collected = Warnings.collectingErrors();
        List<String> errors = new ArrayList<>();
        MilterSettings settings = null;
        Optional<String> fatal = Optional.empty();
        try {
            settings = MilterDaemonCommand.readSettings(Optional.ofNullable(config), Optional.ofNullable(openDkimConf),
                    collected);
        } catch (ConfigException e) {
            fatal = Optional.of(e.getMessage());
        }
        errors.addAll(collected.errors());
        fatal.ifPresent(errors::add);
        List<String> warnings = new ArrayList<>(settings != null ? settings.warnings() : collected.list());

        Optional<SigningKeys> keys = Optional.empty();
        if (settings != null && settings.signing()) {
            MilterSettings s = settings;
            keys = Optional.of(SigningKeys.load(s.policy().keys(), s.keyRules(), e -> errors.add(e.getMessage())));
            warnings.addAll(keyWarnings(s, keys.get()));
            if (errors.isEmpty()) {
                warnings.addAll(SigningCoverage.of(s.policy()).warnings()); // lines skipped for errors would mislead
            }
            SigningCoverage.localMailWarning(s.policy()).ifPresent(warnings::add);
        }
        if (settings != null) {
            warnings.addAll(socketWarnings(settings.socket()));
        }
        MilterConfiguration.Prepared prepared = null;
        if (errors.isEmpty()) {
            try {
                prepared = MilterDaemonCommand.prepare(settings);
            } catch (CommandFailure e) {
                errors.add(e.getMessage());
            }
        }

        section(out, "Errors (postseal milter would refuse to start):", errors);
        section(out, "Warnings:", warnings);
        if (!errors.isEmpty()) {
            out.println("Not valid: fix the errors above, then run postseal check again.");
            out.flush();
            PrintWriter err = spec.commandLine().getErr();
            errors.forEach(e -> err.println("postseal check: " + e));
            err.flush();
            return ExitStatus.CONFIG;
        }
        out.println("Valid: postseal milter would start with this configuration (" + prepared.keyCount()
                + " key(s) read and test-signed).");
        summary(out, settings);
        if (question.hasFrom() || client != null || auth != null) {
            question.answer(settings, prepared.signing()).forEach(out::println);
        } else if (settings.signing()) {
            listing(out, SigningCoverage.of(settings.policy()), keys.orElseThrow());
        }
        out.flush();
        return strict && !warnings.isEmpty() ? WARNINGS : ExitStatus.OK;
    }

    private static void section(PrintWriter out, String title, List<String> lines) {
        if (!lines.isEmpty()) {
            out.println(title);
            lines.forEach(line -> out.println("  " + line));
        }
    }

    private void summary(PrintWriter out, MilterSettings settings) {
        String mode = settings.signing() && settings.verifying()
                ? "sv: signs mail from internal and authenticated clients, verifies the rest and adds"
                        + " Authentication-Results"
                : settings.signing() ? "s: signs mail from internal and authenticated clients, verifies nothing"
                : "v: verifies mail and adds Authentication-Results, signs nothing";
        out.println("Mode " + mode + modeOrigin());
        SocketSpec socket = settings.socket();
        out.println("Socket: " + socket + settings.socketMode().stream()
                .mapToObj(m -> String.format(", mode %04o", m)).findFirst().orElse("")
                + settings.socketGroup().map(g -> ", group " + g).orElse(""));
        out.println("  Postfix's main.cf: smtpd_milters = " + socket.postfixSpelling() + " and non_smtpd_milters = "
                + socket.postfixSpelling());
        if (settings.signing()) {
            var internal = settings.policy().internalHosts();
            out.println("Internal hosts: " + String.join(", ", internal.entries())
                    + (internal.source().isEmpty() ? "" : " (" + internal.source() + ")"));
        }
    }

    private String modeOrigin() {
        return openDkim().map(conf -> conf.has("Mode") ? " (" + conf.origin("Mode") + ")"
                : " (no Mode line: OpenDKIM's default)").orElse("");
    }

    /** The opendkim.conf, read once more for what the settings do not keep: where Mode is set. */
    private Optional<OpenDkimConf> openDkim() {
        if (openDkimRead == null) {
            try {
                openDkimRead = Optional.ofNullable(openDkimConf).map(OpenDkimConf::read);
            } catch (ConfigException e) {
                openDkimRead = Optional.empty();
            }
        }
        return openDkimRead;
    }

    /** What the tables can sign, domain by domain, and the lines that never decide. */
    private static void listing(PrintWriter out, SigningCoverage coverage, SigningKeys keys) {
        List<String> domains = new ArrayList<>();
        List<String> never = new ArrayList<>();
        for (SigningCoverage.Rule rule : coverage.rules()) {
            String at = rule.where().isEmpty() ? rule.text() : rule.where() + " '" + rule.text() + "'";
            if (!rule.canMatch()) {
                never.add(at + ": " + rule.neverMatches().orElseThrow());
                continue;
            }
            if (rule.key().isEmpty()) {
                domains.add("(the From domain): the KeyTable key named like it, for " + rule.covers() + "; " + at);
                continue;
            }
            KeyTable.Entry key = rule.key().get();
            boolean fromDomain = key.domain().equals(KeyTable.FROM_DOMAIN);
            String domain = fromDomain ? "(the From domain)" : key.domain();
            Optional<SigningKey> held = keys.held(key.keyFile());
            domains.add(domain + ": s=" + key.selector() + held.map(k -> ", " + k.algorithm().tag() + " with "
                    + (k.publicKey() instanceof RSAPublicKey ? "a " : "an ") + MessageCheck.describe(k)).orElse("")
                    + ", key " + key.keyFile() + ", for " + rule.covers());
            domains.add("    decided by " + (rule.where().isEmpty() ? rule.text() : "SigningTable " + rule.where())
                    + (key.where().isEmpty() ? "" : " and KeyTable " + key.where()));
            held.flatMap(k -> RecordBesideKey.check(Path.of(key.keyFile()), key.selector(),
                    fromDomain ? Optional.empty() : Optional.of(key.domain()), k))
                    .ifPresent(r -> domains.add("    DNS: " + r.file() + " " + r.detail()));
        }
        section(out, "Signing domains:", domains);
        if (domains.isEmpty()) {
            out.println("Signing domains: none: no rule can ever match, nothing will be signed");
        }
        section(out, "Rules that never match:", never);
    }

    /** The keys the milter cannot read as the user it runs as, records beside keys that do not match, short keys. */
    private List<String> keyWarnings(MilterSettings settings, SigningKeys keys) {
        List<String> out = new ArrayList<>();
        String user = runAs != null ? runAs : settings.user().orElse(System.getProperty("user.name"));
        UnixAccounts accounts = UnixAccounts.system();
        for (KeyTable.Entry entry : keyEntries(settings.policy().keys())) {
            if (entry.keyFile().contains(KeyTable.FROM_DOMAIN)) {
                continue;
            }
            String where = entry.where().isEmpty() ? entry.name() : entry.where();
            Path file = Path.of(entry.keyFile());
            if (Files.exists(file)) {
                try {
                    KeyFileAccess.of(file).unreadableBy(user, accounts::groupsOf).ifPresent(problem -> out.add(
                            where + ": the milter runs as " + user + " (" + userOrigin(settings) + ") and cannot read "
                                    + file + ": " + problem));
                } catch (IOException e) {
                    out.add(where + ": " + file + ": " + e.getMessage());
                }
            }
            Optional<SigningKey> key = keys.held(entry.keyFile());
            if (key.isEmpty()) {
                continue;
            }
            if (key.get().publicKey() instanceof RSAPublicKey rsa && rsa.getModulus().bitLength() < 2048) {
                out.add(where + ": " + file + " is a " + rsa.getModulus().bitLength() + "-bit RSA key, the least"
                        + " verifiers accept (RFC 8301); make a 2048-bit key (postseal genkey) and publish it");
            }
            boolean fromDomain = entry.domain().equals(KeyTable.FROM_DOMAIN);
            RecordBesideKey.check(file, entry.selector(), fromDomain ? Optional.empty() : Optional.of(entry.domain()),
                    key.get()).filter(RecordBesideKey::isProblem)
                    .ifPresent(r -> out.add(where + ": " + r.file() + " " + r.detail()));
        }
        return out;
    }

    /** The KeyTable entries, or OpenDKIM's KeyFile as one entry. */
    private static List<KeyTable.Entry> keyEntries(Optional<KeySetup> setup) {
        if (setup.isPresent() && setup.get() instanceof KeySetup.Tables tables) {
            return tables.keyTable().entries();
        }
        if (setup.isPresent() && setup.get() instanceof KeySetup.DomainKey key) {
            return List.of(new KeyTable.Entry("KeyFile", KeyTable.FROM_DOMAIN, key.selector(), key.keyFile()));
        }
        return List.of();
    }

    /** A unix socket in a directory that does not exist cannot be created. */
    private static List<String> socketWarnings(SocketSpec socket) {
        if (!socket.isUnix()) {
            return List.of();
        }
        Path dir = socket.path().orElseThrow().toAbsolutePath().getParent();
        if (dir != null && !Files.isDirectory(dir)) {
            return List.of("Socket " + socket + ": the directory " + dir + " does not exist, so the milter cannot"
                    + " create its socket there; create it, owned by the user the milter runs as, and let Postfix"
                    + " (user postfix) reach it: its group, or UMask 007 with postfix in that group");
        }
        return List.of();
    }

    private String userOrigin(MilterSettings settings) {
        if (runAs != null) {
            return "--run-as";
        }
        return settings.user().isPresent() ? "UserID; give --run-as USER if it runs as another"
                : "the user running check; give --run-as USER for another";
    }
}
