package org.postseal.milter;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.postseal.logging.LogText;
import org.postseal.dkim.SignatureSpec;
import org.postseal.dkim.SigningKey;
import org.postseal.policy.Client;
import org.postseal.policy.SignatureRequest;
import org.postseal.policy.SigningDecision;
import org.postseal.policy.SigningPolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The milter's signing port served by OpenDKIM's rules ({@link SigningPolicy}): turns the policy's signature
 * requests into engine specs with keys read once (at start-up) and the configured canonicalization and header lists.
 */
public final class PolicySignerSelector implements SignerSelector {
    private static final Logger LOG = LoggerFactory.getLogger(PolicySignerSelector.class);

    private final SigningPolicy policy;
    private final Function<String, SigningKey> keys;
    private final Function<SignatureSpec.Builder, SignatureSpec.Builder> template;

    /**
     * @param policy who is signed for, and with which keys
     * @param keys the private key for a configured key file path (keys are read and checked before serving)
     * @param template applies canonicalization, header lists and other settings to each spec
     */
    public PolicySignerSelector(SigningPolicy policy, Function<String, SigningKey> keys,
            Function<SignatureSpec.Builder, SignatureSpec.Builder> template) {
        this.policy = policy;
        this.keys = keys;
        this.template = template;
    }

    @Override
    public Decision mayClientSign(MessageContext context) {
        Optional<SigningDecision> screened = policy.screen(client(context));
        return screened.map(d -> Decision.skip(d.reason())).orElse(Decision.proceed());
    }

    @Override
    public Decision select(MessageContext context) {
        SigningDecision decision = policy.decide(client(context), context.from());
        if (decision.notice()) {
            LOG.warn("{}: {}", context.queueId(), LogText.escape(decision.reason()));
        }
        if (!decision.signs()) {
            return Decision.skip(decision.reason());
        }
        List<SignatureSpec> specs = new ArrayList<>();
        for (SignatureRequest request : decision.signatures()) {
            SigningKey key = keys.apply(request.keyFile());
            SignatureSpec.Builder builder = SignatureSpec.builder(request.domain(), request.selector(), key);
            request.identity().ifPresent(builder::identity);
            specs.add(template.apply(builder).build());
        }
        return Decision.sign(specs);
    }

    private static Client client(MessageContext context) {
        ClientInfo info = context.client();
        Map<String, String> macros = context.macros();
        Client client = new Client(info.address(), info.hostName(), context.authType(), context.authenticatedAs(),
                macros);
        return client;
    }
}
