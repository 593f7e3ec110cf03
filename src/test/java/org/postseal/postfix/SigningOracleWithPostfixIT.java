package org.postseal.postfix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.unix.DomainSocketAddress;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.postseal.dkim.SigningKey;
import org.postseal.interop.Peers;
import org.postseal.interop.Peers.Peer;
import org.postseal.keys.DkimKeyGenerator;
import org.postseal.keys.KeyRecordText;
import org.postseal.milter.MessageContext;
import org.postseal.milter.MilterLimits;
import org.postseal.milter.MilterServer;
import org.postseal.milter.MilterSessions;
import org.postseal.milter.SigningPort;
import org.postseal.policy.HostList;
import org.postseal.policy.KeyTable;
import org.postseal.policy.SigningPolicy;
import org.postseal.policy.SigningTable;
import org.postseal.postfix.PostfixInstance.MilterDefaultAction;
import org.postseal.postfix.PostfixInstance.Options;
import org.postseal.signing.OnError;
import org.postseal.signing.SignatureChoice;
import org.postseal.signing.SignatureSelector;
import org.postseal.signing.SignatureTemplate;
import org.postseal.signing.SigningKeys;

/**
 * Never a signing oracle, behind a real Postfix (issue 12): the paths a stranger on the network has into Postfix
 * ({@code smtpd_milters}, over an inet and a unix-socket milter listener), and the paths only the machine itself has
 * ({@code non_smtpd_milters}: Postfix's sendmail; Postfix's own bounces). The milter runs in this JVM with OpenDKIM's
 * rules (InternalHosts 127.0.0.1 and ::1; example.org and Postfix's own domain mta.postseal.test signed) and
 * records what Postfix told it about each client, so that the test shows both what arrived at the sink and why.
 * A stranger is a client on 127.0.0.2.
 */
class SigningOracleWithPostfixIT {
    private static final Duration DELIVERY = Duration.ofSeconds(60);
    private static final String STRANGER = "127.0.0.2";
    private static final Pattern CODE = Pattern.compile("^(\\d{3})([ -])(.*)$");

    static final Map<String, String> RECORDS = new LinkedHashMap<>();
    static final List<MessageContext> SEEN = new CopyOnWriteArrayList<>();
    static Path socketDirectory;
    static MilterServer inet;
    static MilterServer unix;

    @BeforeAll
    static void start() throws Exception {
        PostfixPrograms.require();
        Peers.require(Peer.DKIMPY);
        SigningKey org = DkimKeyGenerator.rsa(2048);
        SigningKey mta = DkimKeyGenerator.rsa(2048);
        RECORDS.put(Peers.keyName("org", "example.org"), KeyRecordText.of(org).value());
        RECORDS.put(Peers.keyName("mta", PostfixInstance.HOSTNAME), KeyRecordText.of(mta).value());
        SigningPolicy policy = SigningPolicy.builder().internalHosts(HostList.DEFAULT_INTERNAL)
                .tables(KeyTable.of(List.of(new KeyTable.Entry("org", "example.org", "org", "org"),
                                new KeyTable.Entry("mta", PostfixInstance.HOSTNAME, "mta", "mta"))),
                        SigningTable.ofPatterns(List.of(
                                new SigningTable.Entry("*@example.org", "org", Optional.empty()),
                                new SigningTable.Entry("*@" + PostfixInstance.HOSTNAME, "mta", Optional.empty()))))
                .build();
        SigningPort rules = SigningPort.of(SignatureSelector.byPolicy(policy,
                SigningKeys.of(name -> name.equals("org") ? org : mta), SignatureTemplate.DEFAULT));
        SigningPort recording = new SigningPort() {
            @Override
            public Optional<SignatureChoice.Skip> mayClientSign(MessageContext context) {
                SEEN.add(context);
                return rules.mayClientSign(context);
            }

            @Override
            public SignatureChoice select(MessageContext context) {
                return rules.select(context);
            }
        };
        MilterSessions sessions = new MilterSessions(recording, OnError.ACCEPT, MilterLimits.DEFAULTS, 2,
                Clock.systemUTC());
        inet = MilterServer.start(new InetSocketAddress("127.0.0.1", 0), sessions, Optional.empty(),
                Optional.empty());
        socketDirectory = Files.createTempDirectory(Path.of("/tmp"), "oracle-postfix");
        Files.setPosixFilePermissions(socketDirectory, PosixFilePermissions.fromString("rwxr-xr-x"));
        unix = MilterServer.start(new DomainSocketAddress(socketDirectory.resolve("postseal.sock").toString()),
                sessions, Optional.of(PosixFilePermissions.fromString("rw-rw----")), Optional.of("postfix"));
    }

