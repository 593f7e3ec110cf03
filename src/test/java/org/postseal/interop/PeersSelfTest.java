package org.postseal.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.TestAbortedException;
import org.postseal.interop.Peers.Peer;
import org.postseal.interop.Peers.PeerResult;

/**
 * Proves the harness itself: what one peer signs, the others verify, and a single changed body byte makes all of
 * them fail. Keys are generated here; their records reach the peers through the harness, never DNS.
 */
class PeersSelfTest {
    private static final String DOMAIN = "example.com";
    private static final String MESSAGE = "From: Alice <alice@example.com>\r\n"
            + "To: Bob <bob@example.org>\r\n"
            + "Subject: Interop harness\r\n"
            + "Date: Mon, 01 Jan 2024 10:00:00 +0000\r\n"
            + "Message-ID: <harness-1@example.com>\r\n"
            + "\r\n"
            + "Hello Bob,\r\n"
            + "this message travels between DKIM implementations.\r\n";
    private static final Pattern SIGNATURE = Pattern.compile("(?s)^DKIM-Signature:(.*?\r\n)(?=[^ \t])");
    private static final Pattern BODY_HASH = Pattern.compile("[;\\s]bh=([^;\\s]+)");

    @TempDir
    static Path keys;
    private static Path rsaKey;
    private static Path ed25519Key;
    private static Map<String, String> records;

    @BeforeAll
    static void generateKeys() throws NoSuchAlgorithmException {
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        KeyPair rsaPair = rsa.generateKeyPair();
        KeyPair edPair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        rsaKey = Peers.writePrivateKey(rsaPair.getPrivate(), keys.resolve("rsa.pem"));
        ed25519Key = Peers.writePrivateKey(edPair.getPrivate(), keys.resolve("ed25519.pem"));
        records = Map.of(
                Peers.keyName("rsa", DOMAIN), Peers.keyRecord(rsaPair.getPublic()),
                Peers.keyName("ed", DOMAIN), Peers.keyRecord(edPair.getPublic()));
    }

    @Test
    void dkimpyRsaSignatureVerifiesInEveryPeer() {
        byte[] signed = Peers.dkimpySign(message(), "rsa", DOMAIN, rsaKey, "rsa-sha256", "relaxed/simple");

        assertPasses(Peers.dkimpyVerify(signed, records));
        assertPasses(Peers.mailDkimVerify(signed, records));
        assertPasses(Peers.openDkimVerify(signed, records));
    }

    @Test
    void oneChangedBodyByteFailsInEveryPeer() {
        byte[] tampered = changeBodyByte(
                Peers.dkimpySign(message(), "rsa", DOMAIN, rsaKey, "rsa-sha256", "simple/simple"));

        assertFails(Peers.dkimpyVerify(tampered, records));
        assertFails(Peers.mailDkimVerify(tampered, records));
        assertFails(Peers.openDkimVerify(tampered, records));
    }

    @Test
    void unknownKeyFailsInEveryPeer() {
        byte[] signed = Peers.dkimpySign(message(), "rsa", DOMAIN, rsaKey, "rsa-sha256", "relaxed/relaxed");
        Map<String, String> none = Map.of(Peers.keyName("other", DOMAIN), records.get(Peers.keyName("rsa", DOMAIN)));

        assertFails(Peers.dkimpyVerify(signed, none));
        assertFails(Peers.mailDkimVerify(signed, none));
        assertFails(Peers.openDkimVerify(signed, none));
    }

    @Test
    void openDkimRsaSignatureVerifiesInEveryPeer() {
        byte[] signed = Peers.openDkimSign(message(), "rsa", DOMAIN, rsaKey, "rsa-sha256", "relaxed/simple");

        assertTrue(startsWith(signed, "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/simple; d=example.com; s=rsa;\r\n"),
                () -> text(signed));
        assertTrue(text(signed).endsWith(MESSAGE), "the message follows the signature unchanged");
        assertPasses(Peers.dkimpyVerify(signed, records));
        assertPasses(Peers.mailDkimVerify(signed, records));
        assertPasses(Peers.openDkimVerify(signed, records));
        assertFails(Peers.dkimpyVerify(changeBodyByte(signed), records));
    }

