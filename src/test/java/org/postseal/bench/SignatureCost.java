package org.postseal.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.spec.RSAKeyGenParameterSpec;
import org.postseal.dkim.CryptoProviders;

/**
 * What one signature costs alone, with the providers postseal uses ({@link CryptoProviders}): CPU time per
 * RSA-2048 and per Ed25519 signature of a DKIM-sized input (about 600 bytes of canonical header fields), one thread,
 * warm. {@code bin/benchmark-memory} prints it beside the milter's CPU per message, so that the part of a message's
 * cost that is the cryptography, and the part that is not, are measured in one run.
 *
 * <pre>
 * java -cp ... org.postseal.bench.SignatureCost [SECONDS]
 * </pre>
 */
public final class SignatureCost {
    private SignatureCost() {
    }

    public static void main(String[] args) throws Exception {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 3;
        byte[] input = ("from:Alice <alice@example.com>\r\nto:bob@example.org\r\nsubject:the parish newsletter\r\n"
                + "date:Wed, 02 Dec 2026 14:00:00 +0000\r\nmessage-id:<20261202140000.1234@example.com>\r\n"
                + "dkim-signature:v=1; a=rsa-sha256; c=relaxed/simple; d=example.com; s=sel; t=1796220000; "
                + "h=from:to:subject:date:message-id:from; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=")
                .getBytes(StandardCharsets.US_ASCII);
        KeyPairGenerator rsa = CryptoProviders.keyPairGenerator("RSA");
        rsa.initialize(new RSAKeyGenParameterSpec(2048, RSAKeyGenParameterSpec.F4));
        KeyPair ed = CryptoProviders.keyPairGenerator("Ed25519").generateKeyPair();
        System.out.printf("# signature alone (%s), one thread, warm: rsa-sha256 2048 %.3f ms, ed25519-sha256 %.3f ms"
                + " of CPU per signature%n", CryptoProviders.description(),
                perSignature("SHA256withRSA", rsa.generateKeyPair(), input, seconds),
                perSignature("Ed25519", ed, input, seconds));
    }

    /** Milliseconds of this thread's CPU per signature, after as long a warm-up. */
    private static double perSignature(String algorithm, KeyPair key, byte[] input, double seconds)
            throws Exception {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        sign(algorithm, key, input, seconds); // warm-up
        long cpu = threads.getCurrentThreadCpuTime();
        long count = sign(algorithm, key, input, seconds);
        return (threads.getCurrentThreadCpuTime() - cpu) / 1e6 / count;
    }

    private static long sign(String algorithm, KeyPair key, byte[] input, double seconds) throws Exception {
        long end = System.nanoTime() + (long) (seconds * 1e9);
        long count = 0;
        while (System.nanoTime() < end) {
            Signature signature = CryptoProviders.signature(algorithm); // as the milter does: one per message
            signature.initSign(key.getPrivate());
            signature.update(input);
            if (signature.sign().length == 0) {
                throw new IllegalStateException("empty signature");
            }
            count++;
        }
        return count;
    }
}
