package org.postseal.dkim;

import com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider;
import java.security.KeyFactory;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.Provider;
import java.security.Signature;
import java.util.ArrayList;
import java.util.List;

/**
 * Where postseal gets its cryptography: the Amazon Corretto Crypto Provider (ACCP, AWS-LC underneath) when it loads
 * on this platform and offers the algorithm asked for, the JDK's own providers otherwise.
 *
 * <p>ACCP is named explicitly on each call and is never installed with {@code Security.insertProviderAt}, so the rest
 * of the JVM (TLS, other libraries) keeps the providers it expects. The choice is made once, when this class is first
 * used; the daemons name it in their start-up line ({@link #description()}), the engine itself logs nothing. Initialising this class never throws: when ACCP cannot be used (another operating
 * system or CPU, native library missing, self-test failed) every algorithm comes from the JDK and
 * {@link #description()} says why. When ACCP is used but lacks one algorithm (ACCP 2.5.0 has no Ed25519
 * {@code KeyFactory}), that one algorithm comes from the JDK; keys from either side work with both.
 */
public final class CryptoProviders {
    /** The algorithms DKIM needs, as "type.algorithm": what {@link #description()} reports on. */
    private static final List<String> DKIM_ALGORITHMS = List.of(
            "Signature.SHA256withRSA", "Signature.Ed25519",
            "KeyFactory.RSA", "KeyFactory.Ed25519",
            "KeyPairGenerator.RSA", "KeyPairGenerator.Ed25519",
            "MessageDigest.SHA-256");

    /**
     * Set this system property to {@code jdk} to use only the JDK's providers (to compare, or to rule ACCP out when
     * diagnosing a problem); set it in {@code POSTSEAL_JAVA_OPTS} for {@code bin/postseal}.
     */
    public static final String PROVIDER_PROPERTY = "postseal.crypto";

    /** ACCP when it loaded and passed its self-tests; null when every algorithm comes from the JDK. */
    private static final Provider ACCP;
    private static final String DESCRIPTION;

    static {
        Provider accp = null;
        String description;
        if ("jdk".equalsIgnoreCase(System.getProperty(PROVIDER_PROPERTY, ""))) {
            description = "JDK providers (ACCP turned off by -D" + PROVIDER_PROPERTY + "=jdk)";
        } else {
            try {
                accp = Accp.healthyInstance();
                description = describeAccp(accp);
            } catch (RuntimeException | LinkageError e) {
                description = "JDK providers (ACCP unavailable: " + oneLine(e) + ")";
            }
        }
        ACCP = accp;
        DESCRIPTION = description;
    }

    private CryptoProviders() {
    }

    /**
     * A fresh {@link Signature} for a JCA algorithm name such as {@code SHA256withRSA} or {@code Ed25519}.
     *
     * @throws IllegalArgumentException if no provider offers the algorithm
     */
    public static Signature signature(String jcaAlgorithm) {
        Provider provider = providerFor("Signature", jcaAlgorithm);
        try {
            return provider == null ? Signature.getInstance(jcaAlgorithm)
                    : Signature.getInstance(jcaAlgorithm, provider);
        } catch (NoSuchAlgorithmException e) {
            throw unknown("Signature", jcaAlgorithm, e);
        }
    }

    /**
     * A fresh {@link KeyFactory} for a key algorithm such as {@code RSA} or {@code Ed25519}.
     *
     * @throws IllegalArgumentException if no provider offers the algorithm
     */
    public static KeyFactory keyFactory(String jcaAlgorithm) {
        Provider provider = providerFor("KeyFactory", jcaAlgorithm);
        try {
            return provider == null ? KeyFactory.getInstance(jcaAlgorithm)
                    : KeyFactory.getInstance(jcaAlgorithm, provider);
        } catch (NoSuchAlgorithmException e) {
            throw unknown("KeyFactory", jcaAlgorithm, e);
        }
    }

