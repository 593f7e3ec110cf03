package org.postseal.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postseal.dkim.CanonicalizationPair;
import org.postseal.dkim.SignatureAlgorithm;
import org.postseal.dkim.SignatureSpec;
import org.postseal.logging.SyslogTarget;
import org.postseal.policy.Client;
import org.postseal.policy.SignatureRequest;
import org.postseal.policy.SigningDecision;
import org.postseal.signing.OnError;
import org.postseal.policy.VerificationAction;
import org.postseal.policy.VerificationActions;
import org.postseal.policy.VerificationCase;

class MilterSettingsTest {
    @TempDir
    Path dir;

    private MilterSettings openDkim(String text) {
        return MilterSettings.fromOpenDkim(OpenDkimConf.read(Fixtures.write(dir, "opendkim.conf", text), dir));
    }

    private MilterSettings hocon(String text, Map<String, String> environment) {
        return MilterSettings.load(Optional.of(Fixtures.write(dir, "postseal.conf", text)), environment, dir);
    }

    private static Client internal() throws Exception {
        return Client.of(InetAddress.getByName("127.0.0.1"), "localhost");
    }

    /** Debian's default file has no keys: it loads, with OpenDKIM's defaults, and says nothing will be signed. */
    @Test
    void debiansDefaultConfiguration() throws Exception {
        MilterSettings settings = MilterSettings.fromOpenDkim(OpenDkimConf.read(
                Fixtures.copy("debian/opendkim.conf", dir), dir), Map.of());
        assertEquals(SocketSpec.parse("local:/run/opendkim/opendkim.sock"), settings.socket());
        assertEquals(OptionalInt.of(0770), settings.socketMode(), "UMask 007");
        assertEquals(Optional.empty(), settings.socketGroup());
        assertEquals(CanonicalizationPair.RELAXED_SIMPLE, settings.canonicalization());
        assertEquals(List.of("From"), settings.oversignedHeaders());
        assertEquals(SignatureSpec.DEFAULT_SIGNED_HEADERS, settings.signedHeaders());
        assertTrue(settings.signing() && settings.verifying());
        assertEquals(OnError.ACCEPT, settings.onError());
        assertTrue(settings.requireSafeKeys());
        assertEquals(Optional.of("opendkim"), settings.user(), "UserID opendkim: checked at start-up, not warned of");
        assertEquals(Optional.of(Path.of("/run/opendkim/opendkim.pid")), settings.pidFile(), "PidFile applied");
        // SyslogSuccess and TrustAnchorFile ignored; Syslog, UserID and PidFile applied
        assertEquals(3, settings.warnings().size(), settings.warnings().toString());
        assertTrue(settings.warnings().get(2).endsWith("no keys are configured (neither KeyTable and SigningTable"
                + " nor Domain, Selector and KeyFile): nothing will be signed"), settings.warnings().get(2));
        assertEquals(Optional.of(new SyslogTarget("mail", "postseal", new SyslogTarget.Socket(Path.of("/dev/log")))),
                settings.syslog(), "Syslog yes: the mail facility, on /dev/log, as OpenDKIM");
        assertEquals(SigningDecision.Outcome.NOT_SIGNED, settings.policy().decide(internal(),
                Optional.of("joe@example.com")).outcome());
    }

    /**
     * The tutorial's files as written: its SigningTable names a key that is not in its KeyTable, which OpenDKIM
     * would temp-fail at every message; postseal refuses to start, naming the line.
     */
    @Test
    void theSeedTutorialsTablesAreRefusedWithTheirLine() {
        Path conf = Fixtures.copy("seed/opendkim.conf", dir);
        Fixtures.copy("seed/KeyTable", dir);
        Fixtures.copy("seed/SigningTable", dir);
        Fixtures.copy("seed/TrustedHosts", dir);
        ConfigException e = assertThrows(ConfigException.class,
                () -> MilterSettings.fromOpenDkim(OpenDkimConf.read(conf, dir)));
        assertEquals(dir.resolve("SigningTable") + ":1: key name 'mail._domainkey.jpistre.fr' is not in the KeyTable"
                + " (it has mail._domainkey.example.com)", e.getMessage());
    }

