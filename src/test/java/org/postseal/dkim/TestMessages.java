package org.postseal.dkim;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.List;
import org.postseal.message.HeaderBlock;
import org.postseal.message.HeaderField;
import org.postseal.message.MessageFormatException;

/** Helpers for engine tests: split a whole message into fields and body, run sessions over it. */
final class TestMessages {
    private TestMessages() {
    }

    /** A fresh RSA signing key of {@code bits} bits. */
    static SigningKey rsaKey(int bits) throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(bits);
        KeyPair pair = generator.generateKeyPair();
        return new SigningKey(SignatureAlgorithm.RSA_SHA256, pair.getPrivate(), pair.getPublic());
    }

    /** A fresh Ed25519 signing key. */
    static SigningKey ed25519Key() throws GeneralSecurityException {
        KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        return new SigningKey(SignatureAlgorithm.ED25519_SHA256, pair.getPrivate(), pair.getPublic());
    }

    static byte[] resource(String name) {
        try (InputStream in = TestMessages.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalArgumentException("no test resource " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Converts bare LF to CRLF (test files are stored with LF). */
    static byte[] crlf(byte[] message) {
        String text = new String(message, StandardCharsets.ISO_8859_1).replace("\r\n", "\n").replace("\n", "\r\n");
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    static byte[] crlf(String message) {
        return crlf(message.getBytes(StandardCharsets.UTF_8));
    }

    static int bodyStart(byte[] message) {
        for (int i = 0; i + 3 < message.length; i++) {
            if (message[i] == '\r' && message[i + 1] == '\n' && message[i + 2] == '\r' && message[i + 3] == '\n') {
                return i + 4;
            }
        }
        return message.length;
    }

    static List<HeaderField> fields(byte[] message) {
        int start = bodyStart(message);
        byte[] header = java.util.Arrays.copyOf(message, start);
        try {
            return HeaderBlock.parseFields(header);
        } catch (MessageFormatException e) {
            throw new IllegalArgumentException(e);
        }
    }

    static List<VerificationResult> verify(DkimVerifier verifier, byte[] message, int chunk) {
        VerificationSession session = verifier.newSession();
        fields(message).forEach(session::header);
        int start = bodyStart(message);
        for (int i = start; i < message.length; i += chunk) {
            session.body(message, i, Math.min(chunk, message.length - i));
        }
        return session.finish();
    }

    static byte[] sign(DkimSigner signer, List<SignatureSpec> specs, byte[] message) throws Exception {
        SigningSession session = signer.newSession(specs);
        fields(message).forEach(session::header);
        int start = bodyStart(message);
        session.body(message, start, message.length - start);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (HeaderField signature : session.finish()) {
            out.write(signature.raw());
            out.write(new byte[] {'\r', '\n'});
        }
        out.write(message);
        return out.toByteArray();
    }

    static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