    @Test
    void openDkimSignsHeadersInMessageOrderAndOversignsFrom() {
        String signature = signatureOf(
                Peers.openDkimSign(message(), "rsa", DOMAIN, rsaKey, "rsa-sha256", "relaxed/simple"));

        // default SignHeaders: Message-ID is not among them; an absent Cc is not listed
        assertTrue(signature.contains("\r\n\th=From:To:Subject:Date:From;\r\n"), signature);
        assertTrue(signature.contains("\r\n\tt="), "t= is present: " + signature);
        assertFalse(signature.contains(" x="), "no x= without SignatureTTL: " + signature);
    }

    @Test
    void simpleHeaderCanonicalizationSurvivesOddWhiteSpaceAndFolds() {
        byte[] odd = (MESSAGE.replace("Subject: Interop harness", "Subject:  two  spaces,\r\n  then a fold ")
                .replace("To: Bob <bob@example.org>", "To: Bob <bob@example.org>,\r\n\tCarol <carol@example.org>"))
                .getBytes(StandardCharsets.US_ASCII);

        byte[] byDkimpy = Peers.dkimpySign(odd, "rsa", DOMAIN, rsaKey, "rsa-sha256", "simple/simple");
        byte[] byOpenDkim = Peers.openDkimSign(odd, "rsa", DOMAIN, rsaKey, "rsa-sha256", "simple/simple");

        assertPasses(Peers.dkimpyVerify(byDkimpy, records));
        assertPasses(Peers.mailDkimVerify(byDkimpy, records));
        assertPasses(Peers.openDkimVerify(byDkimpy, records));
        assertPasses(Peers.dkimpyVerify(byOpenDkim, records));
        assertPasses(Peers.mailDkimVerify(byOpenDkim, records));
        assertPasses(Peers.openDkimVerify(byOpenDkim, records));
    }

    @Test
    void openDkimRefusesWhatMiltertestCannotHandOverForSimpleHeaders() {
        byte[] noSpace = MESSAGE.replace("To: Bob", "To:Bob").getBytes(StandardCharsets.US_ASCII);

        IllegalStateException refused = assertThrows(IllegalStateException.class,
                () -> Peers.openDkimSign(noSpace, "rsa", DOMAIN, rsaKey, "rsa-sha256", "simple/simple"));
        byte[] relaxed = Peers.openDkimSign(noSpace, "rsa", DOMAIN, rsaKey, "rsa-sha256", "relaxed/simple");

        assertTrue(refused.getMessage().contains("'To:'"), refused.getMessage());
        assertPasses(Peers.dkimpyVerify(relaxed, records));
    }

    @Test
    void openDkimSignsForAnyFromDomain() {
        byte[] other = MESSAGE.replace("alice@example.com", "alice@elsewhere.example")
                .getBytes(StandardCharsets.US_ASCII);

        byte[] signed = Peers.openDkimSign(other, "rsa", DOMAIN, rsaKey, "rsa-sha256", "relaxed/relaxed");

        assertTrue(signatureOf(signed).contains(" d=example.com;"), () -> text(signed));
        assertPasses(Peers.dkimpyVerify(signed, records));
    }

    @Test
    void openDkimSeesAnEmptyBodyAsBehindPostfix() {
        // Postfix sends no SMFIC_BODY for an empty body; miltertest left alone would send a dummy body instead
        byte[] empty = "From: alice@example.com\r\nTo: bob@example.org\r\nSubject: empty\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII);

        byte[] simple = Peers.openDkimSign(empty, "rsa", DOMAIN, rsaKey, "rsa-sha256", "relaxed/simple");
        byte[] relaxed = Peers.openDkimSign(empty, "rsa", DOMAIN, rsaKey, "rsa-sha256", "relaxed/relaxed");
        byte[] byDkimpy = Peers.dkimpySign(empty, "rsa", DOMAIN, rsaKey, "rsa-sha256", "relaxed/relaxed");

        // SHA-256 of CRLF (simple), of nothing (relaxed): RFC 6376 section 3.4.3, 3.4.4
        assertEquals("frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY=", bodyHashOf(simple));
        assertEquals("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", bodyHashOf(relaxed));
        assertPasses(Peers.dkimpyVerify(simple, records));
        assertPasses(Peers.dkimpyVerify(relaxed, records));
        assertPasses(Peers.openDkimVerify(byDkimpy, records));
    }

