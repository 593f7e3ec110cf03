package org.postseal.config;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.postseal.smtp.AuthMechanism;
import org.postseal.smtp.SmtpEndpoint;
import org.postseal.smtp.TlsMode;

class MsmtpConfigTest {
    private static final String SHA256 = "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF"
            + ":00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF";

    @TempDir
    Path dir;

    private final Warnings warnings = new Warnings();

    private Path write(String contents) {
        return write("msmtprc", contents, "rw-------");
    }

    private Path write(String name, String contents, String permissions) {
        try {
            Path file = dir.resolve(name);
            Files.writeString(file, contents, StandardCharsets.UTF_8);
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(permissions));
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private MsmtpConfig read(String contents) {
        return MsmtpConfig.read(write(contents), warnings);
    }

    private MsmtpAccount only(String contents) {
        MsmtpConfig config = read(contents);
        assertEquals(1, config.accountNames().size(), config.accountNames().toString());
        return config.account(config.accountNames().get(0)).orElseThrow();
    }

    private ConfigException refused(String contents) {
        return assertThrows(ConfigException.class, () -> read(contents));
    }

    private String where(int line) {
        return dir.resolve("msmtprc") + ":" + line;
    }

    @Test
    void readsTheSeedConfiguration() {
        MsmtpConfig config = read("defaults\naccount default\nhost mailcatcher\nport 25\nauth off\nprotocol smtp\n"
                + "logfile -\n");
        MsmtpAccount account = config.defaultAccount();
        assertEquals(List.of("default"), config.accountNames());
        assertEquals(where(2), account.definedAt());
        assertEquals(Optional.of("-"), account.logfile());
        assertEquals("smtp", account.protocol());
        SmtpEndpoint endpoint = account.toEndpoint();
        assertEquals("mailcatcher", endpoint.host());
        assertEquals(25, endpoint.port());
        assertEquals(TlsMode.NONE, endpoint.tls());
        assertEquals(AuthMechanism.NONE, endpoint.auth());
        assertEquals(Optional.empty(), endpoint.user());
        assertEquals(Optional.empty(), endpoint.password());
        assertEquals("localhost", endpoint.heloName());
        assertEquals(MsmtpAccount.NO_TIMEOUT, endpoint.timeout());
        assertTrue(warnings.isEmpty(), warnings.toString());
    }

    @Test
    void anAccountInheritsWhatItsParentsSetOverTheDefaults() {
        MsmtpConfig config = read(String.join("\n",
                "defaults",
                "port 30",
                "tls on",
                "tls_starttls off",
                "account a",
                "host a.example",
                "user alice",
                "defaults",
                "port 31",
                "account other",
                "host other.example",
                "port 99",
                "account b : a",
                "from b@example.com",
                "account c : b, other",
                "user",
                ""));
        MsmtpAccount b = config.account("b").orElseThrow();
        assertEquals(Optional.of("a.example"), b.host());
        assertEquals(OptionalInt.of(31), b.port(), "a did not set port itself: b takes the defaults in force");
        assertEquals(Optional.of("alice"), b.user());
        assertTrue(b.tls());
        assertEquals(where(6), b.where("host"), "an inherited setting keeps the line that wrote it");
        MsmtpAccount c = config.account("c").orElseThrow();
        assertEquals(Optional.of("other.example"), c.host(), "the last parent named wins");
        assertEquals(OptionalInt.of(99), c.port());
        assertEquals(Optional.of("b@example.com"), c.from(), "b's settings include what b inherited");
        assertEquals(Optional.empty(), c.user(), "an empty argument unsets");
        assertEquals(List.of("a", "other", "b", "c"), config.accountNames());
    }

    @Test
    void accountDefaultColonNameMakesTheDefaultAccount() {
        MsmtpConfig config = read("account a\nhost h\nport 26\naccount b : a\nfrom f@example.com\n"
                + "account default : b\nport 27\n");
        MsmtpAccount account = config.defaultAccount();
        assertEquals("default", account.name());
        assertEquals(Optional.of("h"), account.host());
        assertEquals(Optional.of("f@example.com"), account.from());
        assertEquals(OptionalInt.of(27), account.port());
        assertEquals(OptionalInt.of(26), config.account("b").orElseThrow().port(), "later lines go to default only");
    }

    @Test
    void settingsBeforeAnyAccountMakeTheAccountDefault() {
        MsmtpConfig config = read("host h\nport 2525\ndefaults\nport 99\naccount x\nhost g\n");
        assertEquals(List.of("default", "x"), config.accountNames());
        assertEquals(2525, config.defaultAccount().toEndpoint().port());
        assertEquals(where(1), config.defaultAccount().definedAt());
        assertEquals(99, config.account("x").orElseThrow().toEndpoint().port());
        ConfigException twice = refused("host h\naccount default\nhost g\n");
        assertTrue(twice.getMessage().startsWith(where(2) + ": account default was already defined"),
                twice.getMessage());
    }

    @Test
    void noDefaultAccount() {
        MsmtpConfig config = read("account a\nhost h\n");
        ConfigException e = assertThrows(ConfigException.class, config::defaultAccount);
        assertTrue(e.getMessage().contains("account default not found"), e.getMessage());
        assertTrue(e.getMessage().contains("accounts: a"), e.getMessage());
        assertEquals(Optional.empty(), config.account("nope"));
        assertThrows(ConfigException.class, () -> config.requireAccount("nope"));
        assertEquals("a", config.requireAccount("a").name());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '\'', value = {
        "host h x|h x",
        "host   h  |h",
        "host\th\t|h",
        "host \"h x\"|h x",
        "host \" h \"  |' h '",
        "host \"a\\\"b\"|a\\\"b",
        "host \"h|\"h",
        "host h\"|h\"",
        "host \"a\"b\"c\"|a\"b\"c",
        "host h # not a comment|h # not a comment",
        "  host h|h",
    })
    void quotesAndBlanksAsMsmtp(String line, String host) {
        assertEquals(Optional.of(host), only("account a\n" + line + "\n").host());
    }

    @Test
    void commentsBlankLinesAndCarriageReturns() {
        MsmtpAccount account = only("# a comment\n\n   \n\t# another\naccount a\r\nhost h\r\nport 26");
        assertEquals(Optional.of("h"), account.host());
        assertEquals(OptionalInt.of(26), account.port());
    }

    @Test
    void booleansWithoutArgumentAreOn() {
        MsmtpAccount account = only("account a\nhost h\ntls_certcheck off\ntls\ntls_starttls\ntls_certcheck\n"
                + "syslog\nauth\nuser u\npassword p\n");
        assertTrue(account.tls());
        assertTrue(account.tlsStartTls());
        assertTrue(account.tlsCertCheck());
        assertEquals(Optional.of("LOG_USER"), account.syslog());
        assertEquals("on", account.auth());
        assertEquals(AuthMechanism.AUTO, account.toEndpoint().auth());
    }

    @ParameterizedTest
    @CsvSource({
        "'',                                NONE,     25",
        "tls off,                           NONE,     25",
        "tls on,                            STARTTLS, 25",
        "tls on;tls_starttls on,            STARTTLS, 25",
        "tls on;tls_starttls off,           IMPLICIT, 465",
        "tls;tls_nostarttls,                IMPLICIT, 465",
        "tls on;tls_starttls off;port 2465, IMPLICIT, 2465",
        "tls on;port 587,                   STARTTLS, 587",
        "tls_starttls off,                  NONE,     25",
    })
    void tlsModesAndDefaultPorts(String lines, TlsMode mode, int port) {
        SmtpEndpoint endpoint = only("account a\nhost h\n" + lines.replace(';', '\n') + "\n").toEndpoint();
        assertEquals(mode, endpoint.tls());
        assertEquals(port, endpoint.port());
    }

    @ParameterizedTest
    @CsvSource({"25, 25", "0x19, 25", "031, 25", "+26, 26", "\"587\", 587", "65535, 65535"})
    void portsAreReadAsStrtolReadsThem(String argument, int port) {
        assertEquals(port, only("account a\nhost h\nport " + argument + "\n").toEndpoint().port());
    }

    @ParameterizedTest
    @ValueSource(strings = {"port abc", "port 70000", "port 0", "port -25", "port 08", "port 25x", "port 0x",
        "timeout 0", "timeout soon", "tls maybe", "tls ON", "tls_starttls yes", "auth PLAIN", "auth bogus",
        "protocol LMTP", "syslog mail", "tls_fingerprint 0011", "dsn_return hdrs",
        "dsn_notify success,bogus", "set_date_header on", "allow_from_override", "proxy_port 0"})
    void malformedArgumentsAreErrors(String line) {
        ConfigException e = refused("account a\nhost h\n" + line + "\n");
        String command = line.substring(0, line.indexOf(' ') < 0 ? line.length() : line.indexOf(' '));
        assertTrue(e.getMessage().startsWith(where(3) + ": invalid argument "), e.getMessage());
        assertTrue(e.getMessage().contains("for command " + command + " (expected: "), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"port", "host", "timeout", "protocol", "dsn_notify", "eval"})
    void missingArgumentsAreErrors(String command) {
        ConfigException e = refused("account a\nhost h\n" + command + "\n");
        assertEquals(where(3) + ": command " + command + " needs an argument", e.getMessage());
    }

    @Test
    void accountErrors() {
        assertEquals(where(3) + ": account a was already defined (at " + where(1) + ")",
                refused("account a\nhost h\naccount a\n").getMessage());
        assertEquals(where(3) + ": account x not (yet) defined",
                refused("account a\nhost h\naccount b : a,x\n").getMessage());
        assertEquals(where(3) + ": missing account name", refused("account a\nhost h\naccount b :\n").getMessage());
        assertEquals(where(1) + ": missing account name", refused("account\n").getMessage());
        assertEquals(where(1) + ": command defaults does not take an argument",
                refused("defaults x\n").getMessage());
        assertEquals(where(2) + ": command tls_nostarttls does not take an argument",
                refused("account a\ntls_nostarttls on\n").getMessage());
    }

    @Test
    void accountNamesMayHoldBlanksAndQuotes() {
        MsmtpConfig config = read("account \"my account\"\nhost h\naccount b : \"my account\"\n");
        assertEquals(List.of("my account", "b"), config.accountNames());
        assertEquals(Optional.of("h"), config.account("b").orElseThrow().host());
    }

    @Test
    void aLineLongerThanMsmtpsBufferIsAnError() {
        String longest = "account a\nhost " + "h".repeat(MsmtpConfigReader.MAX_LINE_BYTES - 5) + "\n";
        assertEquals(MsmtpConfigReader.MAX_LINE_BYTES - 5, only(longest).host().orElseThrow().length());
        ConfigException e = refused("account a\nhost " + "h".repeat(MsmtpConfigReader.MAX_LINE_BYTES - 4) + "\n");
        assertTrue(e.getMessage().startsWith(where(2) + ": line longer than"), e.getMessage());
    }

    @Test
    void unknownCommandsAreWarningsNamingFileLineAndCommand() {
        MsmtpAccount account = only("account a\nhost h\nHost g\nbogus 1\n");
        assertEquals(Optional.of("h"), account.host());
        assertEquals(List.of(
                where(3) + ": unknown msmtp command Host: ignored (msmtp 1.8.23 refuses the whole file on it)",
                where(4) + ": unknown msmtp command bogus: ignored (msmtp 1.8.23 refuses the whole file on it)"),
                warnings.list());
    }

    @Test
    void commandsPostsealDoesNotUseAreWarnings() {
        MsmtpAccount account = only("account a\nhost h\nset_from_header on\ndsn_notify failure,delay\n"
                + "tls_priorities NORMAL\nremove_bcc_headers\nset_date_header\n");
        assertEquals(5, warnings.list().size(), warnings.toString());
        assertEquals(where(3) + ": msmtp key set_from_header is read but postseal does not use it: postseal never"
                + " changes the header (the message is signed as it is)", warnings.list().get(0));
        assertTrue(warnings.list().get(1).startsWith(where(4) + ": msmtp key dsn_notify is read but postseal"),
                warnings.toString());
        assertEquals("NORMAL", account.otherSettings().get("tls_priorities"));
        assertEquals("h", account.toEndpoint().host());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "socket /run/smtp.sock|socket",
        "proxy_host 127.0.0.1|proxy_host",
        "tls_cert_file /c.pem|tls_cert_file",
        "tls_key_file /k.pem|tls_key_file",
        "tls_host_override mx.example|tls_host_override",
        "protocol lmtp|protocol",
    })
    void commandsThatWouldSendMailAnotherWayAreRefusedWhenUsed(String line, String command) {
        MsmtpConfig config = read("account a\nhost h\n" + line + "\naccount b\nhost h\n");
        ConfigException e = assertThrows(ConfigException.class, () -> config.requireAccount("a").toEndpoint());
        assertTrue(e.getMessage().startsWith(where(3) + ": " + command + " "), e.getMessage());
        assertTrue(e.getMessage().contains("not supported by postseal"), e.getMessage());
        assertEquals("h", config.requireAccount("b").toEndpoint().host(), "other accounts stay usable");
    }