    @AfterAll
    static void stop() throws IOException {
        if (inet != null) {
            inet.close();
        }
        if (unix != null) {
            unix.close();
        }
        if (socketDirectory != null) {
            Files.deleteIfExists(socketDirectory.resolve("postseal.sock"));
            Files.deleteIfExists(socketDirectory);
        }
    }

    @BeforeEach
    void forget() {
        SEEN.clear();
    }

    private static String milter(String listener) {
        return listener.equals("unix") ? "unix:" + ((DomainSocketAddress) unix.localAddress()).path()
                : "inet:127.0.0.1:" + ((InetSocketAddress) inet.localAddress()).getPort();
    }

    private static Options.Builder options(String listener) {
        return Options.builder().milter(milter(listener)).milterProtocol(6)
                .milterDefaultAction(MilterDefaultAction.TEMPFAIL);
    }

    @ParameterizedTest(name = "smtpd_milters over the {0} listener")
    @ValueSource(strings = {"inet", "unix"})
    @DisplayName("a stranger gets no signature through smtpd, whatever it claims; internal and authenticated do")
    void aStrangerGetsNoSignatureThroughSmtpd(String listener) throws Exception {
        try (DovecotAuthServer auth = DovecotAuthServer.start(Map.of("alice", "secret"));
                PostfixInstance postfix = PostfixInstance.start(options(listener)
                        // an smtpd offering AUTH where loopback clients may also relay without it
                        .smtpd("auth-optional", "smtpd_sasl_auth_enable=yes", "smtpd_sasl_type=dovecot",
                                "smtpd_sasl_path=" + auth.path())
                        .build())) {
            int authOptional = postfix.smtpdPort("auth-optional");
            // the attacks: what a client on the network can send
            postfix.sendSmtp("joe@example.org", List.of("bob@example.net"), message("joe@example.org",
                    "a stranger sending as a signed domain"), STRANGER);
            postfix.sendSmtp("joe@example.org", List.of("bob@example.net"), message("joe@example.org",
                    "a stranger claiming authentication in the header",
                    "Authentication-Results: " + PostfixInstance.HOSTNAME + "; auth=pass smtp.auth=joe@example.org",
                    "X-Authenticated-User: joe@example.org"), STRANGER);
            List<String> xclient = rawSmtp(postfix.smtpPort(), List.of("XCLIENT ADDR=127.0.0.1 NAME=localhost"),
                    "MAIL FROM:<joe@example.org>", message("joe@example.org",
                            "a stranger trying XCLIENT ADDR=127.0.0.1"));
            assertTrue(xclient.get(1).startsWith("550"), "Postfix refuses XCLIENT from a stranger: " + xclient);
            List<String> failedAuth = rawSmtp(authOptional, List.of("AUTH PLAIN " + Base64.getEncoder()
                    .encodeToString("\0alice\0wrong".getBytes(StandardCharsets.UTF_8))),
                    "MAIL FROM:<joe@example.org>", message("joe@example.org",
                            "a stranger whose SMTP AUTH failed"));
            assertTrue(failedAuth.get(1).startsWith("535"), "wrong password: " + failedAuth);
            List<String> authParameter = rawSmtp(authOptional, List.of(), "MAIL FROM:<joe@example.org>"
                    + " AUTH=<joe@example.org>", message("joe@example.org",
                            "a stranger giving AUTH= on MAIL FROM without authenticating"));
            assertTrue(authParameter.get(authParameter.size() - 1).startsWith("250"), authParameter.toString());
            postfix.sendSmtp("joe@example.org", List.of("bob@example.net"), twoFromFields(), "127.0.0.1");
            // the controls: the same message from an internal and from an authenticated client
            postfix.sendSmtp("joe@example.org", List.of("bob@example.net"), message("joe@example.org",
                    "an internal client"), "127.0.0.1");
            List<String> authenticated = rawSmtp(authOptional, List.of("AUTH PLAIN " + Base64.getEncoder()
                    .encodeToString("\0alice\0secret".getBytes(StandardCharsets.UTF_8))),
                    "MAIL FROM:<joe@example.org>", message("joe@example.org", "an authenticated stranger"));
            assertTrue(authenticated.get(1).startsWith("235"), authenticated.toString());
            Map<String, DeliveredMessage> delivered = bySubject(postfix.awaitDelivered(8, DELIVERY));

            for (String subject : List.of("a stranger sending as a signed domain",
                    "a stranger claiming authentication in the header", "a stranger trying XCLIENT ADDR=127.0.0.1",
                    "a stranger whose SMTP AUTH failed",
                    "a stranger giving AUTH= on MAIL FROM without authenticating",
                    "an internal client's message with two From fields")) {
                DeliveredMessage message = delivered.get(subject);
                assertEquals(List.of(), message.headerFields("DKIM-Signature"), subject + ":\n" + message.text());
            }
            for (String subject : List.of("an internal client", "an authenticated stranger")) {
                DeliveredMessage message = delivered.get(subject);
                assertEquals(1, message.headerFields("DKIM-Signature").size(), subject + ":\n" + message.text());
                Peers.PeerResult dkimpy = Peers.dkimpyVerify(message.bytes(), RECORDS);
                assertTrue(dkimpy.allPassed(), subject + ": " + dkimpy.output());
            }
            // what Postfix told the milter: every stranger's message came as 127.0.0.2, authenticated only once
            List<MessageContext> strangers = SEEN.stream().filter(c -> c.client().describe().equals(STRANGER))
                    .toList();
            assertEquals(6, strangers.size(), "five attacks and the authenticated control: " + SEEN);
            List<MessageContext> authenticatedSeen = strangers.stream().filter(c -> c.authType().isPresent())
                    .toList();
            assertEquals(1, authenticatedSeen.size(), "only the real SMTP AUTH counts: " + strangers);
            assertEquals(Optional.of("alice"), authenticatedSeen.get(0).authenticatedAs());
        }
    }