    @Test
    void openDkimGetsAFinalLineEndAsBehindPostfix() {
        // Postfix ends a final partial line before a milter sees it; OpenDKIM alone refuses such a relaxed body
        byte[] unterminated = "From: alice@example.com\r\nTo: bob@example.org\r\nSubject: no CRLF\r\n\r\nx"
                .getBytes(StandardCharsets.US_ASCII);

        byte[] byOpenDkim = Peers.openDkimSign(unterminated, "rsa", DOMAIN, rsaKey, "rsa-sha256", "relaxed/relaxed");
        byte[] byDkimpy = Peers.dkimpySign(unterminated, "rsa", DOMAIN, rsaKey, "rsa-sha256", "relaxed/relaxed");
        PeerResult verified = Peers.openDkimVerify(byDkimpy, records);

        assertArrayEquals(unterminated,
                Arrays.copyOfRange(byOpenDkim, byOpenDkim.length - unterminated.length, byOpenDkim.length));
        // SHA-256 of "x" CRLF
        assertEquals("s14J+iztnrytnRYzb7lhFG/jS/vrxWJnnahfijFMnco=", bodyHashOf(byOpenDkim));
        assertPasses(Peers.dkimpyVerify(byOpenDkim, records));
        assertPasses(verified);
        assertTrue(verified.output().contains("a CRLF is added"), verified::output);
    }

    @Test
    void dkimpyEd25519SignatureVerifiesInDkimpyAndOpenDkim() {
        byte[] signed = Peers.dkimpySign(message(), "ed", DOMAIN, ed25519Key, "ed25519-sha256", "relaxed/relaxed");

        assertPasses(Peers.dkimpyVerify(signed, records));
        assertPasses(Peers.openDkimVerify(signed, records));
        assertFails(Peers.dkimpyVerify(changeBodyByte(signed), records));
        assertFails(Peers.openDkimVerify(changeBodyByte(signed), records));
    }

    @Test
    void openDkimEd25519SignatureVerifiesInDkimpyAndOpenDkim() {
        byte[] signed = Peers.openDkimSign(message(), "ed", DOMAIN, ed25519Key, "ed25519-sha256", "relaxed/simple");

        assertTrue(startsWith(signed, "DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/simple; d=example.com;\r\n"),
                () -> text(signed));
        assertPasses(Peers.dkimpyVerify(signed, records));
        assertPasses(Peers.openDkimVerify(signed, records));
        assertFails(Peers.dkimpyVerify(changeBodyByte(signed), records));
        assertFails(Peers.openDkimVerify(changeBodyByte(signed), records));
    }

    @Test
    void mailDkimShowsThatItCannotCheckEd25519() {
        byte[] signed = Peers.dkimpySign(message(), "ed", DOMAIN, ed25519Key, "ed25519-sha256", "relaxed/simple");

        PeerResult result = Peers.mailDkimVerify(signed, records);

        assertFalse(result.allPassed(), result::output);
        assertEquals(List.of("unsupported"), result.verdicts(), result::output);
        assertTrue(result.output().contains("cannot check ed25519-sha256"), result::output);
    }

    @Test
    void everySignatureIsReportedTopToBottom() {
        byte[] once = Peers.dkimpySign(message(), "rsa", DOMAIN, rsaKey, "rsa-sha256", "relaxed/simple");
        byte[] twice = Peers.openDkimSign(once, "ed", DOMAIN, ed25519Key, "ed25519-sha256", "relaxed/relaxed");

        assertPasses(Peers.dkimpyVerify(twice, records));
        assertPasses(Peers.openDkimVerify(twice, records));
        assertEquals(2, Peers.dkimpyVerify(twice, records).signatures());
        assertEquals(List.of("unsupported", "pass"), Peers.mailDkimVerify(twice, records).verdicts());
        assertEquals(List.of("fail", "fail"), Peers.openDkimVerify(changeBodyByte(twice), records).verdicts());
    }

