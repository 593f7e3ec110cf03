package org.postseal.smtp;

import io.netty.handler.codec.smtp.DefaultSmtpRequest;
import io.netty.handler.codec.smtp.SmtpCommand;
import io.netty.handler.codec.smtp.SmtpRequest;
import io.netty.handler.codec.smtp.SmtpRequests;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Set;
import javax.security.auth.callback.Callback;
import javax.security.auth.callback.NameCallback;
import javax.security.auth.callback.PasswordCallback;
import javax.security.auth.callback.UnsupportedCallbackException;
import javax.security.sasl.Sasl;
import javax.security.sasl.SaslClient;
import javax.security.sasl.SaslException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client side of one SMTP AUTH exchange (RFC 4954) with PLAIN (the JDK's {@link SaslClient}) or LOGIN
 * ({@link LoginSaslClient}): chooses the mechanism, words the AUTH command and answers each 334 challenge. It sends
 * nothing itself and knows no session state: {@link SmtpSession} writes the requests it returns, reads the replies
 * and decides what a {@link Failure} does to the delivery. Used on one event loop only, not thread-safe.
 */
final class SaslExchange {
    private static final Logger LOG = LoggerFactory.getLogger(SaslExchange.class);

    /** Why the exchange cannot go on, worded for the delivery report (always a temporary failure). */
    static final class Failure extends Exception {
        private static final long serialVersionUID = 1L;

        Failure(String message) {
            super(message, null, false, false);
        }
    }

    private final String mechanism;
    private SaslClient client;

    private SaslExchange(String mechanism, SaslClient client) {
        this.mechanism = mechanism;
        this.client = client;
    }

    /**
     * The mechanism to use: the one configured, or for {@link AuthMechanism#AUTO} PLAIN before LOGIN.
     *
     * @throws Failure when the server offers none that fits
     * @throws IllegalStateException for {@link AuthMechanism#NONE}
     */
    static String mechanism(AuthMechanism configured, Set<String> offered) throws Failure {
        String wanted = switch (configured) {
            case PLAIN -> "PLAIN";
            case LOGIN -> "LOGIN";
            case AUTO -> offered.contains("PLAIN") ? "PLAIN" : offered.contains("LOGIN") ? "LOGIN" : null;
            case NONE -> throw new IllegalStateException("AUTH with " + configured);
        };
        if (wanted == null || !offered.contains(wanted)) {
            String offers = offered.isEmpty() ? "server does not offer AUTH"
                    : "server offers AUTH " + String.join(" ", offered.stream().sorted().toList());
            throw new Failure("AUTH failed: " + offers + ", not " + (wanted == null ? "PLAIN or LOGIN" : wanted));
        }
        return wanted;
    }

    /**
     * Starts {@code mechanism} for {@code user} with {@code secret} towards {@code host}.
     *
     * @throws Failure when the JDK lacks the mechanism or cannot start it
     */
    static SaslExchange start(String mechanism, String user, String secret, String host) throws Failure {
        SaslClient client;
        if (mechanism.equals("LOGIN")) {
            client = new LoginSaslClient(user, secret);
        } else {
            try {
                client = Sasl.createSaslClient(new String[] {mechanism}, null, "smtp", host, null,
                        callbacks -> answer(callbacks, user, secret));
            } catch (SaslException e) {
                throw new Failure("AUTH " + mechanism + " failed here: " + SmtpSession.describe(e));
            }
            if (client == null) {
                throw new Failure("AUTH " + mechanism + " is not available in this JDK");
            }
        }
        return new SaslExchange(mechanism, client);
    }

    /**
     * The AUTH command, with the initial response when the mechanism has one ({@code =} for an empty one).
     *
     * @throws Failure when the mechanism fails to produce it (the exchange is then disposed)
     */
    SmtpRequest command() throws Failure {
        try {
            if (!client.hasInitialResponse()) {
                return SmtpRequests.auth(mechanism);
            }
            byte[] initial = client.evaluateChallenge(new byte[0]);
            return SmtpRequests.auth(mechanism, initial.length == 0 ? "=" : base64(initial));
        } catch (SaslException e) {
            dispose();
            throw new Failure("AUTH " + mechanism + " failed here: " + SmtpSession.describe(e));
        }
    }

    /** True while the mechanism expects another challenge. */
    boolean expectsChallenge() {
        return client != null && !client.isComplete();
    }

    /**
     * The answer to the 334 challenge in {@code reply} (base64, or taken as text when it is not base64).
     *
     * @throws Failure when the mechanism refuses the challenge: send {@link #cancel()} (RFC 4954 section 4); the
     *     exchange is then disposed
     */
    SmtpRequest answer(SmtpReply reply) throws Failure {
        byte[] challenge;
        try {
            challenge = Base64.getDecoder().decode(reply.text().trim());
        } catch (IllegalArgumentException e) {
            challenge = reply.text().getBytes(StandardCharsets.UTF_8);
        }
        try {
            return new DefaultSmtpRequest(SmtpCommand.EMPTY, base64(client.evaluateChallenge(challenge)));
        } catch (SaslException e) {
            dispose();
            throw new Failure("AUTH failed here: " + SmtpSession.describe(e));
        }
    }

    /** The line that cancels the exchange. */
    static SmtpRequest cancel() {
        return new DefaultSmtpRequest(SmtpCommand.EMPTY, "*");
    }

    /** Forgets the secret; later calls do nothing. */
    void dispose() {
        if (client != null) {
            try {
                client.dispose();
            } catch (SaslException e) {
                LOG.debug("disposing SASL", e);
            }
            client = null;
        }
    }

    private static void answer(Callback[] callbacks, String user, String secret)
            throws UnsupportedCallbackException {
        for (Callback callback : callbacks) {
            if (callback instanceof NameCallback name) {
                name.setName(user);
            } else if (callback instanceof PasswordCallback pass) {
                pass.setPassword(secret.toCharArray());
            } else {
                throw new UnsupportedCallbackException(callback);
            }
        }
    }

    private static String base64(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
    }
}
