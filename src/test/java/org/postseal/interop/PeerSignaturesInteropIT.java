package org.postseal.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.postseal.dkim.AuthResult;
import org.postseal.dkim.DkimVerifier;
import org.postseal.dkim.SignatureAlgorithm;
import org.postseal.dkim.VerificationFailure;
import org.postseal.dkim.VerificationResult;
import org.postseal.dkim.VerificationSession;
import org.postseal.message.HeaderBlock;
import org.postseal.message.MessageReader;

/**
 * Messages signed by others, judged by postseal: dkimpy's {@code dkim.sign} and the real OpenDKIM milter (driven by
 * miltertest as Postfix drives it) sign with RSA and Ed25519 in every canonicalization; postseal must pass each
 * signature, and fail it on the body hash or the signature once the body or a signed header is changed.
 */
class PeerSignaturesInteropIT {
    @TempDir
    static Path dir;
    static InteropKeys keys;

    @BeforeAll
    static void makeKeys() throws Exception {
        keys = new InteropKeys(dir);
    }

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (String signer : List.of("dkimpy", "OpenDKIM")) {
            for (String message : List.of("plain ASCII", "8-bit UTF-8 headers", "long folded headers")) {
                for (SignatureAlgorithm algorithm : SignatureAlgorithm.values()) {
                    for (String canon : InteropKeys.CANONS) {
                        cases.add(Arguments.of(signer, message, algorithm, canon));
                    }
                }
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} signs {1}, {2} {3}")
    @MethodSource("cases")
    void postsealVerifiesWhatOthersSign(String signer, String name, SignatureAlgorithm algorithm, String canon)
            throws Exception {
        byte[] message = InteropMessages.all().get(name);
        String selector = InteropKeys.selector(algorithm, canon);
        byte[] signed = signer.equals("dkimpy")
                ? Peers.dkimpySign(message, selector, InteropKeys.DOMAIN, keys.file(algorithm), algorithm.tag(), canon)
                : Peers.openDkimSign(message, selector, InteropKeys.DOMAIN, keys.file(algorithm), algorithm.tag(),
                        canon);

        VerificationResult result = verifyOne(signed);
        // postseal and dkimpy must agree on every signature others made
        Peers.PeerResult dkimpy = Peers.dkimpyVerify(signed, keys.records);
        assertEquals(dkimpy.allPassed(), result.passed(), "postseal: " + result.describe() + "\ndkimpy: "
                + dkimpy.output());
        if (signer.equals("OpenDKIM") && algorithm == SignatureAlgorithm.ED25519_SHA256
                && canon.startsWith("simple/")) {
            // OpenDKIM 2.11 defect: its Ed25519 signatures with simple header canonicalization verify nowhere,
            // not even in OpenDKIM itself (docs/TESTING.md); postseal must reject them as dkimpy does.
            assertEquals(VerificationFailure.SIGNATURE_MISMATCH, result.failure().orElseThrow());
            assertTrue(Peers.openDkimVerify(signed, keys.records).allFailed());
            return;
        }
        assertEquals(AuthResult.PASS, result.result(), result.describe() + "\n" + InteropMessages.text(signed));
        assertEquals(algorithm, result.signature().orElseThrow().algorithm());
        assertEquals(canon, result.signature().orElseThrow().canonicalization().toString());

        String body = InteropMessages.text(message).substring(InteropMessages.text(message).indexOf("\r\n\r\n") + 4);
        byte[] tamperedBody = InteropMessages.tamper(signed, body.substring(0, 8), "XXXXXXXX");
        assertEquals(VerificationFailure.BODY_HASH_MISMATCH, verifyOne(tamperedBody).failure().orElseThrow());

        byte[] tamperedDate = InteropMessages.tamper(signed, "Date: Sun, 22 Nov", "Date: Mon, 23 Nov");
        assertEquals(VerificationFailure.SIGNATURE_MISMATCH, verifyOne(tamperedDate).failure().orElseThrow());
    }

    private static VerificationResult verifyOne(byte[] signed) throws Exception {
        java.io.InputStream in = new java.io.ByteArrayInputStream(signed);
        HeaderBlock header = MessageReader.readHeader(in, MessageReader.DEFAULT_MAX_HEADER_BYTES);
        VerificationSession session = new DkimVerifier(keys.lookup(), Clock.systemUTC()).newSession();
        header.fields().forEach(session::header);
        byte[] body = in.readAllBytes();
        session.body(body, 0, body.length);
        List<VerificationResult> results = session.finish();
        assertEquals(1, results.size(), results.toString());
        assertTrue(results.get(0).signature().isPresent(), results.get(0).describe());
        return results.get(0);
    }
}