    /** The tutorial with its SigningTable mended: it still warns that @example.com is never looked up. */
    @Test
    void theSeedTutorialWithItsKeyNameMended() throws Exception {
        Path conf = Fixtures.copy("seed/opendkim.conf", dir);
        Fixtures.copy("seed/KeyTable", dir);
        Fixtures.copy("seed/TrustedHosts", dir);
        Fixtures.write(dir, "SigningTable", "@example.com        mail._domainkey.example.com\n"
                + "example.com mail._domainkey.example.com\n");
        MilterSettings settings = MilterSettings.fromOpenDkim(OpenDkimConf.read(conf, dir));
        assertEquals(SocketSpec.parse("local:/var/spool/postfix/opendkim/opendkim.sock"), settings.socket());
        assertTrue(settings.warnings().contains(dir.resolve("SigningTable") + ":1: '@example.com' is never looked"
                + " up (OpenDKIM looks up user@host, host, user@.parent, .parent, user@* and *), so it never"
                + " matches; write example.com, or use refile: with *@example.com"), settings.warnings().toString());
        assertTrue(settings.warnings().stream().anyMatch(w -> w.contains("TrustedHosts is not an OpenDKIM option")));

        SigningDecision fromMailHost = settings.policy().decide(Client.of(InetAddress.getByName("192.0.2.25"),
                "mail.example.com"), Optional.of("Joe <joe@example.com>"));
        assertEquals(List.of(new SignatureRequest("mail._domainkey.example.com", "example.com", "mail",
                dir + "/keys/example.com/mail.private", Optional.empty())), fromMailHost.signatures());
        SigningDecision fromLoopback = settings.policy().decide(internal(), Optional.of("joe@example.com"));
        assertEquals(SigningDecision.Outcome.EXTERNAL, fromLoopback.outcome(),
                "TrustedHosts replaces the default 127.0.0.1 and ::1, as InternalHosts would");
    }

    @Test
    void singleKeySetup() throws Exception {
        MilterSettings settings = openDkim("Socket inet:8891@localhost\nDomain example.com, example.org\n"
                + "Selector mail\nKeyFile keys/mail.private\nSubDomains yes\nCanonicalization relaxed\n"
                + "SignatureAlgorithm ed25519-sha256\nSignatureTTL 86400\nOn-SignatureError accept\n"
                + "SignHeaders From,To,Subject\nOversignHeaders From,Subject\nUserID opendkim:postfix\n");
        assertEquals(CanonicalizationPair.RELAXED_SIMPLE, settings.canonicalization(), "relaxed alone: body simple");
        assertEquals(Optional.of(SignatureAlgorithm.ED25519_SHA256), settings.algorithm());
        assertEquals(Optional.of(Duration.ofDays(1)), settings.signatureTtl());
        assertEquals(OnError.ACCEPT, settings.onError());
        assertEquals(List.of("From", "To", "Subject"), settings.signedHeaders());
        assertEquals(List.of("From", "Subject"), settings.oversignedHeaders());
        assertEquals(Optional.empty(), settings.socketGroup(), "only for local: sockets");
        assertEquals(Optional.of("opendkim"), settings.user(), "UserID's user, whatever the socket");
        SigningDecision decision = settings.policy().decide(internal(), Optional.of("joe@lists.example.org"));
        assertEquals(List.of(new SignatureRequest("KeyFile", "example.org", "mail",
                dir.resolve("keys/mail.private").toString(), Optional.of("@example.org"))), decision.signatures());
    }

    @Test
    void openDkimsConsistencyRules() {
        Path conf = dir.resolve("opendkim.conf");
        assertEquals(conf + ":2 (SigningTable): a SigningTable needs a KeyTable", assertThrows(ConfigException.class,
                () -> openDkim("Socket inet:1\nSigningTable refile:/x\n")).getMessage());
        assertEquals(conf + ":2 (KeyTable): a KeyTable needs a SigningTable", assertThrows(ConfigException.class,
                () -> openDkim("Socket inet:1\nKeyTable /x\n")).getMessage());
        assertEquals(conf + ":2 (Selector): KeyFile and Selector must both be set, or neither", assertThrows(
                ConfigException.class, () -> openDkim("Socket inet:1\nSelector s\n")).getMessage());
        assertEquals(conf + ":2 (Domain): Domain needs KeyFile and Selector", assertThrows(ConfigException.class,
                () -> openDkim("Socket inet:1\nDomain example.com\n")).getMessage());
        assertEquals(conf + ": Socket is not set (OpenDKIM needs it too); for example Socket"
                + " local:/run/opendkim/opendkim.sock", assertThrows(ConfigException.class,
                        () -> openDkim("Mode s\n")).getMessage());
        assertEquals(conf + ":2 (Mode): unknown mode 'x' (expected: s, v or sv)", assertThrows(ConfigException.class,
                () -> openDkim("Socket inet:1\nMode sx\n")).getMessage());
        assertEquals(conf + ":2 (Canonicalization): 'relaxed/loose' is not a canonicalization (expected: simple or"
                + " relaxed, or header/body such as relaxed/simple)", assertThrows(ConfigException.class,
                        () -> openDkim("Socket inet:1\nCanonicalization relaxed/loose\n")).getMessage());
        assertEquals(conf + ":2 (SignatureAlgorithm): rsa-sha1 is not supported (RFC 8301 forbids signing with"
                + " it); use rsa-sha256", assertThrows(ConfigException.class,
                        () -> openDkim("Socket inet:1\nSignatureAlgorithm rsa-sha1\n")).getMessage());
        assertEquals(conf + ":2 (On-SignatureError): 'maybe' is not a handling action (expected: accept or"
                + " tempfail)", assertThrows(ConfigException.class,
                        () -> openDkim("Socket inet:1\nOn-SignatureError maybe\n")).getMessage());
    }

