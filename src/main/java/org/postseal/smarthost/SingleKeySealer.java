package org.postseal.smarthost;

import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.function.UnaryOperator;
import org.postseal.dkim.SignatureSpec;
import org.postseal.dkim.SigningKey;
import org.postseal.message.MessageFormatException;

/**
 * Signs every message with one domain, selector and key, whatever its From says: what the seed's
 * {@code dkimsign SELECTOR DOMAIN KEYFILE} does.
 */
public final class SingleKeySealer implements MessageSealer {
    private final SignatureSpec spec;
    private final Clock clock;

    /**
     * @param template applies canonicalization and header lists (the defaults are OpenDKIM's)
     */
    public SingleKeySealer(String domain, String selector, SigningKey key, UnaryOperator<SignatureSpec.Builder> template,
            Clock clock) {
        this.spec = template.apply(SignatureSpec.builder(domain, selector, key)).build();
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public SignedMessage seal(byte[] message) throws MessageFormatException, SealingException {
        return Sealing.sign(message, List.of(spec), clock);
    }

    @Override
    public String toString() {
        return "d=" + spec.domain() + " s=" + spec.selector() + " (" + spec.algorithm().tag() + ")";
    }
}
