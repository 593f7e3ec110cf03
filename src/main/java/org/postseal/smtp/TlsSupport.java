package org.postseal.smtp;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.io.IOException;
import java.net.Socket;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.X509ExtendedTrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client TLS of an {@link SmtpEndpoint}, with the JDK provider: the chain checked against the JDK trust store or
 * the endpoint's PEM CA file and the host name checked as HTTPS does (RFC 6125); or exactly the pinned certificate
 * fingerprints (msmtp {@code tls_fingerprint}); or nothing at all ({@code tls_certcheck off}, warned about once).
 */
final class TlsSupport {
    private static final Logger LOG = LoggerFactory.getLogger(TlsSupport.class);
    private static final AtomicBoolean INSECURE_WARNED = new AtomicBoolean();

    private TlsSupport() {
    }

    /**
     * The client context for {@code endpoint}.
     *
     * @throws IOException if the trust file cannot be read
     * @throws IllegalArgumentException if a fingerprint is malformed
     */
    static SslContext context(SmtpEndpoint endpoint) throws IOException {
        SslContextBuilder builder = SslContextBuilder.forClient().sslProvider(SslProvider.JDK);
        if (!endpoint.fingerprints().isEmpty()) {
            builder.trustManager(new FingerprintTrustManager(endpoint.fingerprints()));
        } else if (!endpoint.certCheck()) {
            if (INSECURE_WARNED.compareAndSet(false, true)) {
                LOG.warn("TLS certificate checking is off for {}: the server is not authenticated, any man in the "
                        + "middle can read and change the mail (msmtp tls_certcheck off)", endpoint);
            }
            builder.trustManager(InsecureTrustManagerFactory.INSTANCE);
        } else if (endpoint.trustFile().isPresent()) {
            builder.trustManager(endpoint.trustFile().get().toFile());
        }
        try {
            return builder.build();
        } catch (IllegalArgumentException e) {
            // Netty wraps an unreadable trust file this way
            throw new IOException(e.getMessage(), e);
        }
    }

    /** An {@link SslHandler} for one connection to {@code endpoint}, checking the host name when it should. */
    static SslHandler handler(SslContext context, ByteBufAllocator allocator, SmtpEndpoint endpoint) {
        SSLEngine engine = context.newEngine(allocator, endpoint.host(), endpoint.port());
        if (endpoint.certCheck() && endpoint.fingerprints().isEmpty()) {
            SSLParameters parameters = engine.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            engine.setSSLParameters(parameters);
        }
        SslHandler handler = new SslHandler(engine);
        handler.setHandshakeTimeoutMillis(Math.max(1, endpoint.timeout().toMillis()));
        return handler;
    }

    /** Parses {@code AB:CD:...} (or without colons) into bytes; 32 bytes is SHA-256, 20 bytes SHA-1. */
    static byte[] parseFingerprint(String text) {
        String hex = text.replace(":", "").trim();
        byte[] bytes;
        try {
            bytes = HexFormat.of().parseHex(hex.toLowerCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("fingerprint: " + text + " (expected: hex, with or without colons)");
        }
        if (bytes.length != 32 && bytes.length != 20) {
            throw new IllegalArgumentException("fingerprint: " + text + " (expected: SHA-256, 32 bytes, or SHA-1, "
                    + "20 bytes; got " + bytes.length + ")");
        }
        return bytes;
    }

    /** Accepts a server whose own certificate has one of the given SHA-256 or SHA-1 fingerprints; nothing else. */
    static final class FingerprintTrustManager extends X509ExtendedTrustManager {
        private final List<byte[]> sha256 = new ArrayList<>();
        private final List<byte[]> sha1 = new ArrayList<>();

        FingerprintTrustManager(List<String> fingerprints) {
            for (String fingerprint : fingerprints) {
                byte[] bytes = parseFingerprint(fingerprint);
                (bytes.length == 32 ? sha256 : sha1).add(bytes);
            }
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            if (chain == null || chain.length == 0) {
                throw new CertificateException("no server certificate");
            }
            byte[] encoded;
            try {
                encoded = chain[0].getEncoded();
            } catch (CertificateEncodingException e) {
                throw new CertificateException("cannot encode the server certificate", e);
            }
            byte[] sha256Digest = digest("SHA-256", encoded);
            if (sha256.stream().anyMatch(f -> MessageDigest.isEqual(f, sha256Digest))
                    || sha1.stream().anyMatch(f -> MessageDigest.isEqual(f, digest("SHA-1", encoded)))) {
                return;
            }
            throw new CertificateException("server certificate fingerprint SHA-256 "
                    + HexFormat.ofDelimiter(":").withUpperCase().formatHex(sha256Digest)
                    + " is not among the accepted fingerprints");
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            checkServerTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            checkServerTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("a client trust manager only");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            checkClientTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            checkClientTrusted(chain, authType);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }

        private static byte[] digest(String algorithm, byte[] data) {
            try {
                return MessageDigest.getInstance(algorithm).digest(data);
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(algorithm + " is missing from the JDK", e);
            }
        }
    }
}
