package org.postseal.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;
import org.postseal.milter.MilterTestClient;
import org.postseal.postfix.PostfixInstance;

/**
 * {@code postseal check} and {@code postseal milter}, both the packaged jar, on the same opendkim.conf: for each
 * client and From address, what check answers is what the running milter does with such a message (signs it,
 * verifies it and adds Authentication-Results, or passes it on untouched). Messages are sent as Postfix sends them,
 * with the client's address and name at CONNECT and SMTP AUTH's macros at MAIL.
 */
class CheckAgreesWithMilterIT {
    @TempDir
    static Path dir;

    private static Path conf;
    private static int port;
    private static Process milter;

    @BeforeAll
    static void startMilter() throws Exception {
        Path keys = dir.resolve("keys");
        KeyFiles.genkey(keys, "example.com", "mail");
        Files.writeString(dir.resolve("KeyTable"), "mail example.com:mail:" + keys.resolve("mail.private") + "\n"
                + "example.net %:s1:" + keys.resolve("%.private") + "\n");
        Files.writeString(dir.resolve("SigningTable"), "*@example.com mail\n*@example.net %\n*@example.org %\n");
        Files.writeString(dir.resolve("InternalHosts"), "127.0.0.1\n192.168.0.0/16\nrelay.example.com\n");
        port = PostfixInstance.freePort();
        conf = Files.writeString(dir.resolve("opendkim.conf"), "KeyTable " + dir.resolve("KeyTable")
                + "\nSigningTable refile:" + dir.resolve("SigningTable")
                + "\nInternalHosts " + dir.resolve("InternalHosts")
                + "\nPeerList 192.0.2.99\nSocket inet:" + port + "@127.0.0.1\n");
        milter = new ProcessBuilder("java", "-jar", PostsealProcess.jar().toString(), "milter", "--opendkim-conf",
                conf.toString()).redirectErrorStream(true).redirectOutput(dir.resolve("milter.log").toFile()).start();
        MilterCommandIT.awaitListening(milter, port);
    }

    @AfterAll
    static void stopMilter() throws Exception {
        if (milter != null) {
            milter.destroy();
            if (!milter.waitFor(10, TimeUnit.SECONDS)) {
                milter.destroyForcibly();
            }
        }
    }

    @ParameterizedTest(name = "{0} {1} auth={2} From {3}: {4}")
    @CsvSource({
        "127.0.0.1, localhost, , joe@example.com, signed",
        "192.168.7.7, ws.example.com, , Joe <joe@example.com>, signed",
        "198.51.100.4, relay.example.com, , joe@example.com, signed",
        "203.0.113.7, , , joe@example.com, verified",
        "203.0.113.7, , joe, joe@example.com, signed",
        "127.0.0.1, localhost, , joe@example.info, verified",
        "192.0.2.99, , , joe@example.com, unsigned",  // PeerList: neither signed nor verified, as in OpenDKIM
        "127.0.0.1, localhost, , joe@example.net, unsigned",
        "127.0.0.1, localhost, , joe@example.org, verified"
    })
    void checkSaysWhatTheMilterDoes(String address, String name, String login, String from, String expected)
            throws Exception {
        String milterDid = sendThroughMilter(address, name, login, from);
        String checkSays = askCheck(address, name, login, from);
        assertEquals(expected, milterDid, "the milter's behaviour (see " + dir.resolve("milter.log") + ")");
        assertEquals(milterDid, checkSays, "check agrees with the milter");
    }

    /** What the milter does with an unsigned message: "signed", "verified" or "unsigned". */
    private static String sendThroughMilter(String address, String name, String login, String from)
            throws Exception {
        try (MilterTestClient client = new MilterTestClient(MilterTestClient.loopback(port))) {
            client.negotiate(6, MilterTestClient.POSTFIX_ACTIONS, MilterTestClient.POSTFIX_STEPS_V6);
            client.macro('C', "j", "mx.example.com");
            client.send('C', MilterTestClient.connectPayload(name == null ? "[" + address + "]" : name, '4', 40000,
                    address));
            assertEquals('c', client.read().code());
            if (login != null) {
                client.macro('M', "i", "4QUEUE", "{auth_type}", "PLAIN", "{auth_authen}", login);
            } else {
                client.macro('M', "i", "4QUEUE");
            }
            client.send('M', MilterTestClient.strings("<joe@example.com>"));
            MilterTestClient.Reply mail = client.read();
            if (mail.code() != 'c') {
                return "unsigned";
            }
            client.send('L', MilterTestClient.header("From".getBytes(StandardCharsets.US_ASCII),
                    (" " + from).getBytes(StandardCharsets.US_ASCII)));
            client.send('L', MilterTestClient.header("Subject".getBytes(StandardCharsets.US_ASCII),
                    " check agrees".getBytes(StandardCharsets.US_ASCII)));
            client.send('N', new byte[0]);
            MilterTestClient.Reply eoh = client.read();
            if (eoh.code() != 'c') {
                return "unsigned";
            }
            client.send('B', "Hello.\r\n".getBytes(StandardCharsets.US_ASCII));
            client.send('E', new byte[0]);
            List<MilterTestClient.Reply> replies = client.readUntilFinal();
            boolean signed = replies.stream().anyMatch(r -> r.text().contains("DKIM-Signature"));
            boolean verified = replies.stream().anyMatch(r -> r.text().contains("Authentication-Results"));
            assertTrue(!(signed && verified), "never both");
            return signed ? "signed" : verified ? "verified" : "unsigned";
        }
    }

    /** What check answers: its Result line reduced to "signed", "verified" or "unsigned". */
    private static String askCheck(String address, String name, String login, String from) throws Exception {
        List<String> args = new ArrayList<>(List.of("check", "--opendkim-conf", conf.toString(), "--from", from,
                "--client", name == null ? address : address + "/" + name));
        if (login != null) {
            args.addAll(List.of("--auth", login));
        }
        PostsealProcess.Outcome outcome = PostsealProcess.run(new byte[0], args.toArray(String[]::new));
        assertEquals(0, outcome.exitCode(), outcome.out() + outcome.stderr());
        String result = outcome.out().lines().map(String::strip).filter(l -> l.startsWith("Result: ")).findFirst()
                .orElseThrow(() -> new AssertionError(outcome.out()));
        if (result.startsWith("Result: signed")) {
            return "signed";
        }
        return result.contains("; verified") ? "verified" : "unsigned";
    }
}
