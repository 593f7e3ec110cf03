package org.postseal.smtp;

import java.nio.charset.StandardCharsets;
import javax.security.sasl.SaslClient;
import javax.security.sasl.SaslException;

/**
 * The LOGIN mechanism (draft-murchison-sasl-login), which the JDK does not provide: no initial response, then the
 * user name in answer to the first challenge and the password in answer to the second, whatever the challenges say.
 */
final class LoginSaslClient implements SaslClient {
    private final byte[] user;
    private byte[] password;
    private int step;

    LoginSaslClient(String user, String password) {
        this.user = user.getBytes(StandardCharsets.UTF_8);
        this.password = password.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String getMechanismName() {
        return "LOGIN";
    }

    @Override
    public boolean hasInitialResponse() {
        return false;
    }

    @Override
    public byte[] evaluateChallenge(byte[] challenge) throws SaslException {
        switch (step) {
            case 0:
                step = 1;
                return user.clone();
            case 1:
                step = 2;
                byte[] answer = password;
                password = new byte[0];
                return answer;
            default:
                throw new SaslException("LOGIN: no challenge expected after the password");
        }
    }

    @Override
    public boolean isComplete() {
        return step == 2;
    }

    @Override
    public byte[] unwrap(byte[] incoming, int offset, int len) {
        throw new IllegalStateException("LOGIN has no security layer");
    }

    @Override
    public byte[] wrap(byte[] outgoing, int offset, int len) {
        throw new IllegalStateException("LOGIN has no security layer");
    }

    @Override
    public Object getNegotiatedProperty(String propName) {
        return null;
    }

    @Override
    public void dispose() {
        password = new byte[0];
    }
}