    @ParameterizedTest
    @ValueSource(strings = {"cram-md5", "scram-sha-1", "scram-sha-256", "digest-md5", "gssapi", "external", "ntlm",
        "oauthbearer", "xoauth2"})
    void otherAuthMethodsAreRefusedNamingTheLine(String method) {
        MsmtpAccount account = only("account a\nhost h\ntls on\nauth " + method + "\nuser u\npasswordeval echo x\n");
        ConfigException e = assertThrows(ConfigException.class, account::toEndpoint);
        assertEquals(where(4) + ": auth " + method + " is not supported by postseal (expected: on, off, plain or"
                + " login)", e.getMessage());
    }

    @Test
    void authWithAPasswordInTheFile() {
        SmtpEndpoint endpoint = only("account a\nhost h\ntls on\nauth plain\nuser u@example.com\npassword \"s3 cr#t\"\n")
                .toEndpoint();
        assertEquals(AuthMechanism.PLAIN, endpoint.auth());
        assertEquals(Optional.of("u@example.com"), endpoint.user());
        assertEquals("s3 cr#t", assertDoesNotThrowPassword(endpoint));
        assertEquals(AuthMechanism.LOGIN, only("account a\nhost h\nauth login\nuser u\npassword p\n").toEndpoint()
                .auth(), "a named method may go without TLS, as in msmtp");
    }

