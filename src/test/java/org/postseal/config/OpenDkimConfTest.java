package org.postseal.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class OpenDkimConfTest {
    @TempDir
    Path dir;

    private OpenDkimConf conf(String text) {
        return OpenDkimConf.read(Fixtures.write(dir, "opendkim.conf", text), dir);
    }

    /** Debian 12's /etc/opendkim.conf, as installed. */
    @Test
    void readsDebiansDefaultConfiguration() {
        Path file = Fixtures.copy("debian/opendkim.conf", dir);
        OpenDkimConf conf = OpenDkimConf.read(file, dir);
        assertEquals(Optional.of("relaxed/simple"), conf.string("Canonicalization"));
        assertEquals(Optional.of("From"), conf.string("OversignHeaders"));
        assertEquals(Optional.of(SocketSpec.parse("local:/run/opendkim/opendkim.sock")), conf.socket());
        assertEquals(OptionalInt.of(7), conf.umask(), "007 is octal, as strtol(s, 0) reads it");
        assertEquals(Optional.of("opendkim"), conf.userId());
        assertEquals(Optional.of(Path.of("/run/opendkim/opendkim.pid")), conf.pidFile());
        assertTrue(conf.syslog());
        assertEquals("sv", conf.mode());
        assertFalse(conf.subDomains());
        assertTrue(conf.requireSafeKeys());
        assertEquals(1024, conf.minimumKeyBits());
        assertEquals(List.of(), conf.nameservers());
        assertEquals(List.of(
                file + ":7: SyslogSuccess is ignored: postseal always logs one line per message, with the keys used"
                        + " or the reason it was not signed",
                file + ":50: TrustAnchorFile is ignored: postseal looks keys up with its own resolver (only"
                        + " Nameservers and DNSTimeout apply)"), conf.warnings());
    }

    /** The tutorial's additions: TrustedHosts (unknown to OpenDKIM) becomes InternalHosts, with a warning. */
    @Test
    void readsTheSeedTutorialsConfiguration() {
        Path file = Fixtures.copy("seed/opendkim.conf", dir);
        OpenDkimConf conf = OpenDkimConf.read(file, dir);
        assertEquals(Optional.of(SocketSpec.parse("local:/var/spool/postfix/opendkim/opendkim.sock")),
                conf.socket());
        assertEquals(Optional.of(dir + "/KeyTable"), conf.string("KeyTable"));
        assertEquals(Optional.of(dir + "/SigningTable"), conf.string("SigningTable"));
        assertEquals(Optional.of(dir + "/TrustedHosts"), conf.string("InternalHosts"));
        assertTrue(conf.warnings().contains(file + ":56: TrustedHosts is not an OpenDKIM option (OpenDKIM refuses to"
                + " start on it); postseal reads it as InternalHosts"), conf.warnings().toString());
        assertEquals(file + ":56 (InternalHosts)", conf.origin("InternalHosts"));
    }

    @Test
    void trustedHostsIsIgnoredWhenInternalHostsIsSet() {
        OpenDkimConf conf = conf("InternalHosts 10.0.0.0/8\nTrustedHosts /etc/opendkim/TrustedHosts\n");
        assertEquals(Optional.of("10.0.0.0/8"), conf.string("InternalHosts"));
        assertEquals(List.of(dir.resolve("opendkim.conf") + ":2: TrustedHosts is not an OpenDKIM option (OpenDKIM"
                + " refuses to start on it); ignored, because InternalHosts is set"), conf.warnings());
    }

    @ParameterizedTest
    @CsvSource({"yes, true", "Yes, true", "true, true", "True, true", "1, true", "y, true", "t, true",
        "no, false", "No, false", "false, false", "0, false", "n, false", "f, false", "yellow, true"})
    void booleansLookAtTheFirstCharacter(String value, boolean expected) {
        assertEquals(Optional.of(expected), conf("SubDomains " + value + "\n").bool("SubDomains"));
    }

    @Test
    void aBooleanThatIsNeitherIsAnError() {
        ConfigException e = assertThrows(ConfigException.class, () -> conf("\nSyslog maybe\n"));
        assertEquals(dir.resolve("opendkim.conf") + ":2: Syslog 'maybe' is not a boolean (expected: yes or no)",
                e.getMessage());
    }

    /** Found by fuzzing: a NUL in a path value reached Path.of, whose InvalidPathException named no file or line. */
    @Test
    void aNulByteIsRefusedWithItsLine() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> conf("Syslog yes\nBaseDirectory /var/run/open\0dkim\n"));
        assertEquals(dir.resolve("opendkim.conf") + ":2: contains a NUL byte (a configuration file is text)",
                e.getMessage());
    }

    @ParameterizedTest
    @CsvSource({"1024, 1024", "007, 7", "0x1f, 31", "022, 18", "0, 0", "-1, -1"})
    void integersAreReadAsStrtolReadsThem(String value, int expected) {
        assertEquals(OptionalInt.of(expected), conf("UMask " + value + "\n").integer("UMask"));
    }

    @Test
    void badIntegersAndMissingValuesAreErrors() {
        assertEquals(dir.resolve("opendkim.conf") + ":1: MinimumKeyBits '1024 bits' is not an integer",
                assertThrows(ConfigException.class, () -> conf("MinimumKeyBits 1024 bits\n")).getMessage());
        assertEquals(dir.resolve("opendkim.conf") + ":3: UMask has no value",
                assertThrows(ConfigException.class, () -> conf("#\n\nUMask   # comment\n")).getMessage());
    }

    @Test
    void optionNamesIgnoreCaseAndCommentsEndLines() {
        OpenDkimConf conf = conf("  keytable\t/etc/opendkim/KeyTable # the table\r\nSOCKET inet:8891@localhost\n");
        assertEquals(Optional.of("/etc/opendkim/KeyTable"), conf.string("KeyTable"));
        assertEquals(Optional.of(SocketSpec.parse("inet:8891@localhost")), conf.socket());
        assertTrue(conf.warnings().isEmpty(), conf.warnings().toString());
    }

    @Test
    void unknownOptionsWarnAndTheLastRepeatCounts() {
        OpenDkimConf conf = conf("Sockett inet:1@x\nMode s\nMode sv\n");
        Path file = dir.resolve("opendkim.conf");
        assertEquals(List.of(file + ":1: unknown option 'Sockett' ignored (OpenDKIM refuses to start on it)",
                file + ":3: Mode repeats " + file + ":2; the last one counts"), conf.warnings());
        assertEquals("sv", conf.mode());
    }

    @Test
    void includeReadsAnotherFileInPlace() {
        Fixtures.write(dir, "extra.conf", "Selector mail\nKeyFile keys/mail.private\n");
        OpenDkimConf conf = conf("Domain example.com\nInclude " + dir.resolve("extra.conf") + "\n");
        assertEquals(Optional.of("mail"), conf.string("Selector"));
        assertEquals(Optional.of(dir.resolve("keys/mail.private")), conf.path("KeyFile"));
        assertEquals(dir.resolve("opendkim.conf") + ":1: cannot read " + dir.resolve("missing.conf")
                + ": no such file", assertThrows(ConfigException.class,
                        () -> conf("Include " + dir.resolve("missing.conf") + "\n")).getMessage());
        Fixtures.write(dir, "loop.conf", "Include " + dir.resolve("loop.conf") + "\n");
        assertTrue(assertThrows(ConfigException.class, () -> OpenDkimConf.read(dir.resolve("loop.conf"), dir))
                .getMessage().endsWith("Include nested more than 5 deep"));
    }

    @Test
    void relativePathsResolveAgainstBaseDirectory() {
        OpenDkimConf conf = conf("BaseDirectory /srv/dkim\nKeyFile keys/a.private\nPidFile /run/x.pid\n");
        assertEquals(Path.of("/srv/dkim"), conf.baseDirectory());
        assertEquals(Optional.of(Path.of("/srv/dkim/keys/a.private")), conf.path("KeyFile"));
        assertEquals(Optional.of(Path.of("/run/x.pid")), conf.pidFile());
        assertEquals(Optional.of(dir.resolve("k")), conf("KeyFile k\n").path("KeyFile"));
    }

    /** Every option in OpenDKIM 2.11's opendkim-config.h, optional features included, is known. */
    @Test
    void knowsEveryOpenDkimOption() {
        for (String name : List.of(
            "AllowSHA1Only", "AlwaysAddARHeader", "ATPSDomains", "ATPSHashAlgorithm", "AuthservID",
            "AuthservIDWithJobID", "AutoRestart", "AutoRestartCount", "AutoRestartRate", "Background",
            "BaseDirectory", "BodyLengthDB", "BogusKey", "Canonicalization", "CaptureUnknownErrors",
            "ChangeRootDirectory", "ClockDrift", "ConditionalSignatures", "DefaultSender", "Diagnostics",
            "DiagnosticDirectory", "DisableCryptoInit", "DNSConnect", "DNSTimeout", "Domain", "DomainKeysCompat",
            "DontSignMailTo", "EnableCoredumps", "ExemptDomains", "ExternalIgnoreList", "FinalPolicyScript",
            "FixCRLF", "FlowData", "FlowDataFactor", "FlowDataTTL", "IdentityHeader", "IdentityHeaderRemove",
            "IgnoreMalformedMail", "Include", "InternalHosts", "KeepAuthResults", "KeepTemporaryFiles", "KeyFile",
            "KeyTable", "LDAPAuthMechanism", "LDAPAuthName", "LDAPAuthRealm", "LDAPAuthUser", "LDAPBindPassword",
            "LDAPBindUser", "LDAPDisableCache", "LDAPKeepaliveIdle", "LDAPKeepaliveInterval", "LDAPKeepaliveProbes",
            "LDAPTimeout", "LDAPUseTLS", "LogResults", "LogWhy", "LuaOnlySigning", "MaximumHeaders",
            "MaximumSignedBytes", "MaximumSignaturesToVerify", "MacroList", "MilterDebug", "Minimum",
            "MinimumKeyBits", "MultipleSignatures", "Mode", "MTA", "MTACommand", "MustBeSigned", "Nameservers",
            "NoHeaderB", "OmitHeaders", "On-BadSignature", "On-Default", "On-DNSError", "On-InternalError",
            "On-KeyNotFound", "On-NoSignature", "On-ReputationError", "On-Security", "On-SignatureError",
            "OverSignHeaders", "PeerList", "PidFile", "POPDBFile", "Quarantine", "QueryCache", "RateLimits",
            "RedirectFailuresTo", "RemoveARAll", "RemoveARFrom", "RemoveOldSignatures", "ReplaceRules",
            "ReportAddress", "ReportBccAddress", "ReputationCache", "ReputationCacheTTL", "ReputationDuplicates",
            "ReputationLimits", "ReputationLowTime", "ReputationMinimum", "ReputationLimitModifiers",
            "ReputationRatios", "ReputationRRDHashDepth", "ReputationRRDRoot", "ReputationTest", "ReputationVerbose",
            "ReputationSpamCheck", "ReputationTimeFactor", "ReputationTimeout", "RequestReports", "RequiredHeaders",
            "RequireSafeKeys", "ResignAll", "ResignMailTo", "ResolverConfiguration", "ResolverTracing",
            "ScreenPolicyScript", "Selector", "SelectCanonicalizationHeader", "SenderHeaders", "SenderMacro",
            "SendReports", "SetupPolicyScript", "SignatureAlgorithm", "SignatureTTL", "SignHeaders", "SigningTable",
            "SMTPURI", "Socket", "SoftwareHeader", "SoftStart", "Statistics", "StatisticsName",
            "StatisticsPolicyScript", "StatisticsPrefix", "StrictHeaders", "StrictTestMode", "SubDomains", "Syslog",
            "SyslogFacility", "SyslogName", "SyslogSuccess", "TemporaryDirectory", "TestDNSData", "TestPublicKeys",
            "TrustAnchorFile", "TrustSignaturesFrom", "UMask", "UnprotectedKey", "UserID", "VBR-Certifiers",
            "VBR-PurgeFields", "VBR-TrustedCertifiers", "VBR-TrustedCertifiersOnly", "VBR-Type", "WeakSyntaxChecks",
            "X-Header")) {
            assertTrue(OpenDkimOption.named(name).isPresent(), name);
            assertTrue(OpenDkimOption.named(name.toUpperCase(java.util.Locale.ROOT)).isPresent(), name);
        }
        assertFalse(OpenDkimOption.named("TrustedHosts").isPresent());
    }

    @Test
    void softwareHeaderHasAnOldName() {
        OpenDkimConf conf = conf("X-Header yes\n");
        assertTrue(conf.softwareHeader());
        assertEquals(List.of(dir.resolve("opendkim.conf") + ":1: X-Header is the old name of SoftwareHeader;"
                + " postseal reads it as SoftwareHeader"), conf.warnings());
    }

    @Test
    void aMalformedSocketNamesItsLine() {
        assertEquals(dir.resolve("opendkim.conf") + ":1 (Socket): socket: inet:localhost:8891 (expected:"
                + " inet:port@host; Postfix writes inet:host:port, OpenDKIM inet:8891@localhost)",
                assertThrows(ConfigException.class, () -> conf("Socket inet:localhost:8891\n").socket())
                        .getMessage());
    }
}
