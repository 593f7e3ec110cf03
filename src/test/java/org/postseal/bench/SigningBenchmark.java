package org.postseal.bench;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.postseal.dkim.DkimSigner;
import org.postseal.message.HeaderField;
import org.postseal.dkim.SignatureAlgorithm;
import org.postseal.dkim.SignatureSpec;
import org.postseal.dkim.SigningKey;
import org.postseal.dkim.SigningSession;
import org.postseal.dkim.CryptoProviders;

/**
 * Time to sign one whole message (headers, body hash, signature) with the engine, for RSA-2048 and Ed25519 and a
 * 2 KB and a 100 KB message, relaxed/relaxed. Run with {@code bin/benchmark}; results go in docs/BENCHMARKS.md.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class SigningBenchmark {
    @Param({"rsa-sha256", "ed25519-sha256"})
    public String algorithm;

    @Param({"2048", "102400"})
    public int messageBytes;

    private DkimSigner signer;
    private SignatureSpec spec;
    private List<HeaderField> headers;
    private byte[] body;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        SignatureAlgorithm a = SignatureAlgorithm.fromTag(algorithm).orElseThrow();
        KeyPairGenerator generator = CryptoProviders.keyPairGenerator(a == SignatureAlgorithm.RSA_SHA256
                ? "RSA" : "Ed25519");
        if (a == SignatureAlgorithm.RSA_SHA256) {
            generator.initialize(2048);
        }
        KeyPair pair = generator.generateKeyPair();
        spec = SignatureSpec.builder("example.com", "sel", new SigningKey(a, pair.getPrivate(), pair.getPublic()))
                .build();
        signer = new DkimSigner(Clock.systemUTC());
        headers = List.of(
                HeaderField.of("From", "Joe SixPack <joe@example.com>"),
                HeaderField.of("To", "Suzie Q <suzie@example.net>"),
                HeaderField.of("Subject", "Is dinner ready?"),
                HeaderField.of("Date", "Sun, 22 Nov 2026 10:00:00 +0100"),
                HeaderField.of("Message-ID", "<20261122100000.1234@example.com>"));
        StringBuilder text = new StringBuilder();
        while (text.length() < messageBytes - 300) {
            text.append("The quick brown fox jumps over the lazy dog, and then  does it again.\r\n");
        }
        body = text.toString().getBytes(StandardCharsets.US_ASCII);
    }

    @Benchmark
    public List<HeaderField> sign() throws Exception {
        SigningSession session = signer.newSession(spec);
        for (HeaderField header : headers) {
            session.header(header);
        }
        session.body(body);
        return session.finish();
    }
}