    @Test
    void passwordWinsOverPasswordeval() {
        SmtpEndpoint endpoint = only("account a\nhost h\ntls\nauth on\nuser u\npasswordeval echo evaluated\n"
                + "password written\n").toEndpoint();
        assertEquals("written", assertDoesNotThrowPassword(endpoint));
    }

    @Test
    void passwordevalRunsEachTime() throws IOException {
        Path counter = dir.resolve("count");
        SmtpEndpoint endpoint = only("account a\nhost h\ntls\nauth on\nuser u\npasswordeval echo x >> " + counter
                + "; echo secret; echo second line\n").toEndpoint();
        assertFalse(Files.exists(counter), "not run when read");
        assertEquals("secret", assertDoesNotThrowPassword(endpoint));
        assertEquals("secret", assertDoesNotThrowPassword(endpoint));
        assertEquals(2, Files.readAllLines(counter).size());
    }

    @Test
    void passwordevalFailures() {
        IOException status = assertThrows(IOException.class,
                () -> MsmtpPasswordEval.of("echo $((6 * 7)); echo 'no such key' >&2; exit 3").password());
        assertTrue(status.getMessage().contains("exited with status 3: no such key"), status.getMessage());
        assertFalse(status.getMessage().contains("42"), "the output may be a secret");
        IOException silent = assertThrows(IOException.class, () -> MsmtpPasswordEval.of("true").password());
        assertTrue(silent.getMessage().contains("printed nothing"), silent.getMessage());
        long start = System.nanoTime();
        IOException slow = assertThrows(IOException.class,
                () -> new MsmtpPasswordEval("sleep 30", Duration.ofMillis(300)).password());
        assertTrue(slow.getMessage().contains("did not finish"), slow.getMessage());
        assertTrue(Duration.ofNanos(System.nanoTime() - start).toSeconds() < 10);
        assertEquals("", assertDoesNotThrow(() -> MsmtpPasswordEval.of("echo").password()), "an empty line is kept");
        assertEquals("no newline", assertDoesNotThrow(() -> MsmtpPasswordEval.of("printf 'no newline'").password()));
    }

