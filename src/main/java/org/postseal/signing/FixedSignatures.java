package org.postseal.signing;

import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.postseal.dkim.SignatureSpec;
import org.postseal.policy.Client;

/** {@link SignatureSelector#fixed}: the same signatures for every message. */
final class FixedSignatures implements SignatureSelector {
    private final SignatureChoice.Sign sign;

    FixedSignatures(List<SignatureSpec> specs) {
        this.sign = new SignatureChoice.Sign(specs);
    }

    @Override
    public Optional<SignatureChoice.Skip> screen(Client client) {
        return Optional.empty();
    }

    @Override
    public SignatureChoice choose(Client client, Optional<String> fromField) {
        return sign;
    }

    @Override
    public List<KeyInUse> keysInUse() {
        return sign.specs().stream().map(s -> new KeyInUse(s.domain(), s.selector(), s.key())).toList();
    }

    @Override
    public int keyCount() {
        return sign.specs().size();
    }

    /** {@code d=example.org s=mail (ed25519-sha256)} for each key. */
    @Override
    public String toString() {
        return sign.specs().stream().map(s -> "d=" + s.domain() + " s=" + s.selector() + " (" + s.algorithm().tag()
                + ")").collect(Collectors.joining(", "));
    }
}