    @Test
    void keyFileWithoutDomainWarnsThatNothingIsSigned() {
        MilterSettings settings = openDkim("Socket inet:1\nSelector s\nKeyFile /k\n");
        assertEquals(List.of(dir.resolve("opendkim.conf") + ":3 (KeyFile): KeyFile and Selector without Domain sign"
                + " nothing (in OpenDKIM too); set Domain to the domains to sign"), settings.warnings());
    }

    @Test
    void rejectBecomesTempfailWithAWarning() {
        MilterSettings settings = openDkim("Socket local:/run/x.sock\nOn-Default reject\nUserID opendkim:postfix\n"
                + "UMask 002\n");
        assertEquals(OnError.TEMPFAIL, settings.onError());
        assertTrue(settings.warnings().contains(dir.resolve("opendkim.conf") + ":2 (On-Default): 'reject' for a"
                + " message that cannot be signed is not supported; postseal temp-fails it instead, so that the"
                + " sender's MTA keeps it and retries"), settings.warnings().toString());
        assertEquals(Optional.of("postfix"), settings.socketGroup());
        assertEquals(Optional.of("opendkim"), settings.user());
        assertEquals(OptionalInt.of(0775), settings.socketMode());
    }

    @Test
    void tablesIgnoreTheSingleKeyOptions() {
        Fixtures.write(dir, "KeyTable", "k example.com:s:/k\n");
        Fixtures.write(dir, "SigningTable", "*@example.com k\n");
        MilterSettings settings = openDkim("Socket inet:1\nKeyTable " + dir.resolve("KeyTable")
                + "\nSigningTable refile:" + dir.resolve("SigningTable") + "\nSelector x\nMultipleSignatures yes\n");
        assertTrue(settings.policy().multipleSignatures());
        assertEquals(List.of(dir.resolve("opendkim.conf") + ":4 (Selector): Selector is ignored because a KeyTable"
                + " is set"), settings.warnings());
    }

    @Test
    void verificationActionsFromOpenDkimConfOnDefaultFirstThenEachOption() throws Exception {
        MilterSettings defaults = openDkim("Socket inet:1\n");
        assertEquals(MilterSettings.Verification.DEFAULTS, defaults.verification());
        assertEquals(VerificationAction.ACCEPT, defaults.verification().actions().action(VerificationCase.DNS_ERROR),
                "a DNS outage never holds up mail");
        assertEquals(VerificationAction.TEMPFAIL,
                defaults.verification().actions().action(VerificationCase.INTERNAL_ERROR));
        MilterSettings settings = openDkim("Socket inet:1\nOn-BadSignature r\nOn-Default quarantine\n"
                + "On-DNSError tempfail\nMaximumSignaturesToVerify 5\n");
        VerificationActions actions = settings.verification().actions();
        assertEquals(VerificationAction.REJECT, actions.action(VerificationCase.BAD_SIGNATURE));
        assertEquals(VerificationAction.TEMPFAIL, actions.action(VerificationCase.DNS_ERROR));
        assertEquals(VerificationAction.QUARANTINE, actions.action(VerificationCase.NO_SIGNATURE),
                "On-Default for the rest");
        assertEquals(5, settings.verification().maxSignatures());
        assertTrue(settings.warnings().stream().noneMatch(w -> w.contains("On-BadSignature")
                || w.contains("MaximumSignaturesToVerify")), settings.warnings().toString());
        Path conf = dir.resolve("opendkim.conf");
        assertEquals(conf + ":2 (On-KeyNotFound): 'bounce' is not a handling action (expected: accept, reject,"
                + " tempfail, discard or quarantine)", assertThrows(ConfigException.class,
                        () -> openDkim("Socket inet:1\nOn-KeyNotFound bounce\n")).getMessage());
    }

