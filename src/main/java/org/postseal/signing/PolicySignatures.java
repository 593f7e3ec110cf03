package org.postseal.signing;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.postseal.dkim.SignatureSpec;
import org.postseal.policy.Client;
import org.postseal.policy.SignatureRequest;
import org.postseal.policy.SigningDecision;
import org.postseal.policy.SigningPolicy;

/** {@link SignatureSelector#byPolicy}: the policy's signature requests, each made a specification by the template. */
final class PolicySignatures implements SignatureSelector {
    private final SigningPolicy policy;
    private final SigningKeys keys;
    private final SignatureTemplate template;

    PolicySignatures(SigningPolicy policy, SigningKeys keys, SignatureTemplate template) {
        this.policy = policy;
        this.keys = keys;
        this.template = template;
    }

    @Override
    public Optional<SignatureChoice.Skip> screen(Client client) {
        return policy.screen(client).map(d -> new SignatureChoice.Skip(d.reason(), d.notice()));
    }

    @Override
    public SignatureChoice choose(Client client, Optional<String> fromField) {
        SigningDecision decision = policy.decide(client, fromField);
        if (!decision.signs()) {
            return new SignatureChoice.Skip(decision.reason(), decision.notice());
        }
        List<SignatureSpec> specs = new ArrayList<>();
        for (SignatureRequest request : decision.signatures()) {
            try {
                specs.add(template.spec(request.domain(), request.selector(), keys.get(request.keyFile()),
                        request.identity()));
            } catch (UnusableKeyException e) {
                return new SignatureChoice.Fail(e.getMessage());
            }
        }
        return SignatureChoice.sign(specs);
    }

    @Override
    public int keyCount() {
        return keys.size();
    }

    @Override
    public String toString() {
        return policy.toString();
    }
}