    @Test
    void authWithoutAPasswordSourceIsAnError() {
        MsmtpAccount account = only("account a\nhost h\ntls on\nauth on\nuser u\n");
        ConfigException e = assertThrows(ConfigException.class, account::toEndpoint);
        assertTrue(e.getMessage().startsWith(where(4) + ": account a has no password and no passwordeval"),
                e.getMessage());
        assertTrue(e.getMessage().contains("~/.netrc") && e.getMessage().contains("postseal does none of these"),
                e.getMessage());
        ConfigException noUser = assertThrows(ConfigException.class,
                () -> only("account b\nhost h\ntls\nauth plain\npassword p\n").toEndpoint());
        assertTrue(noUser.getMessage().contains("auth plain needs a user name"), noUser.getMessage());
    }

    @Test
    void authOnWithoutTlsIsAnError() {
        MsmtpAccount account = only("account a\nhost h\nauth on\nuser u\npassword p\n");
        ConfigException e = assertThrows(ConfigException.class, account::toEndpoint);
        assertTrue(e.getMessage().startsWith(where(3) + ": auth on without tls"), e.getMessage());
    }

    @Test
    void aPasswordInAFileOthersMayReadIsRefused() {
        Path open = write("open", "account a\nhost h\npassword p\n", "rw-r--r--");
        ConfigException e = assertThrows(ConfigException.class, () -> MsmtpConfig.read(open, warnings));
        assertTrue(e.getMessage().startsWith(open + ":3: the file contains a password and therefore must have no"
                + " more than user read/write permissions"), e.getMessage());
        assertTrue(e.getMessage().contains("mode 0644"), e.getMessage());
        Path executable = write("exec", "defaults\npassword p\naccount a\nhost h\n", "rwx------");
        assertThrows(ConfigException.class, () -> MsmtpConfig.read(executable, warnings));
        Path unset = write("unset", "account a\nhost h\npassword\n", "rw-rw-r--");
        assertThrows(ConfigException.class, () -> MsmtpConfig.read(unset, warnings), "any password line counts");

        assertEquals(Optional.of("p"), MsmtpConfig.read(write("private", "account a\nhost h\npassword p\n",
                "rw-------"), warnings).requireAccount("a").password());
        MsmtpConfig.read(write("readonly", "account a\nhost h\npassword p\n", "r--------"), warnings);
        MsmtpConfig.read(write("eval", "account a\nhost h\npasswordeval echo p\n", "rw-r--r--"), warnings);
        MsmtpConfig.read(write("none", "account a\nhost h\n", "rw-r--r--"), warnings);
    }