    @Test
    void verificationSettingsInHocon() throws Exception {
        MilterSettings settings = hocon("postseal.milter {\n  on-default = tempfail\n  on-no-signature = a\n"
                + "  maximum-signatures-to-verify = 2\n  max-signature-field = 4KiB\n}\n", Map.of());
        VerificationActions actions = settings.verification().actions();
        assertEquals(VerificationAction.TEMPFAIL, actions.action(VerificationCase.BAD_SIGNATURE));
        assertEquals(VerificationAction.ACCEPT, actions.action(VerificationCase.NO_SIGNATURE));
        assertEquals(2, settings.verification().maxSignatures());
        assertEquals(4096, settings.verification().maxSignatureFieldBytes());
        assertTrue(settings.warnings().stream().noneMatch(w -> w.contains("unknown")), settings.warnings().toString());
    }

    @Test
    void everyVerificationCaseHasItsHoconSetting() throws Exception {
        StringBuilder text = new StringBuilder("postseal.milter {\n");
        for (VerificationCase c : VerificationCase.values()) {
            text.append("  ").append(VerificationOptions.hoconName(c.option())).append(" = discard\n");
        }
        MilterSettings settings = hocon(text + "}\n", Map.of());
        assertEquals(VerificationActions.all(VerificationAction.DISCARD), settings.verification().actions());
        assertEquals("on-dns-error", VerificationOptions.hoconName("On-DNSError"));
        assertTrue(settings.warnings().stream().noneMatch(w -> w.contains("unknown")), settings.warnings().toString());
    }

    @Test
    void postsealsOwnDefaults() throws Exception {
        MilterSettings settings = MilterSettings.load(Optional.empty(), Map.of(), dir);
        assertEquals(SocketSpec.parse("inet:8891@localhost"), settings.socket());
        assertEquals(CanonicalizationPair.RELAXED_RELAXED, settings.canonicalization());
        assertEquals(List.of("From"), settings.oversignedHeaders());
        assertEquals(SignatureSpec.DEFAULT_SIGNED_HEADERS, settings.signedHeaders());
        assertTrue(settings.signing());
        assertTrue(settings.verifying(), "mode sv, as OpenDKIM's default");
        assertEquals(MilterSettings.Verification.DEFAULTS, settings.verification());
        assertEquals(OnError.ACCEPT, settings.onError());
        assertEquals(1024, settings.minimumKeyBits());
        assertEquals(OptionalInt.empty(), settings.socketMode());
        assertEquals(List.of("127.0.0.1", "::1"), settings.policy().internalHosts().entries());
        assertEquals("reference.conf", settings.source());
        assertEquals(Optional.empty(), settings.user());
        assertEquals(Optional.empty(), settings.pidFile(), "no pid file unless asked");
        assertEquals(1, settings.warnings().size(), settings.warnings().toString());
    }

    /** pid-file: resolved against the working directory; the environment variable sets it when the file does not. */
    @Test
    void aPidFileInHoconOrFromTheEnvironment() {
        assertEquals(Optional.of(dir.resolve("run/milter.pid")),
                hocon("postseal.milter.pid-file = run/milter.pid\n", Map.of()).pidFile());
        assertEquals(Optional.of(Path.of("/run/postseal/milter.pid")), hocon("postseal.milter.socket = "
                + "\"inet:8891\"\n", Map.of("POSTSEAL_MILTER_PID_FILE", "/run/postseal/milter.pid")).pidFile());
        assertEquals(Optional.empty(), hocon("postseal.milter.pid-file = \"\"\n", Map.of()).pidFile());
    }

