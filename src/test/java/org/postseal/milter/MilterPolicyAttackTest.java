package org.postseal.milter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postseal.dkim.SigningKey;
import org.postseal.keys.DkimKeyGenerator;
import org.postseal.keys.KeyFileException;
import org.postseal.keys.PrivateKeyReader;
import org.postseal.keys.PrivateKeyWriter;
import org.postseal.policy.KeyTable;
import org.postseal.policy.SigningPolicy;
import org.postseal.policy.SigningTable;
import org.postseal.signing.OnError;
import org.postseal.signing.SignatureSelector;
import org.postseal.signing.SignatureTemplate;
import org.postseal.signing.SigningKeys;

/**
 * Attacks on the signing policy through the real milter listener (issue 8): a From address built to make wildcard
 * matching slow (defect 2), and a From domain built to reach the file system through a {@code %} key path (defect
 * 8a). The server has one event-loop thread, so a stalled session would stall every other one.
 */
class MilterPolicyAttackTest {
    @TempDir
    Path dir;

    private MilterServer server;
    private final Set<String> keysOpened = ConcurrentHashMap.newKeySet();

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void aFromWithEightyThousandAtSignsDoesNotStallAnotherSession() throws Exception {
        Path key = writeKey(dir.resolve("example.pem"));
        start(new KeyTable.Entry("ex", "example.com", "sel", key.toString()), "*@*.example.com", "ex");
        String attack = "\"" + "@".repeat(80_000) + "\"@x.example.org";
        ExecutorService attacker = Executors.newSingleThreadExecutor();
        try {
            Future<List<MilterTestClient.Reply>> attacked = attacker.submit(() -> transact(attack));
            Thread.sleep(200); // the attack is in the event loop (or done) before the normal session starts
            List<MilterTestClient.Reply> normal = assertTimeoutPreemptively(Duration.ofSeconds(5),
                    () -> transact("joe@mail.example.com"));
            assertTrue(signatures(normal).stream().anyMatch(s -> s.contains("d=example.com")), "signed promptly");
            List<MilterTestClient.Reply> attackReplies = assertTimeoutPreemptively(Duration.ofSeconds(5),
                    () -> attacked.get());
            assertEquals(List.of(), signatures(attackReplies), "the attack's own message is not signed");
        } finally {
            attacker.shutdownNow();
        }
    }

    @Test
    void aFromDomainThatIsAPathIsNeverPutIntoTheKeyPath() throws Exception {
        // a readable key where ../../other leads from the % key directory
        Path keys = Files.createDirectories(dir.resolve("a/keys"));
        writeKey(dir.resolve("other.pem"));
        writeKey(keys.resolve("example.com.pem"));
        start(new KeyTable.Entry("any", "%", "sel", keys + "/%.pem"), "*@*", "any");
        PrintStream err = System.err;
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
        try {
            for (String from : List.of("x@../../other", "x@a/b", "x@..", "x@example.com/../../../other")) {
                assertEquals(List.of(), signatures(transact(from)), from + " is not signed");
            }
            assertEquals(1, signatures(transact("joe@example.com")).size(), "a real domain is signed");
        } finally {
            System.setErr(err);
        }
        assertEquals(Set.of(keys + "/example.com.pem"), keysOpened, "only the real domain's key was asked for");
        String text = log.toString(StandardCharsets.UTF_8);
        err.print(text);
        assertTrue(text.contains("the From domain '../../other' is not a domain name"), text);
        assertFalse(text.contains("\tat org.postseal"), "no stack trace:\n" + text);
        assertFalse(text.contains("ERROR"), "no error:\n" + text);
    }

    private void start(KeyTable.Entry keyEntry, String pattern, String keyName) throws IOException {
        SigningPolicy policy = SigningPolicy.builder()
                .tables(KeyTable.of(List.of(keyEntry)), SigningTable.ofPatterns(List.of(
                        new SigningTable.Entry(pattern, keyName, Optional.empty()))))
                .build();
        SigningPort selector = SigningPort.of(SignatureSelector.byPolicy(policy, SigningKeys.of(this::readKey),
                SignatureTemplate.DEFAULT));
        server = MilterServer.start(new InetSocketAddress("127.0.0.1", 0),
                new MilterSessions(selector, OnError.ACCEPT, MilterLimits.DEFAULTS, 1,
                        Clock.systemUTC()),
                Optional.empty(), Optional.empty());
    }

    private SigningKey readKey(String path) {
        keysOpened.add(path);
        try {
            return PrivateKeyReader.read(Path.of(path));
        } catch (KeyFileException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    private static Path writeKey(Path file) throws IOException {
        return Files.writeString(file, PrivateKeyWriter.pem(DkimKeyGenerator.rsa(1024)));
    }

    /** One message from {@code from}, every step answered (protocol 2); stops at the first accept. */
    private List<MilterTestClient.Reply> transact(String from) throws IOException {
        try (MilterTestClient client = new MilterTestClient(server.localAddress())) {
            client.negotiate(2, MilterTestClient.POSTFIX_ACTIONS, MilterTestClient.POSTFIX_STEPS_V2);
            List<Object[]> steps = List.of(
                    new Object[] {'C', MilterTestClient.connectPayload("localhost", '4', 12345, "127.0.0.1")},
                    new Object[] {'M', MilterTestClient.strings("<joe@example.com>")},
                    new Object[] {'L', MilterTestClient.header(bytes("From"), bytes(from))},
                    new Object[] {'L', MilterTestClient.header(bytes("Subject"), bytes("hello"))},
                    new Object[] {'N', new byte[0]},
                    new Object[] {'B', bytes("Hello.\r\n")});
            client.macro('M', "i", "4ABC123");
            for (Object[] step : steps) {
                client.send((Character) step[0], (byte[]) step[1]);
                MilterTestClient.Reply reply = client.read();
                if (reply.code() != 'c') {
                    return List.of(reply);
                }
            }
            client.send('E', new byte[0]);
            return client.readUntilFinal();
        }
    }

    private static List<String> signatures(List<MilterTestClient.Reply> replies) {
        return replies.stream().filter(r -> r.code() == 'i').map(MilterTestClient.Reply::text)
                .filter(t -> t.contains("DKIM-Signature")).toList();
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
