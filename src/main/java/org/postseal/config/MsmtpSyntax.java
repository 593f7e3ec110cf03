package org.postseal.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * How msmtp 1.8.23 checks the argument of a {@link MsmtpDirective}, each constant with its check: it refuses what
 * msmtp refuses, with the message {@code invalid argument 'X' for command C (expected: ...)}, and returns the value
 * typed once ({@link String}, {@link Boolean}, {@link Integer}, {@link OptionalInt} or {@link Duration}, as each
 * constant says), so that nothing parses {@code on} or a number again later.
 */
enum MsmtpSyntax {
    /** Any argument, the empty one too: the text. */
    TEXT {
        @Override
        Object check(Argument a) {
            return a.text();
        }
    },
    /** Anything at all, not even checked by msmtp: the text. */
    ANYTHING {
        @Override
        Object check(Argument a) {
            return a.text();
        }
    },
    /** A non-empty argument: the text. */
    REQUIRED {
        @Override
        Object check(Argument a) {
            return a.required();
        }
    },
    /** A file name: {@code ~} is replaced by the home directory; empty unsets. The name. */
    FILE {
        @Override
        Object check(Argument a) {
            return a.text().isEmpty() ? "" : homeExpanded(a.text());
        }
    },
    /**
     * {@code tls_trust_file}: {@code system}, empty, or a file name as for {@link #FILE}, with a warning when it is
     * relative (msmtp reads it from the working directory). The name.
     */
    TRUST_FILE {
        @Override
        Object check(Argument a) {
            if (a.text().isEmpty() || a.text().equals(MsmtpAccount.SYSTEM_TRUST)) {
                return a.text();
            }
            String name = homeExpanded(a.text());
            if (!Path.of(name).isAbsolute()) {
                a.warn().accept("tls_trust_file " + name + " is relative: it is read from the working directory ("
                        + Path.of("").toAbsolutePath() + "), as msmtp reads it, not from the directory of "
                        + a.file());
            }
            return name;
        }
    },
    /** {@code on}, {@code off}, or nothing (on): a {@link Boolean}. */
    BOOLEAN {
        @Override
        Object check(Argument a) {
            if (a.text().isEmpty() || a.text().equals("on")) {
                return Boolean.TRUE;
            }
            if (a.text().equals("off")) {
                return Boolean.FALSE;
            }
            throw a.invalid("on, off, or nothing for on");
        }
    },
    /** No argument at all: {@link Boolean#FALSE}, the value it gives the directive it stands for. */
    FLAG {
        @Override
        Object check(Argument a) {
            if (!a.text().isEmpty()) {
                throw ConfigException.at(a.where(), "command " + a.command() + " does not take an argument");
            }
            return Boolean.FALSE;
        }
    },
    /** A port number 1-65535, as {@link Strtol} reads it: an {@link Integer}. */
    PORT {
        @Override
        Object check(Argument a) {
            a.required();
            return port(a);
        }
    },
    /** Empty, or a port number: an {@link OptionalInt}. */
    OPTIONAL_PORT {
        @Override
        Object check(Argument a) {
            return a.text().isEmpty() ? OptionalInt.empty() : OptionalInt.of(port(a));
        }
    },
    /** Empty, or a positive integer: an {@link OptionalInt}. */
    OPTIONAL_POSITIVE {
        @Override
        Object check(Argument a) {
            return a.text().isEmpty() ? OptionalInt.empty() : OptionalInt.of(positive(a));
        }
    },
    /** {@code off} or a positive number of seconds: a {@link Duration}, {@link Duration#ZERO} for off. */
    TIMEOUT {
        @Override
        Object check(Argument a) {
            return a.required().equals("off") ? Duration.ZERO : Duration.ofSeconds(positive(a));
        }
    },
    /** {@code smtp} or {@code lmtp}: the text. */
    PROTOCOL {
        @Override
        Object check(Argument a) {
            if (a.required().equals("smtp") || a.text().equals("lmtp")) {
                return a.text();
            }
            throw a.invalid("smtp or lmtp");
        }
    },
    /** {@code on}, {@code off}, nothing (on), or a method name: the text, {@code on} for nothing. */
    AUTH {
        @Override
        Object check(Argument a) {
            if (a.text().isEmpty() || a.text().equals("on") || a.text().equals("off")
                    || AUTH_METHODS.contains(a.text())) {
                return a.text().isEmpty() ? "on" : a.text();
            }
            throw a.invalid("on, off, or a method: " + String.join(", ", new TreeSet<>(AUTH_METHODS)));
        }
    },
    /**
     * Empty, or hex bytes separated by colons or spaces: 32 (SHA-256), 20 (SHA-1) or 16 (MD5). The text, upper case
     * with colons.
     */
    FINGERPRINT {
        @Override
        Object check(Argument a) {
            String text = a.text();
            int length = text.length();
            if (length == 0) {
                return "";
            }
            if (length != 32 * 3 - 1 && length != 20 * 3 - 1 && length != 16 * 3 - 1) {
                throw a.invalid(FINGERPRINT_EXPECTED);
            }
            StringBuilder normalized = new StringBuilder(length);
            for (int i = 0; i < length; i++) {
                char c = text.charAt(i);
                boolean separator = i % 3 == 2;
                if (separator ? c != ':' && c != ' ' : Strtol.digit(c, 16) < 0) {
                    throw a.invalid(FINGERPRINT_EXPECTED);
                }
                normalized.append(separator ? ':' : Character.toUpperCase(c));
            }
            return normalized.toString();
        }
    },
    /**
     * {@code on}, {@code off}, nothing, or a facility {@code LOG_USER}, {@code LOG_MAIL}, {@code LOG_LOCAL0-7}: the
     * facility, {@code LOG_USER} for on and nothing, empty for off.
     */
    SYSLOG {
        @Override
        Object check(Argument a) {
            if (a.text().isEmpty() || a.text().equals("on")) {
                return "LOG_USER";
            }
            if (a.text().equals("off")) {
                return "";
            }
            if (SYSLOG_FACILITIES.contains(a.text())) {
                return a.text();
            }
            throw a.invalid("on, off, LOG_USER, LOG_MAIL or LOG_LOCAL0 to LOG_LOCAL7");
        }
    },
    /** {@code off}, {@code never}, or a comma list of {@code failure}, {@code delay}, {@code success}: the text. */
    DSN_NOTIFY {
        @Override
        Object check(Argument a) {
            String value = a.required();
            if (value.equals("off") || value.equals("never")) {
                return value;
            }
            Set<String> conditions = new LinkedHashSet<>();
            for (String condition : value.split(",", -1)) {
                if (!DSN_CONDITIONS.contains(condition) || !conditions.add(condition)) {
                    throw a.invalid("off, never, or a list of failure, delay, success");
                }
            }
            return value;
        }
    },
    /** One of the directive's {@link MsmtpDirective#choices()} exactly ({@code ""} allows nothing): the text. */
    CHOICE {
        @Override
        Object check(Argument a) {
            Set<String> choices = a.directive().choices();
            if (choices.contains(a.text())) {
                return a.text();
            }
            List<String> expected = new ArrayList<>();
            for (String choice : new TreeSet<>(choices)) {
                expected.add(choice.isEmpty() ? "nothing" : choice);
            }
            throw a.invalid(String.join(", ", expected));
        }
    };

