package org.postseal.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import org.postseal.interop.Peers;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.postseal.smtp.SmtpEndpoint;

/**
 * The same msmtp configuration files given to the real msmtp ({@code msmtp -C FILE -a ACCOUNT --pretend}, which
 * prints the settings it would use and exits) and to {@link MsmtpConfig}: msmtp must accept each file, and print the
 * values postseal reads; files msmtp refuses, postseal refuses too, at the same line.
 *
 * <p>Needs {@code /usr/bin/msmtp} (Debian package {@code msmtp}): without it the tests are skipped, or fail when the
 * environment variable {@code CI} is {@code true}.
 */
class MsmtpConfigMsmtpIT {
    private static final Path MSMTP = Path.of("/usr/bin/msmtp");
    private static final long TIMEOUT_SECONDS = 30;
    private static final Pattern SETTING = Pattern.compile("^([a-z_ ]+) = (.*)$", Pattern.MULTILINE);
    private static final Pattern LINE = Pattern.compile("line (\\d+)");
    private static final String NOT_SET = "(not set)";
    private static final String SHA256 = "3E:0B:56:81:AA:19:5C:4E:2F:10:33:44:55:66:77:88"
            + ":99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88";

    @TempDir
    Path dir;

    /** What {@code msmtp --pretend} said: its exit status, the settings it printed, and all its output. */
    private record Pretend(int exitCode, Map<String, String> settings, String output) {
        String get(String name) {
            assertTrue(settings.containsKey(name), "msmtp printed no " + name + ":\n" + output);
            return settings.get(name);
        }
    }

    @BeforeEach
    void requireMsmtp() {
        Peers.requireProgram(MSMTP, "msmtp");
    }