    @Test
    @DisplayName("non_smtpd_milters: Postfix's sendmail reaches the milter as localhost, 127.0.0.1, and is signed")
    void localSubmissionIsTheLocalHost() throws Exception {
        try (PostfixInstance postfix = PostfixInstance.start(options("inet").build())) {
            postfix.sendmail(lf(message("joe@example.org", "local submission")), "-t", "-i", "-f",
                    "joe@example.org");
            DeliveredMessage message = postfix.awaitDelivered(1, DELIVERY).get(0);
            assertEquals(1, message.headerFields("DKIM-Signature").size(), message.text());
            assertTrue(Peers.dkimpyVerify(message.bytes(), RECORDS).allPassed());
            assertEquals(1, SEEN.size(), SEEN.toString());
            MessageContext local = SEEN.get(0);
            assertEquals("localhost", local.client().hostName(), local.toString());
            assertEquals('4', local.client().family(), local.toString());
            assertEquals("127.0.0.1", local.client().describe(), local.toString());
            assertEquals(Optional.empty(), local.authType());
        }
    }

    @Test
    @DisplayName("Postfix's own bounce of a stranger's message is not signed (internal_mail_filter_classes empty)")
    void aBounceOfAStrangersMessageIsNotSignedByDefault() throws Exception {
        DeliveredMessage bounce = bounceOfAStrangersMessage(options("inet"));
        assertEquals(List.of(), bounce.headerFields("DKIM-Signature"), bounce.text());
        assertTrue(SEEN.stream().allMatch(c -> c.client().describe().equals(STRANGER)),
                "the milter saw the stranger's message only: " + SEEN);
    }

    @Test
    @DisplayName("with internal_mail_filter_classes = bounce, that bounce is signed: why the default must stay")
    void aBounceShownToTheMilterIsSignedAsLocalMail() throws Exception {
        DeliveredMessage bounce = bounceOfAStrangersMessage(options("inet").mainCf(
                "internal_mail_filter_classes = bounce"));
        List<String> signatures = bounce.headerFields("DKIM-Signature");
        assertEquals(1, signatures.size(), bounce.text());
        assertTrue(signatures.get(0).contains("d=" + PostfixInstance.HOSTNAME), signatures.get(0));
        assertTrue(bounce.text().contains("the stranger's words"), "the stranger's text is inside: "
                + bounce.text());
    }

