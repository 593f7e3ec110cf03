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
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads one msmtp configuration file into {@link MsmtpAccount}s, line by line, as msmtp 1.8.23's {@code conf.c} does
 * (see {@link MsmtpConfig} for the rules). Used once, by one thread.
 */
final class MsmtpConfigReader {
    /** msmtp reads lines into a 501-byte buffer: with its newline, a line fills 500 bytes at most. */
    static final int MAX_LINE_BYTES = 499;
    /** How long an {@code eval} command may run. */
    static final Duration EVAL_TIMEOUT = Duration.ofSeconds(30);

    private static final Set<String> SYSLOG_FACILITIES = Set.of("LOG_USER", "LOG_MAIL", "LOG_LOCAL0", "LOG_LOCAL1",
            "LOG_LOCAL2", "LOG_LOCAL3", "LOG_LOCAL4", "LOG_LOCAL5", "LOG_LOCAL6", "LOG_LOCAL7");
    private static final Set<String> DSN_CONDITIONS = Set.of("failure", "delay", "success");

    /** A command's value as stored, and the {@code file:line} that set it. */
    private record Setting(String value, String where) {
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
        Optional<MsmtpKey> known = MsmtpKey.of(command);
        if (known.isEmpty()) {
            warnings.at(where, "unknown msmtp command " + command + ": ignored (msmtp 1.8.23 refuses the whole file"
                    + " on it)");
            return;
        }
        MsmtpKey key = known.get();
        String value = check(key, argument, where);
        if (current == null) {
            // msmtp's compatibility with 1.2: settings before any account make the account "default"
            current = newAccount(MsmtpConfig.DEFAULT_ACCOUNT, where, Map.of());
        }
        if (key == MsmtpKey.PASSWORD && secretAt == null) {
            secretAt = where;
        }
        if (key.use() == MsmtpKey.Use.WARNED) {
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
            MsmtpCommand.Result result = MsmtpCommand.run(command, EVAL_TIMEOUT);
            return result.firstLine().orElseThrow(() -> ConfigException.at(where, "eval: cannot read output of '"
                    + command + "' (exit status " + result.exitCode() + ": " + result.stderrLine() + ")"));
        } catch (IOException e) {
            throw ConfigException.at(where, "eval: " + e.getMessage(), e);
        }
    }