    @Test
    void tlsTrustFiles() {
        assertEquals(Optional.empty(), only("account a\nhost h\ntls\n").toEndpoint().trustFile());
        assertEquals(Optional.empty(), only("account a\nhost h\ntls\ntls_trust_file system\n").toEndpoint()
                .trustFile());
        assertEquals(Optional.of(Path.of("/etc/ssl/ca.pem")),
                only("account a\nhost h\ntls\ntls_trust_file /etc/ssl/ca.pem\n").toEndpoint().trustFile());
        MsmtpAccount home = only("account a\nhost h\ntls\ntls_trust_file ~/ca.pem\n");
        assertEquals(System.getProperty("user.home") + "/ca.pem", home.tlsTrustFile());
        assertEquals(Optional.of(Path.of(System.getProperty("user.home"), "ca.pem")), home.toEndpoint().trustFile());
        assertTrue(warnings.isEmpty(), warnings.toString());

        MsmtpAccount relative = only("account a\nhost h\ntls\ntls_trust_file certs/ca.pem\n");
        assertEquals(Optional.of(Path.of("").toAbsolutePath().resolve("certs/ca.pem")),
                relative.toEndpoint().trustFile(), "relative to the working directory, as for msmtp");
        assertEquals(1, warnings.list().size());
        assertTrue(warnings.list().get(0).startsWith(where(4) + ": tls_trust_file certs/ca.pem is relative"));

        ConfigException none = assertThrows(ConfigException.class,
                () -> only("account a\nhost h\ntls\ntls_trust_file\n").toEndpoint());
        assertTrue(none.getMessage().contains("tls requires either tls_trust_file"), none.getMessage());
        SmtpEndpoint unchecked = only("account a\nhost h\ntls\ntls_certcheck off\ntls_trust_file /x.pem\n"
                + "tls_fingerprint " + SHA256 + "\n").toEndpoint();
        assertFalse(unchecked.certCheck());
        assertEquals(Optional.empty(), unchecked.trustFile(), "msmtp ignores them when checks are off");
        assertEquals(List.of(), unchecked.fingerprints());
    }