    /**
     * A fresh, uninitialised {@link KeyPairGenerator} for a key algorithm such as {@code RSA} or {@code Ed25519}.
     *
     * @throws IllegalArgumentException if no provider offers the algorithm
     */
    public static KeyPairGenerator keyPairGenerator(String jcaAlgorithm) {
        Provider provider = providerFor("KeyPairGenerator", jcaAlgorithm);
        try {
            return provider == null ? KeyPairGenerator.getInstance(jcaAlgorithm)
                    : KeyPairGenerator.getInstance(jcaAlgorithm, provider);
        } catch (NoSuchAlgorithmException e) {
            throw unknown("KeyPairGenerator", jcaAlgorithm, e);
        }
    }

    /** A fresh SHA-256 {@link MessageDigest}, the only hash DKIM signs with. */
    public static MessageDigest sha256() {
        Provider provider = providerFor("MessageDigest", "SHA-256");
        try {
            return provider == null ? MessageDigest.getInstance("SHA-256")
                    : MessageDigest.getInstance("SHA-256", provider);
        } catch (NoSuchAlgorithmException e) {
            // Every Java platform must offer SHA-256 (MessageDigest javadoc), so this is a broken JVM.
            throw new IllegalStateException("no provider for MessageDigest SHA-256", e);
        }
    }

    /**
     * Which providers are in use, for logs and {@code --version}: for example
     * {@code "Amazon Corretto Crypto Provider 2.5.0 (JDK for KeyFactory.Ed25519)"} or
     * {@code "JDK providers (ACCP unavailable: UnsatisfiedLinkError: ...)"}.
     */
    public static String description() {
        return DESCRIPTION;
    }

    /** ACCP if it is in use and offers the algorithm; null to let the JDK choose. */
    private static Provider providerFor(String type, String algorithm) {
        if (ACCP != null && ACCP.getService(type, algorithm) != null) {
            return ACCP;
        }
        return null;
    }

    private static IllegalArgumentException unknown(String type, String algorithm, NoSuchAlgorithmException e) {
        return new IllegalArgumentException("no provider for " + type + " " + algorithm, e);
    }

    private static String describeAccp(Provider accp) {
        List<String> fromJdk = new ArrayList<>();
        for (String typeAndAlgorithm : DKIM_ALGORITHMS) {
            int dot = typeAndAlgorithm.indexOf('.');
            if (accp.getService(typeAndAlgorithm.substring(0, dot), typeAndAlgorithm.substring(dot + 1)) == null) {
                fromJdk.add(typeAndAlgorithm);
            }
        }
        String name = "Amazon Corretto Crypto Provider " + accp.getVersionStr();
        return fromJdk.isEmpty() ? name : name + " (JDK for " + String.join(", ", fromJdk) + ")";
    }

    private static String oneLine(Throwable e) {
        Throwable shown = e;
        // Our own wrapper adds nothing; say what ACCP itself reported.
        if (e instanceof AccpUnusableException && e.getCause() != null) {
            shown = e.getCause();
        }
        String message = shown.getMessage();
        String text = shown.getClass().getSimpleName()
                + (message == null || message.isBlank() ? "" : ": " + message);
        return text.replaceAll("\\s+", " ").trim();
    }

    /**
     * The only place that names ACCP's class. It is a separate class so that a missing ACCP jar shows up as a
     * {@link NoClassDefFoundError} inside the {@code try} above, not as a failure to load {@link CryptoProviders}.
     */
    private static final class Accp {
        private Accp() {
        }

        static Provider healthyInstance() {
            AmazonCorrettoCryptoProvider accp = AmazonCorrettoCryptoProvider.INSTANCE;
            Throwable loadingError = accp.getLoadingError();
            if (loadingError != null) {
                throw new AccpUnusableException(loadingError);
            }
            accp.assertHealthy();
            return accp;
        }
    }

    /** ACCP reported a loading error; carries it as the cause. */
    private static final class AccpUnusableException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        AccpUnusableException(Throwable cause) {
            super("ACCP did not load", cause);
        }
    }
}
