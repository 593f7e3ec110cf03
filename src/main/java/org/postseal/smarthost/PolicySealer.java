package org.postseal.smarthost;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.postseal.dkim.HeaderField;
import org.postseal.dkim.SignatureSpec;
import org.postseal.dkim.SigningKey;
import org.postseal.message.HeaderBlock;
import org.postseal.message.MessageFormatException;
import org.postseal.message.MessageReader;
import org.postseal.policy.Client;
import org.postseal.policy.SignatureRequest;
import org.postseal.policy.SigningDecision;
import org.postseal.policy.SigningPolicy;

/**
 * Signs by the KeyTable/SigningTable rules the milter follows, with the From header choosing the keys. Every client
 * of the smarthost's socket is local (the socket's mode and group decide who may use it), so the policy sees each
 * message as coming from 127.0.0.1, an internal host.
 */
public final class PolicySealer implements MessageSealer {
    private static final Client LOCAL = Client.of(InetAddress.getLoopbackAddress(), "localhost");

    private final SigningPolicy policy;
    private final Function<String, SigningKey> keys;
    private final UnaryOperator<SignatureSpec.Builder> template;
    private final Clock clock;

    /**
     * @param keys the private key for a configured key file path; may throw IllegalStateException for a key that
     *     cannot be used (that message then cannot be signed)
     */
    public PolicySealer(SigningPolicy policy, Function<String, SigningKey> keys,
            UnaryOperator<SignatureSpec.Builder> template, Clock clock) {
        this.policy = policy;
        this.keys = keys;
        this.template = template;
        this.clock = clock;
    }

    @Override
    public SignedMessage seal(byte[] message) throws MessageFormatException, SealingException {
        HeaderBlock header;
        try {
            header = MessageReader.readHeader(new ByteArrayInputStream(message), MessageReader.DEFAULT_MAX_HEADER_BYTES);
        } catch (IOException e) {
            throw new MessageFormatException("cannot read the header: " + e.getMessage());
        }
        Optional<String> from = header.fields().stream().filter(f -> f.hasName("From")).findFirst()
                .map(HeaderField::value);
        SigningDecision decision = policy.decide(LOCAL, from);
        if (!decision.signs()) {
            return new SignedMessage(message, List.of(), "not signed: " + decision.reason());
        }
        List<SignatureSpec> specs = new ArrayList<>();
        for (SignatureRequest request : decision.signatures()) {
            SigningKey key;
            try {
                key = keys.apply(request.keyFile());
            } catch (IllegalStateException e) {
                throw new SealingException(e.getMessage(), e);
            }
            SignatureSpec.Builder builder = SignatureSpec.builder(request.domain(), request.selector(), key);
            request.identity().ifPresent(builder::identity);
            specs.add(template.apply(builder).build());
        }
        return Sealing.sign(message, specs, clock);
    }
}