    @Test
    void fingerprints() {
        SmtpEndpoint sha256 = only("account a\nhost h\ntls\ntls_trust_file\ntls_fingerprint "
                + SHA256.toLowerCase(java.util.Locale.ROOT) + "\n").toEndpoint();
        assertEquals(List.of(SHA256), sha256.fingerprints());
        String sha1 = "00 11 22 33 44 55 66 77 88 99 aa BB CC DD EE FF 00 11 22 33";
        assertEquals(Optional.of("00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33"),
                only("account a\nhost h\ntls_fingerprint " + sha1 + "\n").tlsFingerprint());
        MsmtpAccount md5 = only("account a\nhost h\ntls\ntls_fingerprint 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD"
                + ":EE:FF\n");
        ConfigException e = assertThrows(ConfigException.class, md5::toEndpoint);
        assertTrue(e.getMessage().startsWith(where(4) + ": tls_fingerprint ") && e.getMessage().contains("MD5"),
                e.getMessage());
        assertThrows(ConfigException.class, () -> read("account a\ntls_fingerprint " + SHA256.replace(':', '-')));
        assertThrows(ConfigException.class, () -> read("account a\ntls_fingerprint " + SHA256.replace('A', 'G')));
    }

    @Test
    void timeoutsAndHeloName() {
        SmtpEndpoint endpoint = only("account a\nhost h\ntimeout 30\ndomain mail.example.com\n").toEndpoint();
        assertEquals(Duration.ofSeconds(30), endpoint.timeout());
        assertEquals("mail.example.com", endpoint.heloName());
        assertEquals(Duration.ofSeconds(16), only("account a\nhost h\nconnect_timeout 0x10\n").toEndpoint().timeout());
        MsmtpAccount off = only("account a\nhost h\ntimeout 30\ntimeout off\n");
        assertEquals(Optional.empty(), off.timeout());
        assertEquals(MsmtpAccount.NO_TIMEOUT, off.toEndpoint().timeout());
        ConfigException empty = assertThrows(ConfigException.class,
                () -> only("account a\nhost h\ndomain\n").toEndpoint());
        assertTrue(empty.getMessage().startsWith(where(3) + ": domain is empty"), empty.getMessage());
    }

