package org.postseal.signing;

import java.util.List;
import java.util.Optional;
import org.postseal.dkim.SignatureSpec;
import org.postseal.policy.Client;
import org.postseal.policy.SigningPolicy;

/**
 * Chooses the signatures for one message, the same for every door: by OpenDKIM's rules ({@link #byPolicy}: the
 * client and the From address pick the keys), or with a fixed key that signs everything ({@link #fixed}). Keys are
 * read and checked when it is built, so that a bad one stops start-up. Safe for every session and thread at once.
 */
public sealed interface SignatureSelector permits PolicySignatures, FixedSignatures {
    /**
     * What can be decided from the client alone, before the message: a reason not to sign its mail at all, or
     * empty when the message decides.
     */
    Optional<SignatureChoice.Skip> screen(Client client);

    /**
     * The signatures for one message.
     *
     * @param fromField the value of the (first) From header field, unfolded; empty if the message has none
     */
    SignatureChoice choose(Client client, Optional<String> fromField);

    /** How many keys are read (for the start-up log line). */
    int keyCount();

    /**
     * The keys read at start-up, each with the {@code d=} and {@code s=} it signs with ({@code %} for a KeyTable
     * domain taken from the From address), for the metrics. A KeyTable key whose path holds {@code %} is read when
     * a message needs it, and is not listed.
     */
    List<KeyInUse> keysInUse();

    /**
     * A key in use.
     *
     * @param domain {@code d=}, or {@code %} for the From domain
     * @param selector {@code s=}
     * @param key the key read
     */
    record KeyInUse(String domain, String selector, org.postseal.dkim.SigningKey key) {
    }

    /**
     * OpenDKIM's rules: {@code policy} decides, each of its signature requests becomes a specification by
     * {@code template} with its key from {@code keys} ({@link SigningKeys#load} them first).
     */
    static SignatureSelector byPolicy(SigningPolicy policy, SigningKeys keys, SignatureTemplate template) {
        return new PolicySignatures(policy, keys, template);
    }

    /**
     * OpenDKIM's rules, with every key the policy names read now by {@code rules}.
     *
     * @throws UnusableKeyException if a key the policy names cannot be used
     */
    static SignatureSelector byPolicy(SigningPolicy policy, KeyRules rules, SignatureTemplate template) {
        return byPolicy(policy, SigningKeys.load(policy.keys(), rules), template);
    }

    /**
     * dkimsign's way: every message signed with {@code key}, whatever its From.
     *
     * @throws UnusableKeyException if the key cannot be used
     * @throws IllegalArgumentException if the template or the key's names are not acceptable to the engine
     */
    static SignatureSelector fixed(FixedKey key, KeyRules rules, SignatureTemplate template) {
        return fixed(key.spec(SigningKeys.read(key.keyFile(), "key", rules), template));
    }

    /** Every message signed by {@code spec}, whatever its From (a key already read). */
    static SignatureSelector fixed(SignatureSpec spec) {
        return new FixedSignatures(List.of(spec));
    }
}