    @Test
    void anApplicationFileOverTheDefaults() throws Exception {
        Fixtures.write(dir, "KeyTable", "k %:s2024:/keys/%.private\n");
        Fixtures.write(dir, "SigningTable", "*@* k:@%\n");
        MilterSettings settings = hocon("postseal.milter {\n"
                + "  socket = \"local:/run/postseal/milter.sock\"\n"
                + "  socket-mode = \"0660\"\n  socket-group = postfix\n"
                + "  key-table = KeyTable\n  signing-table = \"refile:SigningTable\"\n"
                + "  internal-hosts = [\"127.0.0.1\", \"192.168.0.0/16\", \"!192.168.99.0/24\"]\n"
                + "  macro-list = [\"daemon_name=ORIGINATING\"]\n"
                + "  sign-headers = [\"*\", \"-Reply-To\"]\n  signature-ttl = 7d\n  on-error = accept\n"
                + "  canonicalization = \"simple/simple\"\n  authserv-id = mx.example.com\n}\n", Map.of());
        assertEquals(SocketSpec.parse("local:/run/postseal/milter.sock"), settings.socket());
        assertEquals(OptionalInt.of(0660), settings.socketMode());
        assertEquals(Optional.of("postfix"), settings.socketGroup());
        assertEquals(Optional.of(Duration.ofDays(7)), settings.signatureTtl());
        assertEquals(OnError.ACCEPT, settings.onError());
        assertEquals(Optional.of("mx.example.com"), settings.authservId());
        assertFalse(settings.signedHeaders().contains("Reply-To"));
        assertEquals(dir.resolve("postseal.conf").toString(), settings.source());
        assertTrue(settings.warnings().isEmpty(), settings.warnings().toString());

        SigningDecision decision = settings.policy().decide(Client.of(InetAddress.getByName("192.168.1.2"), ""),
                Optional.of("joe@example.org"));
        assertEquals(List.of(new SignatureRequest("k", "example.org", "s2024", "/keys/example.org.private",
                Optional.of("@example.org"))), decision.signatures());
        assertEquals(SigningDecision.Outcome.EXTERNAL, settings.policy().decide(Client.of(
                InetAddress.getByName("192.168.99.2"), ""), Optional.of("joe@example.org")).outcome());
        assertEquals(SigningDecision.Outcome.SIGN, settings.policy().decide(Client.of(
                InetAddress.getByName("192.0.2.9"), "").withMacros(Map.of("{daemon_name}", "ORIGINATING")),
                Optional.of("joe@example.org")).outcome());
    }

    @Test
    void environmentVariablesReplaceDefaultsAndTheFileWins() {
        Map<String, String> env = Map.of("POSTSEAL_MILTER_SOCKET", "inet6:8891@[::1]",
                "POSTSEAL_MILTER_ON_ERROR", "accept", "POSTSEAL_MILTER_INTERNAL_HOSTS", "10.0.0.0/8, ::1");
        MilterSettings fromEnv = MilterSettings.load(Optional.empty(), env, dir);
        assertEquals(SocketSpec.parse("inet6:8891@[::1]"), fromEnv.socket());
        assertEquals(OnError.ACCEPT, fromEnv.onError());
        assertEquals(List.of("10.0.0.0/8", "::1"), fromEnv.policy().internalHosts().entries());

        MilterSettings fileWins = hocon("postseal.milter.socket = \"inet:10025\"\n", env);
        assertEquals(SocketSpec.parse("inet:10025"), fileWins.socket());
        assertEquals(OnError.ACCEPT, fileWins.onError());
    }

    @Test
    void hoconErrorsNameFileAndLine() {
        ConfigException socket = assertThrows(ConfigException.class,
                () -> hocon("postseal.milter {\n  socket = \"inet:smtp\"\n}\n", Map.of()));
        assertEquals(dir.resolve("postseal.conf") + ": 2: socket: inet:smtp (expected: a port from 1 to 65535)",
                socket.getMessage());
        ConfigException type = assertThrows(ConfigException.class,
                () -> hocon("postseal.milter.minimum-key-bits = lots\n", Map.of()));
        assertTrue(type.getMessage().contains("postseal.conf: 1: minimum-key-bits has type STRING rather than"
                + " NUMBER"), type.getMessage());
        ConfigException syntax = assertThrows(ConfigException.class, () -> hocon("postseal.milter {\n", Map.of()));
        assertTrue(syntax.getMessage().contains("postseal.conf: 2"), syntax.getMessage());
        ConfigException mode = assertThrows(ConfigException.class,
                () -> hocon("postseal.milter.socket-mode = \"rw\"\n", Map.of()));
        assertEquals(dir.resolve("postseal.conf") + ": 1: 'rw' is not an octal mode such as 0660",
                mode.getMessage());
    }

    @Test
    void unknownSettingsWarn() {
        MilterSettings settings = hocon("postseal.milter {\n  sokcet = \"inet:1\"\n}\n", Map.of());
        assertTrue(settings.warnings().contains(dir.resolve("postseal.conf")
                + ": 2: unknown setting postseal.milter.sokcet ignored"), settings.warnings().toString());
    }
}