    @Test
    void unsignedMessageDoesNotPass() {
        PeerResult dkimpy = Peers.dkimpyVerify(message(), records);
        PeerResult mailDkim = Peers.mailDkimVerify(message(), records);
        PeerResult openDkim = Peers.openDkimVerify(message(), records);

        for (PeerResult result : List.of(dkimpy, mailDkim, openDkim)) {
            assertFalse(result.allPassed(), result::output);
            assertEquals(0, result.signatures(), result::output);
        }
    }

    @Test
    void signersCopyTheMessageUnchanged() {
        byte[] lf = MESSAGE.replace("\r\n", "\n").getBytes(StandardCharsets.US_ASCII);

        byte[] dkimpy = Peers.dkimpySign(lf, "rsa", DOMAIN, rsaKey, "rsa-sha256", "relaxed/simple");
        byte[] openDkim = Peers.openDkimSign(lf, "rsa", DOMAIN, rsaKey, "rsa-sha256", "relaxed/simple");

        assertArrayEquals(lf, Arrays.copyOfRange(dkimpy, dkimpy.length - lf.length, dkimpy.length));
        assertArrayEquals(lf, Arrays.copyOfRange(openDkim, openDkim.length - lf.length, openDkim.length));
        assertFalse(text(openDkim).contains("\r"), "a bare-LF message gets a bare-LF signature");
        assertPasses(Peers.dkimpyVerify(openDkim, records));
        assertPasses(Peers.openDkimVerify(dkimpy, records));
    }

    @Test
    void missingPeerFailsOnCiAndSkipsElsewhere() {
        AssertionError onCi = assertThrows(AssertionError.class,
                () -> Peers.unavailable(Peer.MAIL_DKIM, "perl module not found", true));
        TestAbortedException elsewhere = assertThrows(TestAbortedException.class,
                () -> Peers.unavailable(Peer.MAIL_DKIM, "perl module not found", false));

        assertTrue(onCi.getMessage().contains("libmail-dkim-perl"), onCi.getMessage());
        assertTrue(elsewhere.getMessage().contains("libmail-dkim-perl"), elsewhere.getMessage());
    }

    @Test
    void peersAreNamedLikeTheirConstants() {
        for (Peer peer : Peer.values()) {
            assertEquals(peer, Peer.named(peer.name().toLowerCase().replace('_', '-')));
        }
        assertThrows(IllegalArgumentException.class, () -> Peer.named("openarc"));
    }

    @Test
    void keyRecordsMustFitOneLine() {
        assertThrows(IllegalArgumentException.class,
                () -> Peers.dkimpyVerify(message(), Map.of("rsa._domainkey.example.com", "v=DKIM1;\np=")));
    }

    private static byte[] message() {
        return MESSAGE.getBytes(StandardCharsets.US_ASCII);
    }

    /** The message with the first letter of its body's last line changed in case. */
    private static byte[] changeBodyByte(byte[] signed) {
        byte[] copy = signed.clone();
        int at = text(copy).lastIndexOf("this message travels");
        copy[at] = (byte) 'T';
        return copy;
    }

    private static String signatureOf(byte[] signed) {
        Matcher signature = SIGNATURE.matcher(text(signed));
        assertTrue(signature.find(), () -> text(signed));
        return signature.group();
    }

    private static String bodyHashOf(byte[] signed) {
        Matcher bodyHash = BODY_HASH.matcher(signatureOf(signed));
        assertTrue(bodyHash.find(), () -> text(signed));
        return bodyHash.group(1);
    }

    private static boolean startsWith(byte[] bytes, String prefix) {
        return text(bytes).startsWith(prefix);
    }

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.US_ASCII);
    }

    private static void assertPasses(PeerResult result) {
        assertTrue(result.allPassed(), result::output);
        assertTrue(result.signatures() > 0, result::output);
        assertTrue(result.verdicts().stream().allMatch("pass"::equals), result::output);
    }

    private static void assertFails(PeerResult result) {
        assertFalse(result.allPassed(), result::output);
        assertTrue(result.allFailed(), result::output);
    }
}
