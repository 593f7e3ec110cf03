package org.postseal.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.postseal.dkim.CanonicalizationPair;
import org.postseal.dkim.SignatureSpec;
import org.postseal.policy.SigningPolicy;
import org.postseal.policy.VerificationActions;
import org.postseal.signing.OnError;

/** Turns an {@link OpenDkimConf} into {@link MilterSettings}, with OpenDKIM's defaults and consistency rules. */
final class OpenDkimSettings {
    private OpenDkimSettings() {
    }

    /**
     * @param environment where {@code POSTSEAL_SYSLOG_SOCKET} may name another syslog socket than /dev/log
     * @param warnings gets the warnings (those of reading {@code conf} first), and decides what a bad table line does
     */
    static MilterSettings translate(OpenDkimConf conf, Map<String, String> environment, Warnings warnings) {
        conf.warnings().forEach(warnings::add);
        SocketSpec socket = conf.socket().orElseThrow(() -> ConfigException.at(conf.file().toString(),
                "Socket is not set (OpenDKIM needs it too); for example Socket local:/run/opendkim/opendkim.sock"));
        OpenDkimMode mode = OpenDkimMode.parse(conf.mode(), conf.origin("Mode"));

        PolicyInputs inputs = PolicyInputs.builder(conf::origin)
                .keyTable(conf.dataSet("KeyTable", warnings))
                .signingTable(conf.dataSet("SigningTable", warnings))
                .domain(conf.dataSet("Domain", warnings))
                .selector(conf.string("Selector"))
                .keyFile(conf.path("KeyFile").map(Object::toString))
                .internalHosts(conf.dataSet("InternalHosts", warnings))
                .peerList(conf.dataSet("PeerList", warnings))
                .externalIgnoreList(conf.dataSet("ExternalIgnoreList", warnings))
                .macroList(conf.dataSet("MacroList", warnings))
                .mta(conf.dataSet("MTA", warnings))
                .subDomains(conf.subDomains())
                .multipleSignatures(conf.multipleSignatures())
                .build();
        SigningPolicy policy = SettingReaders.policy(inputs, conf.baseDirectory(), warnings);

        MilterSettings.Builder settings = MilterSettings.builder(socket, policy)
                .source(conf.file().toString())
                .mode(mode.signs(), mode.verifies())
                .canonicalization(conf.string("Canonicalization")
                        .map(v -> SettingReaders.canonicalization(v, conf.origin("Canonicalization")))
                        .orElse(CanonicalizationPair.SIMPLE_SIMPLE))
                .signedHeaders(conf.dataSet("SignHeaders", warnings)
                        .map(s -> TableFile.headerNames(s, SignatureSpec.DEFAULT_SIGNED_HEADERS, warnings))
                        .orElse(SignatureSpec.DEFAULT_SIGNED_HEADERS))
                .oversignedHeaders(conf.dataSet("OverSignHeaders", warnings)
                        .map(s -> TableFile.headerNames(s, List.of(), warnings)).orElse(List.of()))
                .minimumKeyBits(conf.minimumKeyBits())
                .requireSafeKeys(conf.requireSafeKeys())
                .softwareHeader(conf.softwareHeader());
        conf.string("SignatureAlgorithm")
                .ifPresent(v -> settings.algorithm(SettingReaders.algorithm(v, conf.origin("SignatureAlgorithm"))));
        OptionalInt ttl = conf.integer("SignatureTTL");
        if (ttl.isPresent() && ttl.getAsInt() > 0) {
            settings.signatureTtl(Duration.ofSeconds(ttl.getAsInt()));
        }
        conf.authservId().ifPresent(settings::authservId);
        settings.syslog(LoggingSettings.fromOpenDkim(conf, environment, warnings));
        conf.pidFile().ifPresent(settings::pidFile);
        settings.dns(DnsSettingsReader.fromOpenDkim(conf));
        settings.verification(verification(conf));

        Optional<String> handling = conf.string("On-SignatureError");
        String handlingOption = "On-SignatureError";
        if (handling.isEmpty()) {
            handling = conf.string("On-Default");
            handlingOption = "On-Default";
        }
        // OpenDKIM rejects by default; postseal temp-fails instead (the sender keeps the message)
        settings.onError(handling.isPresent()
                ? SettingReaders.onError(handling.get(), conf.origin(handlingOption), warnings)
                : OnError.ACCEPT);

        // UserID user[:group]: OpenDKIM becomes that user, and its socket gets the group (the user's own without
        // one). postseal does not change user: the service runs as the user, and the group is set on the socket.
        conf.userId().map(u -> u.indexOf(':') >= 0 ? u.substring(0, u.indexOf(':')) : u).map(String::strip)
                .filter(u -> !u.isEmpty()).ifPresent(settings::user);
        if (socket.isUnix()) {
            conf.umask().ifPresent(umask -> settings.socketMode(0777 & ~umask));
            conf.userId().filter(u -> u.indexOf(':') >= 0)
                    .map(u -> u.substring(u.indexOf(':') + 1).strip())
                    .filter(g -> !g.isEmpty())
                    .ifPresent(settings::socketGroup);
        }
        return settings.warnings(warnings.list()).build();
    }

    /** On-BadSignature and the other verification actions, MaximumSignaturesToVerify. */
    private static MilterSettings.Verification verification(OpenDkimConf conf) {
        VerificationActions actions = VerificationOptions.actions(conf::string, conf::origin);
        int max = conf.integer("MaximumSignaturesToVerify")
                .orElse(MilterSettings.Verification.DEFAULTS.maxSignatures());
        if (max < 1) {
            throw ConfigException.at(conf.origin("MaximumSignaturesToVerify"), max + " (expected: >= 1)");
        }
        return new MilterSettings.Verification(actions, max,
                MilterSettings.Verification.DEFAULTS.maxSignatureFieldBytes());
    }
}
