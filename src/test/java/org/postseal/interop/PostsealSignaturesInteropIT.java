package org.postseal.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.postseal.dkim.CanonicalizationPair;
import org.postseal.dkim.DkimSigner;
import org.postseal.dkim.SignatureAlgorithm;
import org.postseal.dkim.SignatureSpec;
import org.postseal.signing.MessageSigning;

/**
 * Messages signed by postseal, judged by implementations others wrote: dkimpy and OpenDKIM must pass every
 * signature, Perl Mail::DKIM every RSA one (Debian 12's cannot check Ed25519 and must say so), for every algorithm
 * and canonicalization, with and without oversigning, for each kind of message; and a tampered body or signed
 * header must fail in all of them.
 *
 * <p>Each message carries four signatures at once (one algorithm, the four canonicalizations, one selector each),
 * so one run of each verifier judges them all, and a verifier that reported fewer than four would fail the test.
 * (Four, not eight: miltertest, which plays Postfix for OpenDKIM, overflows a buffer on the Authentication-Results
 * field OpenDKIM writes for eight signatures with long selectors.)
 */
class PostsealSignaturesInteropIT {
    private static final int SIGNATURES = 4;

    @TempDir
    static Path dir;
    static InteropKeys keys;

    @BeforeAll
    static void makeKeys() throws Exception {
        keys = new InteropKeys(dir);
    }

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (Map.Entry<String, byte[]> message : InteropMessages.all().entrySet()) {
            for (SignatureAlgorithm algorithm : SignatureAlgorithm.values()) {
                cases.add(Arguments.of(message.getKey(), algorithm, true));
                cases.add(Arguments.of(message.getKey(), algorithm, false));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}, {1}, oversigning {2}")
    @MethodSource("cases")
    void everyPeerVerifiesEverySignature(String name, SignatureAlgorithm algorithm, boolean oversign)
            throws Exception {
        byte[] signed = sign(InteropMessages.all().get(name), algorithm, oversign);
        if (name.equals("body without final CRLF")) {
            // As it stands (a file), dkimpy and OpenDKIM pass it. Mail::DKIM 1.20230212 does not add the missing
            // final CRLF in simple body canonicalization (RFC 6376 §3.4.3 says to), so it is judged on the form
            // the message has after any SMTP hop, which ends the last line: the canonical body is the same.
            assertTrue(Peers.dkimpyVerify(signed, keys.records).allPassed());
            assertTrue(Peers.openDkimVerify(signed, keys.records).allPassed());
            signed = (InteropMessages.text(signed) + "\r\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }
        assertAllPass(signed, algorithm);
    }

    @Test
    void bareLfInputSignedThroughThePipeVerifiesEverywhere() throws Exception {
        byte[] bareLf = InteropMessages.text(InteropMessages.all().get("long folded headers"))
                .replace("\r\n", "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        for (SignatureAlgorithm algorithm : SignatureAlgorithm.values()) {
            byte[] signed = sign(bareLf, algorithm, true);
            assertTrue(!InteropMessages.text(signed).contains("\r"), "bare LF in, bare LF out");
            assertAllPass(signed, algorithm);
        }
    }

    @Test
    void aTamperedBodyFailsEverywhere() throws Exception {
        byte[] signed = sign(InteropMessages.all().get("plain ASCII"), SignatureAlgorithm.RSA_SHA256, true);
        assertAllFail(InteropMessages.tamper(signed, "We lost the game.", "We won the game."));
    }

    @Test
    void aTamperedSignedHeaderFailsEverywhere() throws Exception {
        byte[] signed = sign(InteropMessages.all().get("plain ASCII"), SignatureAlgorithm.RSA_SHA256, true);
        assertAllFail(InteropMessages.tamper(signed, "Subject: Is dinner ready?", "Subject: Is lunch ready?"));
    }

    @Test
    void anAddedFromFailsEverywhereWhenOversigned() throws Exception {
        byte[] signed = sign(InteropMessages.all().get("plain ASCII"), SignatureAlgorithm.RSA_SHA256, true);
        assertAllFail(InteropMessages.tamper(signed, "To: Suzie Q",
                "From: Mallory <mallory@example.org>\r\nTo: Suzie Q"));
    }

    private static byte[] sign(byte[] message, SignatureAlgorithm algorithm, boolean oversign) throws Exception {
        List<SignatureSpec> specs = new ArrayList<>();
        for (String canon : InteropKeys.CANONS) {
            SignatureSpec.Builder spec = SignatureSpec.builder(InteropKeys.DOMAIN,
                    InteropKeys.selector(algorithm, canon), keys.key(algorithm))
                    .canonicalization(CanonicalizationPair.parse(canon));
            if (!oversign) {
                spec.oversignedHeaders(List.of());
            }
            specs.add(spec.build());
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        MessageSigning.sign(new ByteArrayInputStream(message), out, new DkimSigner(Clock.systemUTC()), specs);
        return out.toByteArray();
    }

    private static void assertAllPass(byte[] signed, SignatureAlgorithm algorithm) {
        Peers.PeerResult dkimpy = Peers.dkimpyVerify(signed, keys.records);
        assertEquals(SIGNATURES, dkimpy.signatures(), dkimpy.output());
        assertTrue(dkimpy.allPassed(), "dkimpy:\n" + dkimpy.output());

        Peers.PeerResult opendkim = Peers.openDkimVerify(signed, keys.records);
        assertEquals(SIGNATURES, opendkim.signatures(), opendkim.output());
        assertTrue(opendkim.allPassed(), "OpenDKIM:\n" + opendkim.output());

        Peers.PeerResult mailDkim = Peers.mailDkimVerify(signed, keys.records);
        List<String> verdicts = mailDkim.verdicts();
        assertEquals(SIGNATURES, verdicts.size(), mailDkim.output());
        // Debian 12's Mail::DKIM cannot check Ed25519, and must say so rather than pass or fail it
        String expected = algorithm == SignatureAlgorithm.RSA_SHA256 ? "pass" : "unsupported";
        assertTrue(verdicts.stream().allMatch(expected::equals), "Mail::DKIM:\n" + mailDkim.output());
    }

    private static void assertAllFail(byte[] tampered) {
        Peers.PeerResult dkimpy = Peers.dkimpyVerify(tampered, keys.records);
        assertEquals(SIGNATURES, dkimpy.signatures(), dkimpy.output());
        assertTrue(dkimpy.allFailed(), "dkimpy:\n" + dkimpy.output());
        Peers.PeerResult opendkim = Peers.openDkimVerify(tampered, keys.records);
        assertEquals(SIGNATURES, opendkim.signatures(), opendkim.output());
        assertTrue(opendkim.allFailed(), "OpenDKIM:\n" + opendkim.output());
        Peers.PeerResult mailDkim = Peers.mailDkimVerify(tampered, keys.records);
        assertTrue(mailDkim.allFailed(), "Mail::DKIM:\n" + mailDkim.output());
        assertTrue(mailDkim.verdicts().stream().allMatch("fail"::equals), mailDkim.output());
    }
}