    /** Checks an argument as msmtp does and returns the value to store. */
    private String check(MsmtpKey key, String argument, String where) {
        String command = key.command();
        MsmtpKey.Syntax syntax = key.syntax();
        if (syntax.isChoice()) {
            if (syntax.choices().contains(argument)) {
                return argument;
            }
            List<String> expected = new ArrayList<>();
            for (String choice : new TreeSet<>(syntax.choices())) {
                expected.add(choice.isEmpty() ? "nothing" : choice);
            }
            throw invalid(command, argument, where, String.join(", ", expected));
        }
        if (syntax == MsmtpKey.Syntax.TEXT || syntax == MsmtpKey.Syntax.ANYTHING) {
            return argument;
        }
        if (syntax == MsmtpKey.Syntax.REQUIRED) {
            return required(command, argument, where);
        }
        if (syntax == MsmtpKey.Syntax.FILE) {
            return file(key, argument, where);
        }
        if (syntax == MsmtpKey.Syntax.BOOLEAN) {
            return onOff(command, argument, where);
        }
        if (syntax == MsmtpKey.Syntax.FLAG) {
            if (!argument.isEmpty()) {
                throw ConfigException.at(where, "command " + command + " does not take an argument");
            }
            return "off";
        }
        if (syntax == MsmtpKey.Syntax.PORT) {
            return Integer.toString(port(command, required(command, argument, where), where));
        }
        if (syntax == MsmtpKey.Syntax.OPTIONAL_PORT) {
            return argument.isEmpty() ? "" : Integer.toString(port(command, argument, where));
        }
        if (syntax == MsmtpKey.Syntax.OPTIONAL_POSITIVE) {
            return argument.isEmpty() ? "" : Integer.toString(positive(command, argument, where));
        }
        if (syntax == MsmtpKey.Syntax.TIMEOUT) {
            String value = required(command, argument, where);
            return value.equals("off") ? "off" : Integer.toString(positive(command, value, where));
        }
        if (syntax == MsmtpKey.Syntax.PROTOCOL) {
            String value = required(command, argument, where);
            if (value.equals("smtp") || value.equals("lmtp")) {
                return value;
            }
            throw invalid(command, value, where, "smtp or lmtp");
        }
        if (syntax == MsmtpKey.Syntax.AUTH) {
            if (argument.isEmpty() || argument.equals("on") || argument.equals("off")
                    || MsmtpKey.AUTH_METHODS.contains(argument)) {
                return argument.isEmpty() ? "on" : argument;
            }
            throw invalid(command, argument, where, "on, off, or a method: "
                    + String.join(", ", new TreeSet<>(MsmtpKey.AUTH_METHODS)));
        }
        if (syntax == MsmtpKey.Syntax.FINGERPRINT) {
            return argument.isEmpty() ? "" : fingerprint(command, argument, where);
        }
        if (syntax == MsmtpKey.Syntax.SYSLOG) {
            if (argument.isEmpty() || argument.equals("on")) {
                return "LOG_USER";
            }
            if (argument.equals("off")) {
                return "";
            }
            if (SYSLOG_FACILITIES.contains(argument)) {
                return argument;
            }
            throw invalid(command, argument, where, "on, off, LOG_USER, LOG_MAIL or LOG_LOCAL0 to LOG_LOCAL7");
        }
        if (syntax == MsmtpKey.Syntax.DSN_NOTIFY) {
            String value = required(command, argument, where);
            if (value.equals("off") || value.equals("never")) {
                return value;
            }
            Set<String> conditions = new LinkedHashSet<>();
            for (String condition : value.split(",", -1)) {
                if (!DSN_CONDITIONS.contains(condition) || !conditions.add(condition)) {
                    throw invalid(command, value, where, "off, never, or a list of failure, delay, success");
                }
            }
            return value;
        }
        throw new IllegalStateException("syntax " + syntax + " of " + command);
    }

    private static String required(String command, String argument, String where) {
        if (argument.isEmpty()) {
            throw ConfigException.at(where, "command " + command + " needs an argument");
        }
        return argument;
    }

    private static String onOff(String command, String argument, String where) {
        if (argument.isEmpty() || argument.equals("on")) {
            return "on";
        }
        if (argument.equals("off")) {
            return "off";
        }
        throw invalid(command, argument, where, "on, off, or nothing for on");
    }

    private String file(MsmtpKey key, String argument, String where) {
        if (argument.isEmpty() || (key == MsmtpKey.TLS_TRUST_FILE && argument.equals(MsmtpAccount.SYSTEM_TRUST))) {
            return argument;
        }
        String name = argument.startsWith("~") ? System.getProperty("user.home") + argument.substring(1) : argument;
        if (key == MsmtpKey.TLS_TRUST_FILE && !Path.of(name).isAbsolute()) {
            warnings.at(where, "tls_trust_file " + name + " is relative: it is read from the working directory ("
                    + Path.of("").toAbsolutePath() + "), as msmtp reads it, not from the directory of " + file);
        }
        return name;
    }

    private static int port(String command, String argument, String where) {
        long value = strtol(argument);
        if (value < 1 || value > 65535) {
            throw invalid(command, argument, where, "a port number, 1-65535");
        }
        return (int) value;
    }

    private static int positive(String command, String argument, String where) {
        long value = strtol(argument);
        if (value < 1 || value > Integer.MAX_VALUE) {
            throw invalid(command, argument, where, "a positive integer");
        }
        return (int) value;
    }

