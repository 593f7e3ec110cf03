package org.postseal.config;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Reads one msmtp configuration file into {@link MsmtpAccount}s, line by line, as msmtp 1.8.23's {@code conf.c} does
 * (see {@link MsmtpConfig} for the rules). Used once, by one thread.
 */
final class MsmtpConfigReader {
    /** msmtp reads lines into a 501-byte buffer: with its newline, a line fills 500 bytes at most. */
    static final int MAX_LINE_BYTES = 499;
    /** How long an {@code eval} command may run. */
    static final Duration EVAL_TIMEOUT = Duration.ofSeconds(30);

    /** A directive's value as its {@link MsmtpSyntax} typed it, and the {@code file:line} that set it. */
    private record Setting(Object value, String where) {
    }

    /** An account being read: the defaults it started with, and what it set or inherited since. */
    private record Draft(String name, String where, Map<String, Setting> base, Map<String, Setting> set) {
    }

    private final Path file;
    private final Warnings warnings;
    private final Map<String, Setting> defaults = new HashMap<>();
    private final Map<String, Draft> accounts = new LinkedHashMap<>();
    /** Where settings go now: the defaults, an account's settings, or nothing yet. */
    private Map<String, Setting> current;
    /** The first {@code password} line, which makes the file secret. */
    private String secretAt;

    MsmtpConfigReader(Path file, Warnings warnings) {
        this.file = file;
        this.warnings = warnings;
    }

    MsmtpConfig read() {
        byte[] bytes = ConfigFiles.read(file, file.toString(), "msmtp configuration file", warnings);
        int start = 0;
        int lineNumber = 0;
        while (start < bytes.length) {
            lineNumber++;
            int end = start;
            while (end < bytes.length && bytes[end] != '\n') {
                end++;
            }
            String where = file + ":" + lineNumber;
            if (end - start > MAX_LINE_BYTES) {
                throw ConfigException.at(where, "line longer than " + MAX_LINE_BYTES + " bytes, msmtp's limit");
            }
            int contentEnd = end > start && bytes[end - 1] == '\r' ? end - 1 : end;
            line(decode(bytes, start, contentEnd, where), where, false);
            start = end + 1;
        }
        if (secretAt != null) {
            checkPrivate();
        }
        List<MsmtpAccount> built = new ArrayList<>();
        for (Draft draft : accounts.values()) {
            built.add(build(draft));
        }
        return new MsmtpConfig(file, built);
    }