    @Test
    void keptValues() {
        MsmtpAccount account = only("account a\nhost h\nfrom *@example.com\nlogfile ~/msmtp.log\nsyslog LOG_MAIL\n"
                + "protocol smtp\n");
        assertEquals(Optional.of("*@example.com"), account.from());
        assertEquals(Optional.of(System.getProperty("user.home") + "/msmtp.log"), account.logfile());
        assertEquals(Optional.of("LOG_MAIL"), account.syslog());
        assertEquals(Optional.empty(), only("account a\nhost h\nsyslog\nsyslog off\n").syslog());
        assertEquals(Optional.of(""), only("account a\nhost h\nfrom\n").from(), "msmtp keeps an empty from");
    }

    @Test
    void evalReplacesTheLineWithWhatTheCommandPrints() {
        MsmtpConfig config = read("eval echo account a\neval echo host evaluated.example\neval printf 'port 26'\n");
        MsmtpAccount account = config.requireAccount("a");
        assertEquals(Optional.of("evaluated.example"), account.host());
        assertEquals(OptionalInt.of(26), account.port());
        assertEquals(where(1) + ": eval: cannot read output of 'true' (exit status 0: (no error output))",
                refused("eval true\n").getMessage());
        assertTrue(refused("eval echo eval echo host h\n").getMessage().startsWith(where(1) + ": eval printed"));
    }

    @Test
    void noHostIsAnErrorWhenUsed() {
        MsmtpAccount account = only("account a\nport 25\n");
        ConfigException e = assertThrows(ConfigException.class, account::toEndpoint);
        assertEquals(where(1) + ": account a: host not set", e.getMessage());
    }

    @Test
    void theFileMustExist() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> MsmtpConfig.read(dir.resolve("missing"), warnings));
        assertEquals(dir.resolve("missing") + ": no such file", e.getMessage());
    }

    @Test
    void notUtf8IsAnError() throws IOException {
        Path file = dir.resolve("latin1");
        Files.write(file, "account a\nhost h\nuser j\u00e9r\u00f4me\n".getBytes(StandardCharsets.ISO_8859_1));
        ConfigException e = assertThrows(ConfigException.class, () -> MsmtpConfig.read(file, warnings));
        assertEquals(file + ":3: not UTF-8 text", e.getMessage());
    }

    @Test
    void thePasswordIsNeverShown() {
        MsmtpAccount account = only("account a\nhost h\npassword hunter2\n");
        assertFalse(account.toString().contains("hunter2"), account.toString());
        assertTrue(account.toString().contains("password=Optional[*]"), account.toString());
    }

    @Test
    void strtol() {
        assertEquals(25, MsmtpConfigReader.strtol("25"));
        assertEquals(25, MsmtpConfigReader.strtol("0x19"));
        assertEquals(25, MsmtpConfigReader.strtol("0X19"));
        assertEquals(25, MsmtpConfigReader.strtol("031"));
        assertEquals(0, MsmtpConfigReader.strtol("0"));
        assertEquals(-5, MsmtpConfigReader.strtol("-5"));
        assertEquals(-1, MsmtpConfigReader.strtol(""));
        assertEquals(-1, MsmtpConfigReader.strtol("+"));
        assertEquals(-1, MsmtpConfigReader.strtol("0x"));
        assertEquals(-1, MsmtpConfigReader.strtol("1 2"));
        assertEquals(-1, MsmtpConfigReader.strtol("\u0661"));
        assertEquals(-1, MsmtpConfigReader.strtol("99999999999"));
    }

    private static String assertDoesNotThrowPassword(SmtpEndpoint endpoint) {
        return assertDoesNotThrow(() -> endpoint.password().orElseThrow().password());
    }
}