    /**
     * C's {@code strtol(s, &end, 0)} with nothing left over, as msmtp's {@code get_pos_int}: an optional sign, then
     * {@code 0x} hexadecimal, {@code 0} octal or decimal digits. -1 when malformed or out of range.
     */
    static long strtol(String s) {
        int i = 0;
        boolean negative = false;
        if (i < s.length() && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
            negative = s.charAt(i) == '-';
            i++;
        }
        int radix = 10;
        if (s.startsWith("0x", i) || s.startsWith("0X", i)) {
            if (i + 2 < s.length() && digit(s.charAt(i + 2), 16) >= 0) {
                radix = 16;
                i += 2;
            }
        } else if (s.startsWith("0", i)) {
            radix = 8;
        }
        if (i == s.length()) {
            return -1;
        }
        long value = 0;
        for (; i < s.length(); i++) {
            int digit = digit(s.charAt(i), radix);
            if (digit < 0) {
                return -1;
            }
            value = value * radix + digit;
            if (value > Integer.MAX_VALUE) {
                return -1;
            }
        }
        return negative ? -value : value;
    }

    /** The value of an ASCII digit or letter in {@code radix}, -1 if it is none. */
    private static int digit(char c, int radix) {
        return c < 128 ? Character.digit(c, radix) : -1;
    }

    /** 32 (SHA-256), 20 (SHA-1) or 16 (MD5) hex bytes separated by colons or spaces, as upper case with colons. */
    private static String fingerprint(String command, String argument, String where) {
        int length = argument.length();
        if (length != 32 * 3 - 1 && length != 20 * 3 - 1 && length != 16 * 3 - 1) {
            throw invalid(command, argument, where, "SHA-256 fingerprint, 32 hex bytes separated by colons");
        }
        StringBuilder normalized = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            char c = argument.charAt(i);
            if (i % 3 == 2) {
                if (c != ':' && c != ' ') {
                    throw invalid(command, argument, where, "SHA-256 fingerprint, 32 hex bytes separated by colons");
                }
                normalized.append(':');
            } else {
                if (digit(c, 16) < 0) {
                    throw invalid(command, argument, where, "SHA-256 fingerprint, 32 hex bytes separated by colons");
                }
                normalized.append(Character.toUpperCase(c));
            }
        }
        return normalized.toString();
    }

    private static ConfigException invalid(String command, String argument, String where, String expected) {
        return ConfigException.at(where, "invalid argument '" + argument + "' for command " + command
                + " (expected: " + expected + ")");
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
            MsmtpKey key = MsmtpKey.of(entry.getKey()).orElseThrow();
            if (key.use() != MsmtpKey.Use.USED && !entry.getValue().value().isEmpty()) {
                other.put(entry.getKey(), entry.getValue().value());
            }
        }
        Values values = new Values(settings);
        return new MsmtpAccount(draft.name(), draft.where(),
                values.unlessEmpty("host"),
                values.get("port").map(p -> OptionalInt.of(Integer.parseInt(p))).orElse(OptionalInt.empty()),
                values.get("timeout").filter(t -> !t.equals("off")).map(t -> Duration.ofSeconds(Long.parseLong(t))),
                values.get("protocol").orElse("smtp"),
                values.get("domain").orElse("localhost"),
                values.get("from"),
                values.get("auth").orElse("off"),
                values.unlessEmpty("user"),
                values.unlessEmpty("password"),
                values.unlessEmpty("passwordeval"),
                values.get("tls").orElse("off").equals("on"),
                values.get("tls_starttls").orElse("on").equals("on"),
                values.get("tls_trust_file").orElse(MsmtpAccount.SYSTEM_TRUST),
                values.get("tls_certcheck").orElse("on").equals("on"),
                values.unlessEmpty("tls_fingerprint"),
                values.unlessEmpty("logfile"),
                values.unlessEmpty("syslog"),
                other, origins);
    }

    /** The values an account ends with. */
    private record Values(Map<String, Setting> settings) {
        Optional<String> get(String command) {
            return Optional.ofNullable(settings.get(command)).map(Setting::value);
        }

        Optional<String> unlessEmpty(String command) {
            return get(command).filter(v -> !v.isEmpty());
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