    static Stream<Arguments> acceptedFiles() {
        return Stream.of(
                Arguments.of("seed", "default", String.join("\n",
                        "defaults",
                        "account default",
                        "host mailcatcher",
                        "port 25",
                        "auth off",
                        "protocol smtp",
                        "logfile -")),
                Arguments.of("starttls with a trust file", "submission", String.join("\n",
                        "# submission with STARTTLS",
                        "account submission",
                        "host smtp.example.com",
                        "port 587",
                        "tls on",
                        "tls_trust_file /etc/ssl/certs/ca-certificates.crt",
                        "from relay@example.com",
                        "auth login",
                        "user relay@example.com",
                        "passwordeval echo relay-secret",
                        "domain mail.example.com",
                        "timeout 60")),
                Arguments.of("implicit tls", "smtps", String.join("\n",
                        "account smtps",
                        "host smtps.example.com",
                        "tls",
                        "tls_starttls off",
                        "tls_trust_file",
                        "tls_fingerprint " + SHA256.toLowerCase(Locale.ROOT),
                        "syslog LOG_MAIL")),
                Arguments.of("auth plain with a password", "provider", String.join("\n",
                        "account provider",
                        "host \"smtp.provider.example\"",
                        "tls on",
                        "auth plain",
                        "user \"joe smith\"",
                        "password \" s3cr#t \"",
                        "from *@example.org")),
                Arguments.of("passwordeval and auth on", "default", String.join("\n",
                        "defaults",
                        "tls",
                        "tls_certcheck off",
                        "auth",
                        "account default",
                        "host 192.0.2.25",
                        "user u",
                        "passwordeval printf '%s\\n' \"s3cr3t\"",
                        "logfile ~/msmtp.log")),
                Arguments.of("inheritance", "default", String.join("\n",
                        "defaults",
                        "port 587",
                        "tls on",
                        "tls_trust_file /etc/ssl/certs/ca-certificates.crt",
                        "",
                        "account freemail",
                        "host smtp.freemail.example",
                        "from joe_smith@freemail.example",
                        "auth on",
                        "user joe.smith",
                        "passwordeval echo secret",
                        "",
                        "defaults",
                        "port 2525",
                        "account freemail2 : freemail",
                        "from joey@freemail.example",
                        "",
                        "account isp",
                        "host mail.isp.example",
                        "from smithjoe@isp.example",
                        "",
                        "account default : freemail2, isp",
                        "user override")),
                Arguments.of("settings before any account", "default", String.join("\n",
                        "host early.example",
                        "port 0x1a",
                        "defaults",
                        "port 99",
                        "account other",
                        "host other.example")),
                Arguments.of("commands postseal does not use", "quiet", String.join("\n",
                        "\tdefaults",
                        "set_from_header on",
                        "set_date_header auto",
                        "set_msgid_header off",
                        "remove_bcc_headers off",
                        "undisclosed_recipients",
                        "dsn_notify failure,delay",
                        "dsn_return headers",
                        "logfile_time_format \"%Y-%m-%d %H:%M:%S\"",
                        "aliases /etc/aliases",
                        "allow_from_override off",
                        "tls_priorities NORMAL",
                        "tls_crl_file",
                        "source_ip",
                        "keepbcc off",
                        "account quiet",
                        "host quiet.example",
                        "timeout off",
                        "connect_timeout 45",
                        "maildomain example.com",
                        "auto_from off",
                        "add_missing_from_header on",
                        "ntlmdomain EXAMPLE",
                        "proxy_port 1080",
                        "tls_min_dh_prime_bits 1024",
                        "  # the end")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("acceptedFiles")
    void msmtpAndPostsealReadTheSameValues(String title, String accountName, String contents) {
        Path file = write(contents + "\n");
        Pretend msmtp = pretend(file, accountName);
        assertEquals(0, msmtp.exitCode(), "msmtp refused the file:\n" + msmtp.output());

        MsmtpAccount account = MsmtpConfig.read(file, new Warnings()).requireAccount(accountName);
        assertEquals(account.host().orElse(NOT_SET), msmtp.get("host"));
        assertEquals(Integer.toString(account.effectivePort()), msmtp.get("port"));
        assertEquals(account.timeout().map(t -> t.toSeconds() + " seconds").orElse("off"), msmtp.get("timeout"));
        assertEquals(account.protocol(), msmtp.get("protocol"));
        assertEquals(account.domain(), msmtp.get("domain"));
        assertEquals(auth(account.auth()), msmtp.get("auth"));
        assertEquals(account.user().orElse(NOT_SET), msmtp.get("user"));
        // msmtp runs passwordeval as soon as it picks an account with auth on, and then shows the password as "*"
        boolean evaluated = account.passwordEval().isPresent() && !account.auth().equals("off");
        assertEquals(account.password().isPresent() || evaluated ? "*" : NOT_SET, msmtp.get("password"));
        assertEquals(account.passwordEval().orElse(NOT_SET), msmtp.get("passwordeval"));
        assertEquals(onOff(account.tls()), msmtp.get("tls"));
        assertEquals(onOff(account.tlsStartTls()), msmtp.get("tls_starttls"));
        assertEquals(account.tlsTrustFile().isEmpty() ? NOT_SET : account.tlsTrustFile(),
                msmtp.get("tls_trust_file"));
        assertEquals(account.tlsFingerprint().orElse(NOT_SET), msmtp.get("tls_fingerprint"));
        assertEquals(onOff(account.tlsCertCheck()), msmtp.get("tls_certcheck"));
        assertEquals(account.from().orElse(NOT_SET), msmtp.get("from"));
        assertEquals(account.logfile().orElse(NOT_SET), msmtp.get("logfile"));
        assertEquals(account.syslog().orElse(NOT_SET), msmtp.get("syslog"));

        SmtpEndpoint endpoint = account.toEndpoint();
        assertEquals(msmtp.get("host"), endpoint.host());
        assertEquals(msmtp.get("port"), Integer.toString(endpoint.port()));
        assertEquals(msmtp.get("tls").equals("off") ? "NONE" : msmtp.get("tls_starttls").equals("on") ? "STARTTLS"
                : "IMPLICIT", endpoint.tls().name());
        assertEquals(msmtp.get("domain"), endpoint.heloName());
        assertEquals(msmtp.get("user"), endpoint.user().orElse(NOT_SET));
    }

    @Test
    void theSameDefaultAccountWhenNoneIsNamed() {
        Path file = write("account a\nhost a.example\naccount default : a\nport 2525\n");
        Pretend msmtp = pretend(file, null);
        assertEquals(0, msmtp.exitCode(), msmtp.output());
        MsmtpAccount account = MsmtpConfig.read(file, new Warnings()).defaultAccount();
        assertEquals(msmtp.get("host"), account.host().orElseThrow());
        assertEquals(msmtp.get("port"), Integer.toString(account.effectivePort()));

        Path none = write("account a\nhost a.example\n");
        assertNotEquals(0, pretend(none, null).exitCode());
        assertThrows(ConfigException.class, () -> MsmtpConfig.read(none, new Warnings()).defaultAccount());
    }

    static Stream<Arguments> refusedFiles() {
        return Stream.of(
                Arguments.of("unknown account", "nope", "account a\nhost h\n"),
                Arguments.of("port abc", "a", "account a\nhost h\nport abc\n"),
                Arguments.of("port 70000", "a", "account a\nhost h\nport 70000\n"),
                Arguments.of("port 08", "a", "account a\nhost h\nport 08\n"),
                Arguments.of("timeout 0", "a", "account a\nhost h\ntimeout 0\n"),
                Arguments.of("tls maybe", "a", "account a\nhost h\n\ntls maybe\n"),
                Arguments.of("auth in capitals", "a", "account a\nhost h\nauth PLAIN\n"),
                Arguments.of("syslog facility", "a", "account a\nhost h\nsyslog mail\n"),
                Arguments.of("short fingerprint", "a", "account a\nhost h\ntls_fingerprint 00:11:22\n"),
                Arguments.of("defaults with an argument", "a", "defaults all\naccount a\nhost h\n"),
                Arguments.of("account defined twice", "a", "account a\nhost h\naccount a\nhost g\n"),
                Arguments.of("inheriting from an undefined account", "b", "account b : a\nhost h\naccount a\n"),
                Arguments.of("account without a name", "a", "account a\nhost h\naccount : a\n"),
                Arguments.of("host without argument", "a", "account a\nhost\n"),
                Arguments.of("account without host", "a", "account a\nport 25\n"),
                Arguments.of("tls without anything to trust", "a", "account a\nhost h\ntls\ntls_trust_file\n"),
                Arguments.of("line too long", "a", "account a\nhost " + "h".repeat(600) + "\n"),
                Arguments.of("eval printing nothing", "a", "account a\nhost h\neval true\n"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusedFiles")
    void msmtpAndPostsealRefuseTheSameFiles(String title, String accountName, String contents) {
        Path file = write(contents);
        Pretend msmtp = pretend(file, accountName);
        assertNotEquals(0, msmtp.exitCode(), "msmtp accepted the file:\n" + msmtp.output());

        ConfigException e = assertThrows(ConfigException.class,
                () -> MsmtpConfig.read(file, new Warnings()).requireAccount(accountName).toEndpoint());
        Matcher line = LINE.matcher(msmtp.output());
        if (line.find()) {
            assertTrue(e.getMessage().startsWith(file + ":" + line.group(1) + ": "),
                    "msmtp: " + msmtp.output() + "\npostseal: " + e.getMessage());
        }
    }

    private Path write(String contents) {
        try {
            Path file = Files.createTempFile(dir, "msmtprc", "");
            Files.writeString(file, contents, StandardCharsets.UTF_8);
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs {@code msmtp -C FILE [-a ACCOUNT] --pretend recipient@example.com} and reads what it printed. */
    private Pretend pretend(Path file, String accountName) {
        ProcessBuilder builder = accountName == null
                ? new ProcessBuilder(MSMTP.toString(), "-C", file.toString(), "--pretend", "recipient@example.com")
                : new ProcessBuilder(MSMTP.toString(), "-C", file.toString(), "-a", accountName, "--pretend",
                        "recipient@example.com");
        builder.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).redirectErrorStream(true);
        try {
            Process process = builder.start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("msmtp did not end within " + TIMEOUT_SECONDS + " s:\n" + output);
            }
            Map<String, String> settings = new LinkedHashMap<>();
            Matcher setting = SETTING.matcher(output);
            while (setting.find()) {
                settings.putIfAbsent(setting.group(1), setting.group(2));
            }
            return new Pretend(process.exitValue(), settings, output);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    private static String auth(String auth) {
        switch (auth) {
            case "off":
                return "none";
            case "on":
                return "choose";
            default:
                return auth.toUpperCase(Locale.ROOT);
        }
    }

    private static String onOff(boolean value) {
        return value ? "on" : "off";
    }
}