    private static String decode(byte[] bytes, int from, int to, String where) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, from, to - from))
                    .toString();
        } catch (CharacterCodingException e) {
            throw ConfigException.at(where, "not UTF-8 text", e);
        }
    }

    private void line(String line, String where, boolean evaluated) {
        int i = skipBlanks(line, 0);
        if (i == line.length() || line.charAt(i) == '#') {
            return;
        }
        int commandEnd = i;
        while (commandEnd < line.length() && !isBlank(line.charAt(commandEnd))) {
            commandEnd++;
        }
        String command = line.substring(i, commandEnd);
        String argument = trim(line.substring(commandEnd));
        switch (command) {
            case "defaults":
                if (!argument.isEmpty()) {
                    throw ConfigException.at(where, "command defaults does not take an argument");
                }
                current = defaults;
                return;
            case "account":
                account(argument, where);
                return;
            case "eval":
                if (evaluated) {
                    throw ConfigException.at(where, "eval printed another eval command, which msmtp refuses");
                }
                line(eval(argument, where), where, true);
                return;
            default:
                break;
        }
        Optional<MsmtpDirective> known = MsmtpDirective.of(command);
        if (known.isEmpty()) {
            warnings.at(where, "unknown msmtp command " + command + ": ignored (msmtp 1.8.23 refuses the whole file"
                    + " on it)");
            return;
        }
        MsmtpDirective key = known.get();
        Object value = key.syntax().check(new MsmtpSyntax.Argument(key, argument, file, where,
                warning -> warnings.at(where, warning)));
        if (current == null) {
            // msmtp's compatibility with 1.2: settings before any account make the account "default"
            current = newAccount(MsmtpConfig.DEFAULT_ACCOUNT, where, Map.of());
        }
        if (key == MsmtpDirective.PASSWORD && secretAt == null) {
            secretAt = where;
        }
        if (key.use() == MsmtpDirective.Use.WARNED) {
            warnings.at(where, "msmtp key " + command + " is read but postseal does not use it: " + key.why());
        }
        current.put(key.target().command(), new Setting(value, where));
    }

    private void account(String argument, String where) {
        String name = argument;
        Map<String, Setting> inherited = new HashMap<>();
        int colon = argument.indexOf(':');
        if (colon >= 0) {
            for (String parentName : argument.substring(colon + 1).split(",", -1)) {
                String parent = trim(parentName);
                if (parent.isEmpty()) {
                    throw ConfigException.at(where, "missing account name");
                }
                Draft draft = accounts.get(parent);
                if (draft == null) {
                    throw ConfigException.at(where, "account " + parent + " not (yet) defined");
                }
                inherited.putAll(draft.set());
            }
            name = trim(argument.substring(0, colon));
        }
        if (name.isEmpty()) {
            throw ConfigException.at(where, "missing account name");
        }
        if (name.indexOf(',') >= 0) {
            throw ConfigException.at(where, "an account name must not contain colons or commas");
        }
        if (accounts.containsKey(name)) {
            throw ConfigException.at(where, "account " + name + " was already defined (at "
                    + accounts.get(name).where() + ")");
        }
        current = newAccount(name, where, inherited);
    }

    private Map<String, Setting> newAccount(String name, String where, Map<String, Setting> inherited) {
        Draft draft = new Draft(name, where, new HashMap<>(defaults), new HashMap<>(inherited));
        accounts.put(name, draft);
        return draft.set();
    }

    private String eval(String command, String where) {
        if (command.isEmpty()) {
            throw ConfigException.at(where, "command eval needs an argument");
        }
        try {
            ShellCommand.Result result = ShellCommand.run(command, EVAL_TIMEOUT);
            return result.firstLine().orElseThrow(() -> ConfigException.at(where, "eval: cannot read output of '"
                    + command + "' (exit status " + result.exitCode() + ": " + result.stderrLine() + ")"));
        } catch (IOException e) {
            throw ConfigException.at(where, "eval: " + e.getMessage(), e);
        }
    }

    /** msmtp's {@code get_pos_int} before its range check: {@link Strtol#parse}, -1 when malformed. */
    static long strtol(String s) {
        return Strtol.parse(s).orElse(-1);
    }

    private void checkPrivate() {
        Set<PosixFilePermission> permissions;
        try {
            permissions = Files.getPosixFilePermissions(file);
        } catch (UnsupportedOperationException e) {
            return; // not a POSIX file system: nothing msmtp could check either
        } catch (IOException e) {
            throw ConfigException.at(file.toString(), "cannot read the permissions: " + e.getMessage(), e);
        }
        Set<PosixFilePermission> extra = EnumSet.noneOf(PosixFilePermission.class);
        extra.addAll(permissions);
        extra.removeAll(EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));
        if (!extra.isEmpty()) {
            throw ConfigException.at(secretAt, "the file contains a password and therefore must have no more than"
                    + " user read/write permissions, as msmtp requires (mode " + mode(permissions) + "; chmod 600 "
                    + file + ", or use passwordeval)");
        }
        String user = System.getProperty("user.name");
        if (!"root".equals(user)) {
            try {
                String owner = Files.getOwner(file).getName();
                if (!owner.equals(user)) {
                    throw ConfigException.at(secretAt, "the file contains a password and therefore must be owned by"
                            + " the user reading it, as msmtp requires (owner " + owner + ", user " + user + ")");
                }
            } catch (IOException e) {
                throw ConfigException.at(file.toString(), "cannot read the owner: " + e.getMessage(), e);
            }
        }
    }

    private static String mode(Set<PosixFilePermission> permissions) {
        int mode = 0;
        for (PosixFilePermission permission : permissions) {
            mode |= 1 << (8 - permission.ordinal());
        }
        return String.format("%04o", mode);
    }

    private MsmtpAccount build(Draft draft) {
        Map<String, Setting> settings = new HashMap<>(draft.base());
        settings.putAll(draft.set());
        Map<String, String> other = new HashMap<>();
        Map<String, String> origins = new HashMap<>();
        for (Map.Entry<String, Setting> entry : settings.entrySet()) {
            origins.put(entry.getKey(), entry.getValue().where());
            MsmtpDirective directive = MsmtpDirective.of(entry.getKey()).orElseThrow();
            String text = MsmtpSyntax.text(entry.getValue().value());
            if (directive.use() != MsmtpDirective.Use.USED && !text.isEmpty()) {
                other.put(entry.getKey(), text);
            }
        }
        Values values = new Values(settings);
        return new MsmtpAccount(draft.name(), draft.where(),
                values.unlessEmpty(MsmtpDirective.HOST),
                values.get(MsmtpDirective.PORT, Integer.class).map(OptionalInt::of).orElse(OptionalInt.empty()),
                values.get(MsmtpDirective.TIMEOUT, Duration.class).filter(t -> !t.isZero()),
                values.text(MsmtpDirective.PROTOCOL).orElse("smtp"),
                values.text(MsmtpDirective.DOMAIN).orElse("localhost"),
                values.text(MsmtpDirective.FROM),
                values.text(MsmtpDirective.AUTH).orElse("off"),
                values.unlessEmpty(MsmtpDirective.USER),
                values.unlessEmpty(MsmtpDirective.PASSWORD),
                values.unlessEmpty(MsmtpDirective.PASSWORDEVAL),
                values.get(MsmtpDirective.TLS, Boolean.class).orElse(false),
                values.get(MsmtpDirective.TLS_STARTTLS, Boolean.class).orElse(true),
                values.text(MsmtpDirective.TLS_TRUST_FILE).orElse(MsmtpAccount.SYSTEM_TRUST),
                values.get(MsmtpDirective.TLS_CERTCHECK, Boolean.class).orElse(true),
                values.unlessEmpty(MsmtpDirective.TLS_FINGERPRINT),
                values.unlessEmpty(MsmtpDirective.LOGFILE),
                values.unlessEmpty(MsmtpDirective.SYSLOG),
                other, origins);
    }

    /** The values an account ends with, as their directives' syntax typed them. */
    private record Values(Map<String, Setting> settings) {
        <T> Optional<T> get(MsmtpDirective directive, Class<T> type) {
            return Optional.ofNullable(settings.get(directive.command())).map(s -> type.cast(s.value()));
        }

        Optional<String> text(MsmtpDirective directive) {
            return get(directive, String.class);
        }

        Optional<String> unlessEmpty(MsmtpDirective directive) {
            return text(directive).filter(v -> !v.isEmpty());
        }
    }

    private static boolean isBlank(char c) {
        return c == ' ' || c == '\t';
    }

    private static int skipBlanks(String s, int from) {
        int i = from;
        while (i < s.length() && isBlank(s.charAt(i))) {
            i++;
        }
        return i;
    }

    /** msmtp's {@code trim_string}: blanks off both ends, then one pair of enclosing double quotes. */
    static String trim(String s) {
        int start = skipBlanks(s, 0);
        int end = s.length();
        while (end > start && isBlank(s.charAt(end - 1))) {
            end--;
        }
        if (end - start >= 2 && s.charAt(start) == '"' && s.charAt(end - 1) == '"') {
            return s.substring(start + 1, end - 1);
        }
        return s.substring(start, end);
    }
}
