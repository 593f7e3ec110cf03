package org.postseal.signing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postseal.dkim.CanonicalizationPair;
import org.postseal.dkim.SignatureAlgorithm;
import org.postseal.dkim.SignatureSpec;
import org.postseal.dkim.SigningKey;
import org.postseal.keys.DkimKeyGenerator;
import org.postseal.keys.PrivateKeyWriter;
import org.postseal.policy.Client;
import org.postseal.policy.KeyTable;
import org.postseal.policy.SigningPolicy;
import org.postseal.policy.SigningTable;

/** The signing path every door shares: key checks, the template, the choice of signatures, the on-error setting. */
class SigningPathTest {
    private static final Client LOCAL = Client.of(InetAddress.getLoopbackAddress(), "localhost");
    private static final KeyRules SAFE = KeyRules.configured(1024, true, Optional.empty());

    @TempDir
    Path dir;

    private Path keyFile(String name, SigningKey key, String mode) throws Exception {
        Path file = Files.writeString(dir.resolve(name), PrivateKeyWriter.pem(key));
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
        return file;
    }

    @Test
    void onErrorCarriesItsWordingAndItsAnswer() {
        assertEquals("passed on unsigned", OnError.ACCEPT.wording());
        assertEquals("temporarily refused", OnError.TEMPFAIL.wording());
        assertEquals("relay", OnError.ACCEPT.answer(() -> "relay", () -> "451"));
        assertEquals("451", OnError.TEMPFAIL.answer(() -> "relay", () -> "451"));
    }

    @Test
    void requireSafeKeysRefusesAKeyOthersCanReadNamingWhereItIsConfigured() throws Exception {
        Path file = keyFile("open.pem", DkimKeyGenerator.ed25519(), "rw-r--r--");

        UnusableKeyException e = assertThrows(UnusableKeyException.class,
                () -> SigningKeys.read(file, "KeyFile", SAFE));

        assertTrue(e.getMessage().startsWith("KeyFile: " + file + " is readable or writable by others"),
                e.getMessage());
        SigningKeys.read(file, KeyRules.configured(1024, false, Optional.empty()));
    }

    @Test
    void anotherAlgorithmIsRefusedOnTheCommandLineAndOnlyWarnedAboutInAConfiguration() throws Exception {
        Path file = keyFile("ed.pem", DkimKeyGenerator.ed25519(), "rw-------");

        UnusableKeyException e = assertThrows(UnusableKeyException.class,
                () -> SigningKeys.read(file, KeyRules.commandLine(Optional.of(SignatureAlgorithm.RSA_SHA256))));

        assertEquals(file + ": holds a key for " + SignatureAlgorithm.ED25519_SHA256 + ", not "
                + SignatureAlgorithm.RSA_SHA256, e.getMessage());
        assertEquals(SignatureAlgorithm.ED25519_SHA256, SigningKeys.read(file, "KeyFile",
                KeyRules.configured(1024, true, Optional.of(SignatureAlgorithm.RSA_SHA256))).algorithm());
    }

    @Test
    void theTemplateMakesEverySpecificationAlike() {
        SignatureTemplate template = new SignatureTemplate(CanonicalizationPair.SIMPLE_SIMPLE, List.of("From", "To"),
                List.of(), Optional.of(Duration.ofDays(1)), true);

        SignatureSpec spec = template.spec("example.org", "sel", DkimKeyGenerator.ed25519(),
                Optional.of("@example.org"));

        assertEquals(CanonicalizationPair.SIMPLE_SIMPLE, spec.canonicalization());
        assertEquals(List.of("From", "To"), spec.signedHeaders());
        assertEquals(List.of(), spec.oversignedHeaders());
        assertEquals(Optional.of(Duration.ofDays(1)), spec.expiry());
        assertEquals(Optional.of("@example.org"), spec.identity());
        assertTrue(spec.bodyLengthTag());
    }

    @Test
    void aFixedKeySignsWhateverTheFromSays() throws Exception {
        Path file = keyFile("fixed.pem", DkimKeyGenerator.ed25519(), "rw-------");

        SignatureSelector selector = SignatureSelector.fixed(FixedKey.of("example.org", "sel", file), SAFE,
                SignatureTemplate.DEFAULT);

        assertEquals(Optional.empty(), selector.screen(LOCAL));
        SignatureChoice.Sign sign = assertInstanceOf(SignatureChoice.Sign.class,
                selector.choose(LOCAL, Optional.of("someone@elsewhere.example")));
        assertEquals("example.org", sign.specs().get(0).domain());
        assertInstanceOf(SignatureChoice.Sign.class, selector.choose(LOCAL, Optional.empty()));
        assertEquals("d=example.org s=sel (ed25519-sha256)", selector.toString());
    }

