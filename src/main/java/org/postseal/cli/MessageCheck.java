package org.postseal.cli;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.interfaces.RSAPublicKey;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.postseal.config.MilterSettings;
import org.postseal.dkim.SignatureSpec;
import org.postseal.dkim.SigningKey;
import org.postseal.milter.ClientInfo;
import org.postseal.milter.MessageContext;
import org.postseal.milter.SigningPort;
import org.postseal.events.NotSignedReason;
import org.postseal.policy.FromAddress;
import org.postseal.policy.IpText;
import org.postseal.policy.SigningExplanation;
import org.postseal.signing.SignatureChoice;
import org.postseal.transport.ExitStatus;

/**
 * {@code postseal check}'s question about one message: mail with this From, from this client, authenticated or not,
 * with these macros. It is answered by the milter's own signing port ({@link MilterDaemonCommand#prepare}), asked as
 * a milter session asks it: about the client at MAIL, then about the message at the end of its header. The policy's
 * {@link SigningExplanation} of the same decision says why, line by line.
 */
final class MessageCheck {
    private static final String AUTH_MECHANISM = "PLAIN";

    private final ClientInfo client;
    private final boolean clientGiven;
    private final Optional<String> login;
    private final Map<String, String> macros;
    private final Optional<String> from;

    private MessageCheck(ClientInfo client, boolean clientGiven, Optional<String> login, Map<String, String> macros,
            Optional<String> from) {
        this.client = client;
        this.clientGiven = clientGiven;
        this.login = login;
        this.macros = Map.copyOf(macros);
        this.from = from;
    }

    /**
     * The question the options ask.
     *
     * @param clientOption {@code IP[/NAME]}; without it, the client Postfix presents for mail from its own sendmail
     *     command: {@code localhost [127.0.0.1]}
     * @param auth the SMTP AUTH login, if the client authenticated
     * @param macros other milter macros ({@code daemon_name=ORIGINATING}...), names without braces
     * @param from the From header field's value
     * @throws CommandFailure with exit 64 for a client that is not an IP address
     */
    static MessageCheck of(Optional<String> clientOption, Optional<String> auth, Map<String, String> macros,
            Optional<String> from) {
        Map<String, String> all = new HashMap<>(macros);
        auth.ifPresent(user -> {
            all.put("auth_type", AUTH_MECHANISM);
            all.put("auth_authen", user);
        });
        ClientInfo client = clientOption.map(MessageCheck::client)
                .orElseGet(() -> new ClientInfo("localhost", '4', 0, Optional.of(address(new byte[] {127, 0, 0, 1}))));
        return new MessageCheck(client, clientOption.isPresent(), auth, all, from);
    }

    private static ClientInfo client(String option) {
        int slash = option.indexOf('/');
        String ip = slash < 0 ? option : option.substring(0, slash);
        String name = slash < 0 ? "" : option.substring(slash + 1);
        String literal = ip.startsWith("[") && ip.endsWith("]") ? ip.substring(1, ip.length() - 1) : ip;
        byte[] bytes = IpText.parse(literal).orElseThrow(() -> new CommandFailure(ExitStatus.USAGE, "--client: '"
                + option + "' (expected: an IP address, then optionally / and the host name Postfix reports)"));
        String hostName = name.isEmpty() ? "[" + IpText.format(bytes) + "]" : name;
        return new ClientInfo(hostName, bytes.length == 4 ? '4' : '6', 0, Optional.of(address(bytes)));
    }

    private static InetAddress address(byte[] bytes) {
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new AssertionError(e); // 4 or 16 bytes are always an address
        }
    }

    /** Whether a From address was given (otherwise only the client is asked about). */
    boolean hasFrom() {
        return from.isPresent();
    }

    /**
     * The answer, as lines: the question, the policy's reasons, and a line starting with {@code Result:}.
     *
     * @param signing the milter's signing port, built by start-up's own code
     */
    List<String> answer(MilterSettings settings, SigningPort signing) {
        List<String> lines = new ArrayList<>();
        lines.add(question());
        MessageContext atMail = context(Optional.empty());
        Optional<SignatureChoice.Skip> early = signing.mayClientSign(atMail);
        SignatureChoice choice = early.isPresent() || from.isEmpty() ? early.map(SignatureChoice.class::cast)
                .orElse(null) : signing.select(context(from));
        if (settings.signing()) {
            SigningExplanation explanation = settings.policy().explain(atMail.policyClient(), from);
            for (String reason : explanation.reasons()) {
                if (from.isPresent() || !reason.startsWith("not signed: message has no From")) {
                    lines.add("  " + reason);
                }
            }
        } else {
            lines.add("  Mode v: postseal signs nothing, it only verifies");
        }
        lines.add("  Result: " + result(choice, settings));
        return lines;
    }

    private String question() {
        String who = client.hostName().startsWith("[") ? IpText.format(client.address().orElseThrow().getAddress())
                : client.hostName() + " [" + IpText.format(client.address().orElseThrow().getAddress()) + "]";
        String how = login.map(u -> ", authenticated as " + u).orElse(", not authenticated");
        String given = clientGiven ? "" : " (no --client: as Postfix presents mail from its sendmail command)";
        String extra = macros.keySet().stream().anyMatch(m -> !m.startsWith("auth_"))
                ? ", macros " + new java.util.TreeMap<>(macros) : "";
        return from.map(f -> "Mail From: " + f + ", through client " + who).orElse("Mail through client " + who)
                + given + how + extra + ":";
    }

    private static String result(SignatureChoice choice, MilterSettings settings) {
        String unsigned = settings.verifying()
                ? "verified: its DKIM signatures are checked and an Authentication-Results field is added (Mode v)"
                : "not verified (no Mode v): passed on as it is";
        if (choice == null) {
            return "its mail may be signed; give --from to know for which addresses";
        }
        if (choice instanceof SignatureChoice.Sign sign) {
            List<String> signatures = new ArrayList<>();
            for (SignatureSpec spec : sign.specs()) {
                signatures.add("d=" + spec.domain() + " s=" + spec.selector() + " a=" + spec.algorithm().tag()
                        + spec.identity().map(i -> " i=" + i).orElse("") + " (" + describe(spec.key()) + ")");
            }
            return "signed: " + String.join("; ", signatures) + "; not verified (postseal does not verify what it"
                    + " signs)";
        }
        if (choice instanceof SignatureChoice.Fail fail) {
            return "cannot be signed (" + fail.reason() + "): " + settings.onError().wording()
                    + " (On-SignatureError)";
        }
        if (choice instanceof SignatureChoice.Skip skip && skip.kind() == NotSignedReason.PEER) {
            return "not signed; not verified: a PeerList client is left alone in every mode, as OpenDKIM leaves it";
        }
        return "not signed; " + unsigned;
    }

    /** A key in words: "2048-bit RSA key", "Ed25519 key". */
    static String describe(SigningKey key) {
        return key.publicKey() instanceof RSAPublicKey rsa ? rsa.getModulus().bitLength() + "-bit RSA key"
                : "Ed25519 key";
    }

    private MessageContext context(Optional<String> fromField) {
        String envelope = fromField.flatMap(FromAddress::parse).map(FromAddress::toString).orElse("");
        return new MessageContext(client, Optional.ofNullable(macros.get("auth_type")),
                Optional.ofNullable(macros.get("auth_authen")), envelope, fromField.stream().toList(), "check", macros);
    }
}
