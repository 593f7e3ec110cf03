package org.postseal.config;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The options OpenDKIM 2.11 knows ({@code opendkim-config.h}, with the optional features compiled in), each with its
 * value type and what postseal does with it: applies it, or ignores it for a stated reason. OpenDKIM matches option
 * names ignoring case.
 */
final class OpenDkimOption {
    /** How OpenDKIM reads the value. */
    enum Type {
        /** Only the first character counts: T t Y y 1 for yes, F f N n 0 for no. */
        BOOLEAN,
        /** {@code strtol(value, 0)}, see {@link Strtol}: decimal, 0x hexadecimal, or octal with a leading 0. */
        INTEGER,
        /** Any text. */
        STRING,
        /** The name of another configuration file to read in place. */
        INCLUDE
    }

    private static final String LOGGING = "postseal always logs one line per message, with the keys used or the"
            + " reason it was not signed";
    private static final String PROCESS = "postseal leaves this to the service manager (systemd)";
    private static final String DNS = "postseal looks keys up with its own resolver (only Nameservers and DNSTimeout"
            + " apply)";
    private static final String VERIFY = "postseal's verification does not support it";
    private static final String UNSUPPORTED = "postseal does not support it";

    private static final Map<String, OpenDkimOption> BY_NAME = new HashMap<>();