    @Test
    void thePolicyChoosesKeysReadAtStartUpOrFailsTheMessageForAnUnusablePercentKey() throws Exception {
        Path fixed = keyFile("example.org.pem", DkimKeyGenerator.ed25519(), "rw-------");
        keyFile("example.net.pem", DkimKeyGenerator.ed25519(), "rw-r--r--"); // refused by RequireSafeKeys
        SigningPolicy policy = SigningPolicy.builder()
                .tables(KeyTable.of(List.of(new KeyTable.Entry("org", "example.org", "sel", fixed.toString()),
                        new KeyTable.Entry("any", "%", "sel", dir + "/%.pem"))),
                        SigningTable.ofPatterns(List.of(
                                new SigningTable.Entry("*@example.org", "org", Optional.empty()),
                                new SigningTable.Entry("*@example.net", "any", Optional.empty()))))
                .build();

        SignatureSelector selector = SignatureSelector.byPolicy(policy, SAFE, SignatureTemplate.DEFAULT);

        assertEquals(1, selector.keyCount(), "the key without % is read at start-up");
        assertInstanceOf(SignatureChoice.Sign.class, selector.choose(LOCAL, Optional.of("joe@example.org")));
        SignatureChoice.Fail fail = assertInstanceOf(SignatureChoice.Fail.class,
                selector.choose(LOCAL, Optional.of("joe@example.net")));
        assertTrue(fail.reason().startsWith("KeyTable key for this message: " + dir + "/example.net.pem is readable"),
                fail.reason());
        SignatureChoice.Skip skip = assertInstanceOf(SignatureChoice.Skip.class,
                selector.choose(LOCAL, Optional.of("joe@example.com")));
        assertTrue(skip.reason().contains("no SigningTable entry"), skip.reason());
    }

    @Test
    void aBadKeyNamedByThePolicyStopsStartUp() throws Exception {
        Path open = keyFile("open.pem", DkimKeyGenerator.ed25519(), "rw-rw-rw-");
        SigningPolicy policy = SigningPolicy.builder()
                .tables(KeyTable.of(List.of(new KeyTable.Entry("k", "example.org", "sel", open.toString()))),
                        SigningTable.ofPatterns(List.of(new SigningTable.Entry("*", "k", Optional.empty()))))
                .build();

        UnusableKeyException e = assertThrows(UnusableKeyException.class,
                () -> SignatureSelector.byPolicy(policy, SAFE, SignatureTemplate.DEFAULT));

        assertTrue(e.getMessage().startsWith("KeyTable entry k: "), e.getMessage());
    }

    /** {@code postseal check} loads keys with start-up's code, but hears of every unusable key and goes on. */
    @Test
    void loadingForAReportHandsOverEveryUnusableKeyAndKeepsTheOthers() throws Exception {
        Path good = keyFile("good.pem", DkimKeyGenerator.ed25519(), "rw-------");
        Path open = keyFile("open.pem", DkimKeyGenerator.ed25519(), "rw-rw-rw-");
        Path missing = dir.resolve("keys/example.com/mail.private");
        KeyTable keys = KeyTable.of(List.of(new KeyTable.Entry("a", "example.org", "a", open.toString()),
                new KeyTable.Entry("b", "example.org", "b", missing.toString()),
                new KeyTable.Entry("c", "example.org", "c", good.toString())));
        SigningPolicy policy = SigningPolicy.builder().tables(keys, SigningTable.ofPatterns(List.of(
                new SigningTable.Entry("*", "c", Optional.empty())))).build();
        List<String> problems = new java.util.ArrayList<>();

        SigningKeys loaded = SigningKeys.load(policy.keys(), SAFE, e -> problems.add(e.getMessage()));

        assertEquals(2, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("KeyTable entry a: " + open + " is readable or writable by others"));
        assertEquals("KeyTable entry b: " + missing + ": no such file (the directory " + dir.resolve("keys")
                + " does not exist)", problems.get(1), "the first missing directory is named");
        assertTrue(loaded.held(good.toString()).isPresent());
        assertTrue(loaded.held(open.toString()).isEmpty());
        assertThrows(UnusableKeyException.class, () -> SigningKeys.load(policy.keys(), SAFE),
                "start-up stops at the first");
    }

    @Test
    void keyFileAccessSaysWhoCannotReadAKeyAndHowToFixIt() {
        Path file = Path.of("/etc/opendkim/keys/example.com/mail.private");
        KeyFileAccess rootOnly = new KeyFileAccess(file, "root", "root", PosixFilePermissions.fromString("rw-------"));
        assertEquals(Optional.of("it is owned by root:root with mode rw-------; chown opendkim " + file
                + " and keep it mode 600"), rootOnly.unreadableBy("opendkim", u -> java.util.Set.of("opendkim")));
        assertEquals(Optional.empty(), rootOnly.unreadableBy("root", u -> java.util.Set.of()));
        KeyFileAccess shared = new KeyFileAccess(file, "root", "opendkim",
                PosixFilePermissions.fromString("rw-r-----"));
        assertEquals(Optional.empty(), shared.unreadableBy("opendkim", u -> java.util.Set.of("opendkim")));
        assertTrue(shared.unreadableBy("postseal", u -> java.util.Set.of("postseal")).isPresent());
        KeyFileAccess own = new KeyFileAccess(file, "opendkim", "opendkim",
                PosixFilePermissions.fromString("-w-------"));
        assertEquals(Optional.of("it is owned by opendkim:opendkim with mode -w-------, not readable even by its"
                + " owner; chmod 600 " + file), own.unreadableBy("opendkim", u -> java.util.Set.of()));
    }
}