    /**
     * A stranger sends to a domain whose transport is {@code error:} (accepted at RCPT, refused after the queue),
     * with its own address as sender; Postfix's bounce goes to the sink. Returns the bounce.
     */
    private static DeliveredMessage bounceOfAStrangersMessage(Options.Builder options) {
        try (PostfixInstance postfix = PostfixInstance.start(options
                .mainCf("transport_maps = inline:{ { nowhere.example = error:5.1.1 no such user } }")
                .mainCf("smtpd_reject_unlisted_recipient = no").build())) {
            postfix.sendSmtp("stranger@evil.example", List.of("someone@nowhere.example"), message(
                    "joe@example.org", "bounce me", "X-Note: the stranger's words"), STRANGER);
            DeliveredMessage bounce = postfix.awaitDelivered(1, DELIVERY).get(0);
            assertEquals("", bounce.sender(), "a bounce, from the null sender:\n" + bounce.text());
            assertEquals(List.of("stranger@evil.example"), bounce.recipients());
            assertTrue(bounce.headerValue("From").contains("MAILER-DAEMON@" + PostfixInstance.HOSTNAME),
                    bounce.text());
            return bounce;
        }
    }

    /**
     * One SMTP transaction from the stranger's address, written by hand: EHLO, each of {@code before} whatever its
     * reply, then {@code mail}, RCPT and DATA while they are accepted, and the message. Returns every reply, in order.
     */
    private static List<String> rawSmtp(int port, List<String> before, String mail, byte[] message)
            throws IOException {
        List<String> replies = new ArrayList<>();
        try (Socket socket = new Socket()) {
            socket.bind(new InetSocketAddress(InetAddress.getByName(STRANGER), 0));
            socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
            socket.setSoTimeout(120_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                    StandardCharsets.ISO_8859_1));
            OutputStream out = socket.getOutputStream();
            reply(in);
            for (String command : before.isEmpty() ? List.of("EHLO stranger.example")
                    : java.util.stream.Stream.concat(java.util.stream.Stream.of("EHLO stranger.example"),
                            before.stream()).toList()) {
                replies.add(command(out, in, command));
            }
            for (String command : List.of(mail, "RCPT TO:<bob@example.net>", "DATA")) {
                String reply = command(out, in, command);
                replies.add(reply);
                if (!reply.startsWith("2") && !reply.startsWith("3")) {
                    return replies;
                }
            }
            out.write(message);
            out.write(".\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            replies.add(reply(in));
            command(out, in, "QUIT");
            return replies;
        }
    }

    private static String command(OutputStream out, BufferedReader in, String command) throws IOException {
        out.write((command + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        return reply(in);
    }

    private static String reply(BufferedReader in) throws IOException {
        StringBuilder text = new StringBuilder();
        while (true) {
            String line = in.readLine();
            if (line == null) {
                throw new IOException("connection closed; so far: " + text);
            }
            Matcher m = CODE.matcher(line);
            text.append(line).append('\n');
            if (m.matches() && m.group(2).equals(" ")) {
                return text.toString();
            }
        }
    }

    private static byte[] message(String from, String subject, String... extraFields) {
        StringBuilder text = new StringBuilder("From: " + from + "\r\nTo: bob@example.net\r\nSubject: " + subject
                + "\r\n");
        for (String field : extraFields) {
            text.append(field).append("\r\n");
        }
        text.append("\r\nHello.\r\n");
        return text.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] twoFromFields() {
        return ("From: joe@example.org\r\nFrom: boss@example.org\r\nTo: bob@example.net\r\n"
                + "Subject: an internal client's message with two From fields\r\n\r\nHello.\r\n")
                .getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] lf(byte[] crlf) {
        return new String(crlf, StandardCharsets.UTF_8).replace("\r\n", "\n").getBytes(StandardCharsets.UTF_8);
    }

    private static Map<String, DeliveredMessage> bySubject(List<DeliveredMessage> messages) {
        Map<String, DeliveredMessage> out = new LinkedHashMap<>();
        for (DeliveredMessage m : messages) {
            out.put(m.headerValue("Subject").strip(), m);
        }
        return out;
    }
}