    static {
        // applied by MilterSettings
        applied("BaseDirectory", Type.STRING);
        applied("Canonicalization", Type.STRING);
        applied("Domain", Type.STRING);
        applied("ExternalIgnoreList", Type.STRING);
        applied("Include", Type.INCLUDE);
        applied("InternalHosts", Type.STRING);
        applied("KeyFile", Type.STRING);
        applied("KeyTable", Type.STRING);
        applied("MacroList", Type.STRING);
        applied("MinimumKeyBits", Type.INTEGER);
        applied("Mode", Type.STRING);
        applied("MTA", Type.STRING);
        applied("MultipleSignatures", Type.BOOLEAN);
        applied("On-Default", Type.STRING);
        applied("On-SignatureError", Type.STRING);
        applied("OverSignHeaders", Type.STRING);
        applied("PeerList", Type.STRING);
        applied("PidFile", Type.STRING);
        applied("RequireSafeKeys", Type.BOOLEAN);
        applied("Selector", Type.STRING);
        applied("SignatureAlgorithm", Type.STRING);
        applied("SignatureTTL", Type.INTEGER);
        applied("SignHeaders", Type.STRING);
        applied("SigningTable", Type.STRING);
        applied("Socket", Type.STRING);
        applied("SoftwareHeader", Type.BOOLEAN);
        applied("SubDomains", Type.BOOLEAN);
        applied("UMask", Type.INTEGER);
        applied("UserID", Type.STRING); // the socket's group; the user is checked against the running one
        applied("AuthservID", Type.STRING);
        applied("Nameservers", Type.STRING);
        applied("DNSTimeout", Type.INTEGER);
        // verification (Mode v)
        for (String name : new String[] {"On-BadSignature", "On-DNSError", "On-InternalError", "On-KeyNotFound",
                "On-NoSignature", "On-Security"}) {
            applied(name, Type.STRING);
        }
        applied("MaximumSignaturesToVerify", Type.INTEGER);
        BY_NAME.put("x-header", new OpenDkimOption("X-Header", Type.BOOLEAN, true,
                "X-Header is the old name of SoftwareHeader; postseal reads it as SoftwareHeader"));

        // applied by LoggingSettings
        applied("Syslog", Type.BOOLEAN);
        applied("SyslogFacility", Type.STRING);
        applied("SyslogName", Type.STRING);
        for (String name : new String[] {"SyslogSuccess", "LogWhy", "LogResults"}) {
            ignored(name, Type.BOOLEAN, LOGGING);
        }
        ignored("MilterDebug", Type.INTEGER, "postseal's debug lines are asked for with -Dpostseal.log.level=debug");

        ignored("AutoRestart", Type.BOOLEAN, PROCESS);
        ignored("AutoRestartCount", Type.INTEGER, PROCESS);
        ignored("AutoRestartRate", Type.STRING, PROCESS);
        ignored("Background", Type.BOOLEAN, PROCESS);
        ignored("ChangeRootDirectory", Type.STRING, PROCESS);
        ignored("EnableCoredumps", Type.BOOLEAN, PROCESS);

        for (String name : new String[] {"ResolverConfiguration", "TrustAnchorFile", "BogusKey",
                "UnprotectedKey"}) {
            ignored(name, Type.STRING, DNS);
        }
        for (String name : new String[] {"DNSConnect", "ResolverTracing", "QueryCache"}) {
            ignored(name, Type.BOOLEAN, DNS);
        }

        for (String name : new String[] {"AllowSHA1Only", "AlwaysAddARHeader", "AuthservIDWithJobID",
                "DomainKeysCompat", "KeepAuthResults", "NoHeaderB", "RemoveARAll", "SendReports",
                "WeakSyntaxChecks", "Quarantine", "CaptureUnknownErrors", "StrictTestMode"}) {
            ignored(name, Type.BOOLEAN, VERIFY);
        }
        for (String name : new String[] {"MustBeSigned", "TrustSignaturesFrom", "Minimum", "RemoveARFrom",
                "On-ReputationError", "ReportAddress", "ReportBccAddress", "MTACommand", "SMTPURI",
                "RedirectFailuresTo",
                "TestPublicKeys", "TestDNSData", "ScreenPolicyScript", "FinalPolicyScript", "VBR-Certifiers",
                "VBR-TrustedCertifiers", "VBR-Type", "ATPSDomains", "ATPSHashAlgorithm"}) {
            ignored(name, Type.STRING, VERIFY);
        }
        ignored("ClockDrift", Type.INTEGER, VERIFY);
        ignored("VBR-PurgeFields", Type.BOOLEAN, VERIFY);
        ignored("VBR-TrustedCertifiersOnly", Type.BOOLEAN, VERIFY);

        for (String name : new String[] {"BodyLengthDB", "DiagnosticDirectory", "DontSignMailTo",
                "ExemptDomains", "OmitHeaders", "SelectCanonicalizationHeader", "SenderHeaders",
                "SetupPolicyScript", "TemporaryDirectory", "ReplaceRules", "ResignMailTo", "POPDBFile",
                "LDAPAuthMechanism", "LDAPAuthName", "LDAPAuthRealm", "LDAPAuthUser", "LDAPBindPassword",
                "LDAPBindUser", "LDAPKeepaliveIdle", "LDAPKeepaliveInterval", "LDAPKeepaliveProbes", "LDAPTimeout",
                "Statistics", "StatisticsName", "StatisticsPolicyScript", "StatisticsPrefix", "IdentityHeader",
                "SenderMacro", "DefaultSender", "ConditionalSignatures", "FlowData", "RateLimits",
                "ReputationCache", "ReputationDuplicates", "ReputationLimits", "ReputationLowTime",
                "ReputationLimitModifiers", "ReputationRatios", "ReputationRRDRoot", "ReputationSpamCheck"}) {
            ignored(name, Type.STRING, UNSUPPORTED);
        }
        for (String name : new String[] {"Diagnostics", "DisableCryptoInit", "FixCRLF", "KeepTemporaryFiles",
                "RequestReports", "ResignAll", "RemoveOldSignatures", "IgnoreMalformedMail", "RequiredHeaders",
                "StrictHeaders", "LDAPDisableCache", "LDAPUseTLS", "SoftStart", "LuaOnlySigning",
                "IdentityHeaderRemove", "ReputationTest", "ReputationVerbose"}) {
            ignored(name, Type.BOOLEAN, UNSUPPORTED);
        }
        for (String name : new String[] {"MaximumHeaders", "MaximumSignedBytes", "FlowDataFactor",
                "FlowDataTTL", "ReputationCacheTTL", "ReputationMinimum", "ReputationTimeFactor", "ReputationTimeout",
                "ReputationRRDHashDepth"}) {
            ignored(name, Type.INTEGER, UNSUPPORTED);
        }
    }

    private final String name;
    private final Type type;
    private final boolean applied;
    private final String warning;

    private OpenDkimOption(String name, Type type, boolean applied, String warning) {
        this.name = name;
        this.type = type;
        this.applied = applied;
        this.warning = warning;
    }

    private static void applied(String name, Type type) {
        BY_NAME.put(name.toLowerCase(Locale.ROOT), new OpenDkimOption(name, type, true, null));
    }

    private static void ignored(String name, Type type, String because) {
        BY_NAME.put(name.toLowerCase(Locale.ROOT), new OpenDkimOption(name, type, false,
                name + " is ignored: " + because));
    }

    /** The option of that name, ignoring case. */
    static Optional<OpenDkimOption> named(String name) {
        return Optional.ofNullable(BY_NAME.get(name.toLowerCase(Locale.ROOT)));
    }

    /** The name as OpenDKIM's documentation spells it. */
    String name() {
        return name;
    }

    Type type() {
        return type;
    }

    /** Whether postseal uses the option. */
    boolean applied() {
        return applied;
    }

    /** The warning setting this option deserves (why it is ignored, or how it is read); empty for none. */
    Optional<String> warning() {
        return Optional.ofNullable(warning);
    }
}
