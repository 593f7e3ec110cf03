package org.postseal.smarthost;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.util.List;
import org.postseal.dkim.DkimSigner;
import org.postseal.dkim.SignatureSpec;
import org.postseal.dkim.UnsignableMessageException;
import org.postseal.message.MessageFormatException;
import org.postseal.message.MessageSigning;

/** The signing step shared by the sealers: the engine over bytes already in memory. */
final class Sealing {
    private Sealing() {
    }

    static SignedMessage sign(byte[] message, List<SignatureSpec> specs, Clock clock)
            throws MessageFormatException, MessageSealer.SealingException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(message.length + 1024 * specs.size());
        try {
            MessageSigning.sign(new ByteArrayInputStream(message), out, new DkimSigner(clock), specs);
        } catch (UnsignableMessageException | GeneralSecurityException | IOException e) {
            throw new MessageSealer.SealingException("cannot sign: " + e.getMessage(), e);
        }
        List<String> described = specs.stream()
                .map(s -> "d=" + s.domain() + " s=" + s.selector() + " a=" + s.algorithm().tag()).toList();
        return new SignedMessage(out.toByteArray(), described, "signed " + String.join(", ", described));
    }
}
