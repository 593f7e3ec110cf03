package org.postseal.signing;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.postseal.dkim.SignatureSpec;
import org.postseal.events.NotSignedReason;
import org.postseal.policy.Client;
import org.postseal.policy.KeySetup;
import org.postseal.policy.KeyTable;
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
        return policy.screen(client).map(PolicySignatures::skip);
    }

    @Override
    public SignatureChoice choose(Client client, Optional<String> fromField) {
        SigningDecision decision = policy.decide(client, fromField);
        if (!decision.signs()) {
            return skip(decision);
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

    private static SignatureChoice.Skip skip(SigningDecision decision) {
        NotSignedReason kind = switch (decision.outcome()) {
            case PEER -> NotSignedReason.PEER;
            case EXTERNAL -> NotSignedReason.CLIENT_NOT_TRUSTED;
            case UNPARSABLE_FROM -> NotSignedReason.NO_FROM_ADDRESS;
            case NOT_SIGNED -> NotSignedReason.NO_SIGNING_ENTRY;
            case ERROR -> NotSignedReason.CONFIGURATION_ERROR;
            case SIGN -> throw new IllegalArgumentException("decision: SIGN (expected: a reason not to sign)");
        };
        return new SignatureChoice.Skip(decision.reason(), decision.notice(), kind);
    }

    @Override
    public List<KeyInUse> keysInUse() {
        List<KeyInUse> inUse = new ArrayList<>();
        if (policy.keys().orElse(null) instanceof KeySetup.Tables tables) {
            for (KeyTable.Entry entry : tables.keyTable().entries()) {
                keys.loaded(entry.keyFile()).ifPresent(k -> inUse.add(new KeyInUse(entry.domain(), entry.selector(),
                        k)));
            }
        } else if (policy.keys().orElse(null) instanceof KeySetup.DomainKey domainKey) {
            keys.loaded(domainKey.keyFile()).ifPresent(k -> domainKey.domains().entries().forEach(
                    d -> inUse.add(new KeyInUse(d, domainKey.selector(), k))));
        }
        return inUse;
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
