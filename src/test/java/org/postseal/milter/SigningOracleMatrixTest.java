package org.postseal.milter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.unix.DomainSocketAddress;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.postseal.dkim.KeyLookupException;
import org.postseal.dkim.SigningKey;
import org.postseal.dkim.VerificationLimits;
import org.postseal.dns.KeyRecordSource;
import org.postseal.keys.DkimKeyGenerator;
import org.postseal.policy.HostList;
import org.postseal.policy.KeyTable;
import org.postseal.policy.NameSet;
import org.postseal.policy.SigningPolicy;
import org.postseal.policy.SigningTable;
import org.postseal.policy.VerificationActions;
import org.postseal.signing.OnError;
import org.postseal.signing.SignatureSelector;
import org.postseal.signing.SignatureTemplate;
import org.postseal.signing.SigningKeys;

/**
 * Never a signing oracle (issue 12): no client outside InternalHosts, and not authenticated, gets a signature by any
 * path the milter protocol offers. Every case runs over the three kinds of listener ({@code inet} on 127.0.0.1,
 * {@code inet6} on ::1, a unix socket), each in Mode s and in Mode sv, against OpenDKIM's rules as an administrator
 * writes them: InternalHosts {@code 127.0.0.1, ::1, localhost, 192.0.2.0/24, !192.0.2.66}, PeerList 198.51.100.7,
 * ExternalIgnoreList 203.0.113.9, the MTA list {@code ORIGINATING}, and a SigningTable for example.com and
 * example.org.
 *
 * <p>The client plays a hostile MTA with access to the socket, so every packet is its own: it speaks protocol
 * version 2 (every command answered) and carries on to the end of the message even after the milter has accepted it
 * at MAIL. A case passes when no DKIM-Signature field is inserted; the controls show that the same message from an
 * internal or authenticated client is signed, and with the {@code d=} of the From address. Each case's display name
 * says which attack it stops; docs/RELIABILITY.md ("Never a signing oracle") lists them.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class SigningOracleMatrixTest {
    private static final Pattern D_TAG = Pattern.compile("(?:^|[;\\s])d=([^;\\s]+)");
    private static final String[] FORGED_AUTH = {"{auth_type}", "PLAIN", "{auth_authen}", "boss"};

    /** The listeners a milter may be reached on. */
    enum Listener {
        INET("inet:127.0.0.1"), INET6("inet6:[::1]"), UNIX("local socket");

        private final String label;

        Listener(String label) {
            this.label = label;
        }

        @Override
        public String toString() {
            return label;
        }
    }

    /** Signing only, or signing and verifying (OpenDKIM's default). */
    enum Mode {
        S("Mode s"), SV("Mode sv");

        private final String label;

        Mode(String label) {
            this.label = label;
        }

        @Override
        public String toString() {
            return label;
        }
    }

    private static SigningKey key;
    private static Path socketDirectory;
    private static final Map<Listener, Map<Mode, MilterServer>> SERVERS = new EnumMap<>(Listener.class);

    @BeforeAll
    static void start() throws Exception {
        key = DkimKeyGenerator.rsa(1024);
        socketDirectory = Files.createTempDirectory(Path.of("/tmp"), "oracle-sock");
        SigningPolicy policy = SigningPolicy.builder()
                .internalHosts(HostList.of(List.of("127.0.0.1", "::1", "localhost", "192.0.2.0/24",
                        "!192.0.2.66")))
                .peerList(HostList.of(List.of("198.51.100.7")))
                .externalIgnoreList(HostList.of(List.of("203.0.113.9")))
                .mtas(NameSet.caseSensitive(List.of("ORIGINATING")))
                .tables(KeyTable.of(List.of(new KeyTable.Entry("com", "example.com", "sel", "/keys/com"),
                                new KeyTable.Entry("org", "example.org", "sel", "/keys/org"))),
                        SigningTable.ofPatterns(List.of(
                                new SigningTable.Entry("*@example.com", "com", Optional.empty()),
                                new SigningTable.Entry("*@example.org", "org", Optional.empty()))))
                .build();
        SigningPort rules = SigningPort.of(SignatureSelector.byPolicy(policy, SigningKeys.of(path -> key),
                SignatureTemplate.DEFAULT));
        KeyRecordSource noKeys = KeyRecordSource.of((selector, domain) -> {
            throw KeyLookupException.notFound("no key in this test");
        });
        VerificationSettings verifying = new VerificationSettings(noKeys, Optional.of("mx.example.com"),
                "mx.example.com", VerificationActions.DEFAULTS, new VerificationLimits(3, 8192));
        for (Listener listener : Listener.values()) {
            Map<Mode, MilterServer> byMode = new EnumMap<>(Mode.class);
            for (Mode mode : Mode.values()) {
                MilterSessions sessions = new MilterSessions(rules, OnError.ACCEPT, MilterLimits.DEFAULTS, 1,
                        Clock.systemUTC());
                byMode.put(mode, MilterServer.start(address(listener, mode),
                        mode == Mode.SV ? sessions.withVerification(verifying) : sessions, Optional.empty(),
                        Optional.empty()));
            }
            SERVERS.put(listener, byMode);
        }
    }

    @AfterAll
    static void stop() throws IOException {
        SERVERS.values().forEach(m -> m.values().forEach(MilterServer::close));
        try (Stream<Path> left = Files.list(socketDirectory)) {
            for (Path p : left.toList()) {
                Files.deleteIfExists(p);
            }
        }
        Files.deleteIfExists(socketDirectory);
    }

    private static SocketAddress address(Listener listener, Mode mode) {
        return switch (listener) {
            case INET -> new InetSocketAddress("127.0.0.1", 0);
            case INET6 -> new InetSocketAddress("::1", 0);
            case UNIX -> new DomainSocketAddress(socketDirectory.resolve(mode.name().toLowerCase() + ".sock")
                    .toString());
        };
    }

    private static MilterTestClient connect(Listener listener, Mode mode) throws IOException {
        MilterServer server = SERVERS.get(listener).get(mode);
        if (listener == Listener.UNIX) {
            return MilterTestClient.unix(Path.of(((DomainSocketAddress) server.localAddress()).path()));
        }
        return new MilterTestClient(server.localAddress());
    }

    // --- the matrix -------------------------------------------------------------------------------------------

    /** A conversation a hostile MTA holds with the milter; returns the replies to the message that counts. */
    @FunctionalInterface
    interface Script {
        List<MilterTestClient.Reply> run(Mta mta) throws IOException;
    }

    /**
     * One row of the matrix.
     *
     * @param name the attack it stops (or, for a control, what is signed)
     * @param script what the client sends
     * @param signedFor the d= expected, or empty when nothing may be signed
     */
    record Case(String name, Script script, Optional<String> signedFor) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Arguments> attacks() {
        return matrix(attackCases());
    }

    static Stream<Arguments> controls() {
        return matrix(controlCases());
    }

    private static Stream<Arguments> matrix(List<Case> cases) {
        List<Arguments> all = new ArrayList<>();
        for (Listener listener : Listener.values()) {
            for (Mode mode : Mode.values()) {
                for (Case c : cases) {
                    all.add(Arguments.of(listener, mode, c));
                }
            }
        }
        return all.stream();
    }

    @ParameterizedTest(name = "{0}, {1}: {2}")
    @MethodSource("attacks")
    @DisplayName("no signature for")
    void noSignature(Listener listener, Mode mode, Case attack) throws Exception {
        try (MilterTestClient client = connect(listener, mode)) {
            List<MilterTestClient.Reply> replies = attack.script().run(new Mta(client));
            assertEquals(List.of(), signatures(replies), attack.name());
        }
    }

    @ParameterizedTest(name = "{0}, {1}: {2}")
    @MethodSource("controls")
    @DisplayName("control, signed")
    void signed(Listener listener, Mode mode, Case control) throws Exception {
        try (MilterTestClient client = connect(listener, mode)) {
            List<MilterTestClient.Reply> replies = control.script().run(new Mta(client));
            List<String> signatures = signatures(replies);
            assertEquals(1, signatures.size(), control.name() + ": " + describe(replies));
            assertEquals(control.signedFor().orElseThrow(), domain(signatures.get(0)), signatures.get(0));
        }
    }

    @ParameterizedTest(name = "{0}, {1}")
    @MethodSource("listenersAndModes")
    @DisplayName("a PeerList client is left alone: neither signed nor verified, even authenticated")
    void peerListClientIsLeftAlone(Listener listener, Mode mode) throws Exception {
        try (MilterTestClient client = connect(listener, mode)) {
            Mta mta = new Mta(client);
            mta.connect("relay.example.net", '4', "198.51.100.7");
            mta.macros('M', FORGED_AUTH);
            List<MilterTestClient.Reply> atMail = mta.mail("joe@example.com");
            assertEquals('a', atMail.get(atMail.size() - 1).code(), "accepted at MAIL, the rest never sent");
            List<MilterTestClient.Reply> replies = mta.rest(standardHeader("joe@example.com"));
            assertTrue(replies.stream().noneMatch(r -> "ihm".indexOf(r.code()) >= 0),
                    "no field added or changed: " + describe(replies));
        }
    }

    @Test
    @DisplayName("Mode v: a PeerList client is left alone too, another external one is verified")
    void modeVLeavesAPeerListClientAlone() throws Exception {
        SigningPolicy peers = SigningPolicy.builder().peerList(HostList.of(List.of("198.51.100.7"))).build();
        KeyRecordSource noKeys = KeyRecordSource.of((selector, domain) -> {
            throw KeyLookupException.notFound("no key in this test");
        });
        MilterServer verifyOnly = MilterServer.start(new InetSocketAddress("127.0.0.1", 0),
                new MilterSessions(SigningPort.none("Mode v: verifying only", peers), OnError.ACCEPT,
                        MilterLimits.DEFAULTS, 1, Clock.systemUTC()).withVerification(new VerificationSettings(
                                noKeys, Optional.of("mx.example.com"), "mx.example.com", VerificationActions.DEFAULTS,
                                new VerificationLimits(3, 8192))), Optional.empty(), Optional.empty());
        try {
            try (MilterTestClient client = new MilterTestClient(verifyOnly.localAddress())) {
                Mta mta = new Mta(client);
                mta.connect("relay.example.net", '4', "198.51.100.7");
                assertEquals(List.of('a'), mta.mail("joe@example.com").stream().map(MilterTestClient.Reply::code)
                        .toList(), "a peer is accepted at MAIL");
            }
            try (MilterTestClient client = new MilterTestClient(verifyOnly.localAddress())) {
                List<MilterTestClient.Reply> replies = external("203.0.113.5", "Q3").run(new Mta(client));
                assertTrue(replies.stream().anyMatch(r -> r.code() == 'i' && r.text().contains(
                        "Authentication-Results")), "another external client is verified: " + describe(replies));
                assertEquals(List.of(), signatures(replies));
            }
        } finally {
            verifyOnly.close();
        }
    }

    static Stream<Arguments> listenersAndModes() {
        List<Arguments> all = new ArrayList<>();
        for (Listener listener : Listener.values()) {
            for (Mode mode : Mode.values()) {
                all.add(Arguments.of(listener, mode));
            }
        }
        return all.stream();
    }

    @Test
    @DisplayName("ExternalIgnoreList only silences the 'external host attempted to send as' notice (Mode sv)")
    void externalIgnoreListSilencesTheNoticeOnly() throws Exception {
        PrintStream saved = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        List<MilterTestClient.Reply> ignored;
        List<MilterTestClient.Reply> noticed;
        try {
            try (MilterTestClient client = connect(Listener.INET, Mode.SV)) {
                ignored = external("203.0.113.9", "Q-IGNORED").run(new Mta(client));
            }
            try (MilterTestClient client = connect(Listener.INET, Mode.SV)) {
                noticed = external("203.0.113.5", "Q-NOTICED").run(new Mta(client));
            }
        } finally {
            System.setErr(saved);
        }
        String log = captured.toString(StandardCharsets.UTF_8);
        saved.print(log);
        assertEquals(List.of(), signatures(ignored));
        assertEquals(List.of(), signatures(noticed));
        assertTrue(log.contains("WARN milter: Q-NOTICED: client 203.0.113.5 not internal"
                + " and not authenticated; it sent as example.com, a domain signed here"), log);
        assertFalse(log.contains("Q-IGNORED: client"), log);
    }

    private static List<Case> controlCases() {
        return List.of(
                new Case("an internal client (127.0.0.1)", internal("127.0.0.1", "joe@example.com"),
                        Optional.of("example.com")),
                new Case("an internal IPv6 client (::1)", internal6("::1", "joe@example.org"),
                        Optional.of("example.org")),
                new Case("an internal block (192.0.2.0/24)", internal("192.0.2.10", "joe@example.com"),
                        Optional.of("example.com")),
                new Case("a client authenticated with MAIL ({auth_type} in the MAIL macros)", mta -> {
                    mta.connect("[203.0.113.5]", '4', "203.0.113.5");
                    mta.macros('M', FORGED_AUTH);
                    return mta.message("joe@example.com", standardHeader("joe@example.com"));
                }, Optional.of("example.com")),
                new Case("a client on an MTA of the MTA list ({daemon_name} ORIGINATING with CONNECT)", mta -> {
                    mta.macros('C', "{daemon_name}", "ORIGINATING");
                    mta.connect("[203.0.113.5]", '4', "203.0.113.5");
                    return mta.message("joe@example.com", standardHeader("joe@example.com"));
                }, Optional.of("example.com")),
                new Case("decision: family U (Postfix's client without an inet peer) counts as 127.0.0.1, as in"
                        + " OpenDKIM", mta -> {
                            mta.connect("localhost", 'U', null);
                            return mta.message("joe@example.com", standardHeader("joe@example.com"));
                        }, Optional.of("example.com")),
                new Case("decision: ::ffff:127.0.0.1 is the IPv4 loopback host, internal", internal6(
                        "::ffff:127.0.0.1", "joe@example.com"), Optional.of("example.com")),
                new Case("From \"boss@example.org\" <joe@example.com> is signed for the address, not the name",
                        internalWith("\"boss@example.org\" <joe@example.com>"), Optional.of("example.com")),
                new Case("From boss@example.org <joe@example.com> (unquoted) is signed for the address",
                        internalWith("boss@example.org <joe@example.com>"), Optional.of("example.com")),
                new Case("an RFC 2047 display name reading <boss@example.org> is signed for the address",
                        internalWith("=?UTF-8?Q?=3Cboss@example.org=3E?= <joe@example.com>"),
                        Optional.of("example.com")),
                new Case("a folded From is signed for its address", internalWith("Joe\n\t<joe@example.com>"),
                        Optional.of("example.com")),
                new Case("a From of two mailboxes is signed for the first (one field, as in OpenDKIM)",
                        internalWith("joe@example.com, boss@example.org"), Optional.of("example.com")));
    }

    private static List<Case> attackCases() {
        List<Case> cases = new ArrayList<>(List.of(
                // who the client is
                new Case("an external client (203.0.113.5) sending as a signed domain",
                        external("203.0.113.5", "Q1"), Optional.empty()),
                new Case("an external IPv6 client (2001:db8::5)", mta -> {
                    mta.connect("[2001:db8::5]", '6', "2001:db8::5");
                    return mta.message("joe@example.com", standardHeader("joe@example.com"));
                }, Optional.empty()),
                new Case("the IPv4-mapped IPv6 form of an external address (::ffff:203.0.113.5)", internal6(
                        "::ffff:203.0.113.5", "joe@example.com"), Optional.empty()),
                new Case("an IPv4-compatible IPv6 address (::127.0.0.1) is not the loopback host", internal6(
                        "::127.0.0.1", "joe@example.com"), Optional.empty()),
                new Case("a NAT64 address embedding 127.0.0.1 (64:ff9b::7f00:1)", internal6("64:ff9b::7f00:1",
                        "joe@example.com"), Optional.empty()),
                new Case("Postfix's IPv6: prefix on an external address (IPv6:2001:db8::5)", internal6(
                        "IPv6:2001:db8::5", "joe@example.com"), Optional.empty()),
                new Case("a bracketed host name [127.0.0.1] on an external address", mta -> {
                    mta.connect("[127.0.0.1]", '4', "203.0.113.5");
                    return mta.message("joe@example.com", standardHeader("joe@example.com"));
                }, Optional.empty()),
                new Case("a host name extending an internal one (localhost.attacker.example)", mta -> {
                    mta.connect("localhost.attacker.example", '4', "203.0.113.5");
                    return mta.message("joe@example.com", standardHeader("joe@example.com"));
                }, Optional.empty()),
                new Case("an address excluded inside an internal block (!192.0.2.66)", internal("192.0.2.66",
                        "joe@example.com"), Optional.empty()),
                new Case("an unknown address family closes the connection", mta -> {
                    mta.connect("evil", 'X', "127.0.0.1");
                    return mta.message("joe@example.com", standardHeader("joe@example.com"));
                }, Optional.empty()),
                new Case("family 4 carrying a name instead of an address closes the connection", mta -> {
                    mta.connect("evil", '4', "localhost");
                    return mta.message("joe@example.com", standardHeader("joe@example.com"));
                }, Optional.empty()),
                new Case("a MAIL with no CONNECT (no identity) closes the connection",
                        mta -> mta.message("joe@example.com", standardHeader("joe@example.com")), Optional.empty()),
                // the lists
                new Case("an ExternalIgnoreList client (only a log notice is silenced)", external("203.0.113.9",
                        "Q2"), Optional.empty()),
                new Case("an authenticated PeerList client", mta -> {
                    mta.connect("relay.example.net", '4', "198.51.100.7");
                    mta.macros('M', FORGED_AUTH);
                    return mta.message("joe@example.com", standardHeader("joe@example.com"));
                }, Optional.empty()),
                new Case("an empty {auth_type} with a login ({auth_authen} alone) at MAIL", mta -> {
                    mta.connect("[203.0.113.5]", '4', "203.0.113.5");
                    mta.macros('M', "{auth_type}", "", "{auth_authen}", "boss");
                    return mta.message("joe@example.com", standardHeader("joe@example.com"));
                }, Optional.empty())));
        // forged authentication at every stage but MAIL
        for (char stage : new char[] {'C', 'H', 'R', 'T', 'L', 'N', 'B', 'E'}) {
            cases.add(new Case("{auth_type}/{auth_authen} forged in the " + stageName(stage) + " macros",
                    forgedAuthAt(stage), Optional.empty()));
        }
        cases.addAll(List.of(
                // what a previous message or session leaves behind
                new Case("authentication of the previous message on the connection (no ABORT between)",
                        leftoverAuthentication(false), Optional.empty()),
                new Case("authentication of an aborted message", leftoverAuthentication(true), Optional.empty()),
                new Case("an internal identity of the previous session (a new CONNECT, no QUIT_NC)",
                        leftoverIdentity(false), Optional.empty()),
                new Case("an internal identity of the previous session (QUIT_NC, then a new CONNECT)",
                        leftoverIdentity(true), Optional.empty()),
                new Case("the MTA list's {daemon_name} of the previous session (a new CONNECT, no QUIT_NC)",
                        leftoverDaemonName(false), Optional.empty()),
                new Case("the MTA list's {daemon_name} of the previous session (QUIT_NC, then a new CONNECT)",
                        leftoverDaemonName(true), Optional.empty()),
                // the From field
                new Case("an external client's From whose display name is an internal address",
                        externalWith("\"joe@example.com\" <joe@example.com>"), Optional.empty()),
                new Case("an external client's folded, RFC 2047-encoded From",
                        externalWith("=?UTF-8?B?Sm9l?=\n\t<joe@example.com>"), Optional.empty()),
                new Case("an internal client's message with two From fields (RFC 5322 allows one)", mta -> {
                    mta.connect("localhost", '4', "127.0.0.1");
                    return mta.message("joe@example.com", List.of(new String[] {"From", " joe@example.com"},
                            new String[] {"From", " boss@example.org"}, new String[] {"Subject", " hi"}));
                }, Optional.empty()),
                new Case("an internal client's message with two From fields, the second one folded", mta -> {
                    mta.connect("localhost", '4', "127.0.0.1");
                    return mta.message("joe@example.com", List.of(new String[] {"From", " joe@example.com"},
                            new String[] {"Subject", " hi"}, new String[] {"from", "\n\tboss@example.org"}));
                }, Optional.empty())));
        return cases;
    }

    private static String stageName(char stage) {
        return switch (stage) {
            case 'C' -> "CONNECT";
            case 'H' -> "HELO";
            case 'R' -> "RCPT";
            case 'T' -> "DATA";
            case 'L' -> "header";
            case 'N' -> "end-of-header";
            case 'B' -> "body";
            case 'E' -> "end-of-message";
            default -> String.valueOf(stage);
        };
    }

    /** An external client that sends the authentication macros with {@code stage} instead of MAIL. */
    private static Script forgedAuthAt(char stage) {
        return mta -> {
            if (stage == 'C') {
                mta.macros('C', FORGED_AUTH);
            }
            mta.connect("[203.0.113.5]", '4', "203.0.113.5");
            if (stage == 'H') {
                mta.macros('H', FORGED_AUTH);
            }
            mta.helo("boss.example.com");
            mta.mail("joe@example.com");
            mta.stageMacros = stage == 'C' || stage == 'H' ? 0 : stage;
            return mta.rest(standardHeader("joe@example.com"));
        };
    }

    private static Script leftoverAuthentication(boolean abort) {
        return mta -> {
            mta.connect("[203.0.113.5]", '4', "203.0.113.5");
            mta.macros('M', FORGED_AUTH);
            List<MilterTestClient.Reply> first = abort ? mta.mail("joe@example.com")
                    : mta.message("joe@example.com", standardHeader("joe@example.com"));
            if (abort) {
                mta.abort();
            } else {
                assertEquals(1, signatures(first).size(), "message 1, authenticated, is signed: " + describe(first));
            }
            return mta.message("joe@example.com", standardHeader("joe@example.com"));
        };
    }

    private static Script leftoverIdentity(boolean quitNc) {
        return mta -> {
            List<MilterTestClient.Reply> first = internal("127.0.0.1", "joe@example.com").run(mta);
            assertEquals(1, signatures(first).size(), "the internal session's message is signed");
            if (quitNc) {
                mta.quitNewConnection();
            }
            mta.connect("[203.0.113.5]", '4', "203.0.113.5");
            return mta.message("joe@example.com", standardHeader("joe@example.com"));
        };
    }

    private static Script leftoverDaemonName(boolean quitNc) {
        return mta -> {
            mta.macros('C', "{daemon_name}", "ORIGINATING");
            mta.connect("[203.0.113.5]", '4', "203.0.113.5");
            List<MilterTestClient.Reply> first = mta.message("joe@example.com", standardHeader("joe@example.com"));
            assertEquals(1, signatures(first).size(), "the MTA list's session is signed: " + describe(first));
            if (quitNc) {
                mta.quitNewConnection();
            }
            mta.connect("[203.0.113.6]", '4', "203.0.113.6");
            return mta.message("joe@example.com", standardHeader("joe@example.com"));
        };
    }

    private static Script internal(String address, String from) {
        return mta -> {
            mta.connect("[" + address + "]", '4', address);
            return mta.message(from, standardHeader(from));
        };
    }

    private static Script internal6(String address, String from) {
        return mta -> {
            mta.connect("[" + address + "]", '6', address);
            return mta.message(from, standardHeader(from));
        };
    }

    private static Script internalWith(String fromValue) {
        return mta -> {
            mta.connect("localhost", '4', "127.0.0.1");
            return mta.message("joe@example.com", List.of(new String[] {"From", " " + fromValue},
                    new String[] {"Subject", " hi"}));
        };
    }

    private static Script external(String address, String queueId) {
        return mta -> {
            mta.connect("[" + address + "]", '4', address);
            mta.macros('M', "i", queueId);
            return mta.message("joe@example.com", standardHeader("joe@example.com"));
        };
    }

    private static Script externalWith(String fromValue) {
        return mta -> {
            mta.connect("[203.0.113.5]", '4', "203.0.113.5");
            return mta.message("joe@example.com", List.of(new String[] {"From", " " + fromValue},
                    new String[] {"Subject", " hi"}));
        };
    }

    private static List<String[]> standardHeader(String from) {
        return List.of(new String[] {"From", " " + from}, new String[] {"To", " bob@example.net"},
                new String[] {"Subject", " quarterly figures"});
    }

    // --- the hostile MTA --------------------------------------------------------------------------------------

    /**
     * The MTA side, at protocol version 2 (every command is answered), sending on whatever the milter answers; once
     * the milter closes the connection, every later step is a no-op and the replies end there.
     */
    static final class Mta {
        private final MilterTestClient client;
        private boolean closed;
        /** The stage whose macros carry forged authentication in {@link #rest}, or 0. */
        char stageMacros;

        Mta(MilterTestClient client) throws IOException {
            this.client = client;
            client.negotiate(2, MilterTestClient.POSTFIX_ACTIONS, MilterTestClient.POSTFIX_STEPS_V2);
        }

        void macros(char stage, String... nameValues) throws IOException {
            if (!closed) {
                client.macro(stage, nameValues);
            }
        }

        void connect(String host, char family, String address) throws IOException {
            step('C', MilterTestClient.connectPayload(host, family, 4321, address));
        }

        void helo(String name) throws IOException {
            step('H', MilterTestClient.strings(name));
        }

        List<MilterTestClient.Reply> mail(String sender) throws IOException {
            return step('M', MilterTestClient.strings("<" + sender + ">"));
        }

        void abort() throws IOException {
            if (!closed) {
                client.send('A', new byte[0]);
            }
        }

        void quitNewConnection() throws IOException {
            if (!closed) {
                client.send('K', new byte[0]);
            }
        }

        /** MAIL, then {@link #rest}. */
        List<MilterTestClient.Reply> message(String sender, List<String[]> fields) throws IOException {
            List<MilterTestClient.Reply> replies = new ArrayList<>(mail(sender));
            replies.addAll(rest(fields));
            return replies;
        }

        /** RCPT, DATA, the fields, EOH, one body chunk and the end of the message: every reply to them. */
        List<MilterTestClient.Reply> rest(List<String[]> fields) throws IOException {
            List<MilterTestClient.Reply> replies = new ArrayList<>();
            forged('R');
            replies.addAll(step('R', MilterTestClient.strings("<bob@example.net>")));
            forged('T');
            replies.addAll(step('T', new byte[0]));
            for (String[] field : fields) {
                forged('L');
                replies.addAll(step('L', MilterTestClient.header(field[0].getBytes(StandardCharsets.UTF_8),
                        field[1].getBytes(StandardCharsets.UTF_8))));
            }
            forged('N');
            replies.addAll(step('N', new byte[0]));
            forged('B');
            replies.addAll(step('B', "Figures attached.\r\n".getBytes(StandardCharsets.UTF_8)));
            forged('E');
            if (!closed) {
                client.send('E', new byte[0]);
                try {
                    replies.addAll(client.readUntilFinal());
                } catch (EOFException | SocketException e) {
                    closed = true;
                }
            }
            return replies;
        }

        private void forged(char stage) throws IOException {
            if (stageMacros == stage) {
                macros(stage, FORGED_AUTH);
            }
        }

        /** Sends one command and reads its one reply; nothing once the milter has closed the connection. */
        private List<MilterTestClient.Reply> step(char code, byte[] payload) throws IOException {
            if (closed) {
                return List.of();
            }
            try {
                client.send(code, payload);
                return List.of(client.read());
            } catch (EOFException | SocketException e) {
                closed = true;
                return List.of();
            }
        }
    }

    // --- reading the replies ----------------------------------------------------------------------------------

    private static List<String> signatures(List<MilterTestClient.Reply> replies) {
        return replies.stream().filter(r -> r.code() == 'i' || r.code() == 'h').map(MilterTestClient.Reply::text)
                .filter(t -> t.contains("DKIM-Signature")).toList();
    }

    private static String domain(String signature) {
        Matcher m = D_TAG.matcher(signature.replace('\0', ' '));
        return m.find() ? m.group(1) : "(no d=)";
    }

    private static String describe(List<MilterTestClient.Reply> replies) {
        return Arrays.toString(replies.stream().map(r -> r.code() + ":" + r.text().replace('\0', '|')).toArray());
    }
}