    /** The auth methods msmtp 1.8.23 knows, besides on and off. */
    static final Set<String> AUTH_METHODS = Set.of("plain", "scram-sha-1", "scram-sha-256", "external", "gssapi",
            "cram-md5", "digest-md5", "login", "ntlm", "oauthbearer", "xoauth2");
    private static final Set<String> SYSLOG_FACILITIES = Set.of("LOG_USER", "LOG_MAIL", "LOG_LOCAL0", "LOG_LOCAL1",
            "LOG_LOCAL2", "LOG_LOCAL3", "LOG_LOCAL4", "LOG_LOCAL5", "LOG_LOCAL6", "LOG_LOCAL7");
    private static final Set<String> DSN_CONDITIONS = Set.of("failure", "delay", "success");
    private static final String FINGERPRINT_EXPECTED = "SHA-256 fingerprint, 32 hex bytes separated by colons";

    /**
     * One argument to check.
     *
     * @param directive the directive it was given to
     * @param text the argument, trimmed as msmtp trims it
     * @param file the configuration file being read
     * @param where {@code file:line}, for messages
     * @param warn takes a warning about the argument
     */
    record Argument(MsmtpDirective directive, String text, Path file, String where, Consumer<String> warn) {
        String command() {
            return directive.command();
        }

        /** The text, refused when empty. */
        String required() {
            if (text.isEmpty()) {
                throw ConfigException.at(where, "command " + command() + " needs an argument");
            }
            return text;
        }

        ConfigException invalid(String expected) {
            return ConfigException.at(where, "invalid argument '" + text + "' for command " + command()
                    + " (expected: " + expected + ")");
        }
    }

    /** Checks {@code a} as msmtp does and returns its value, typed as the constant's javadoc says. */
    abstract Object check(Argument a);

    /**
     * The value as msmtp would print it: {@code on}/{@code off} for a {@link Boolean}, empty for an empty
     * {@link OptionalInt} or an {@code off} {@link Duration}, the number or text otherwise.
     */
    static String text(Object value) {
        if (value instanceof Boolean on) {
            return on ? "on" : "off";
        }
        if (value instanceof OptionalInt number) {
            return number.isPresent() ? Integer.toString(number.getAsInt()) : "";
        }
        if (value instanceof Duration duration) {
            return duration.isZero() ? "off" : Long.toString(duration.toSeconds());
        }
        return value.toString();
    }

    private static String homeExpanded(String name) {
        return name.startsWith("~") ? System.getProperty("user.home") + name.substring(1) : name;
    }

    private static int port(Argument a) {
        int value = Strtol.parse(a.text()).orElse(-1);
        if (value < 1 || value > 65535) {
            throw a.invalid("a port number, 1-65535");
        }
        return value;
    }

    private static int positive(Argument a) {
        int value = Strtol.parse(a.text()).orElse(-1);
        if (value < 1) {
            throw a.invalid("a positive integer");
        }
        return value;
    }
}
