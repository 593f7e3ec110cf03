package org.postseal.dkim;

import java.io.ByteArrayOutputStream;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.postseal.message.HeaderField;

/**
 * One message being verified. Feed it every header field top to bottom, then the body in chunks, then call
 * {@link #finish()} for one result per DKIM-Signature field, top to bottom. Only header fields are kept; each
 * distinct body canonicalization and {@code l=} is hashed once as the body streams by. Not thread-safe.
 */
public final class VerificationSession {
    private static final String SIGNATURE_FIELD = "DKIM-Signature";
    private static final Pattern LOOSE_TAG = Pattern.compile("(?:^|;)\\s*([ds])\\s*=\\s*([^;\\s]*)");

    private static final int ED25519_BITS = 256;

    private enum State { HEADERS, BODY, DONE }

    private final KeyRecordLookup lookup;
    private final Instant now;
    private final java.time.Duration allowedClockSkew;
    private final int minimumRsaBits;
    private final VerificationLimits limits;
    private final List<HeaderField> headers = new ArrayList<>();
    private final List<Candidate> candidates = new ArrayList<>();
    private int notExamined;
    private final Map<BodyHasher.Key, BodyHasher> hashers = new HashMap<>();
    private State state = State.HEADERS;

    VerificationSession(KeyRecordLookup lookup, Instant now, java.time.Duration allowedClockSkew,
            int minimumRsaBits, VerificationLimits limits) {
        this.lookup = lookup;
        this.limits = limits;
        this.now = now;
        this.allowedClockSkew = allowedClockSkew;
        this.minimumRsaBits = minimumRsaBits;
    }

    /**
     * Adds the next header field.
     *
     * @throws IllegalStateException once the body has started
     */
    public void header(HeaderField field) {
        if (state != State.HEADERS) {
            throw new IllegalStateException("header after " + state);
        }
        headers.add(field);
    }

    /**
     * Adds the next chunk of the body.
     *
     * @throws IllegalStateException once finished
     */
    public void body(byte[] bytes, int offset, int length) {
        if (state == State.DONE) {
            throw new IllegalStateException("body after DONE");
        }
        if (state == State.HEADERS) {
            endOfHeaders();
        }
        for (BodyHasher hasher : hashers.values()) {
            hasher.update(bytes, offset, length);
        }
    }

    /** Adds the next chunk of the body. */
    public void body(byte[] bytes) {
        body(bytes, 0, bytes.length);
    }

    /**
     * Ends the header: parses the DKIM-Signature fields to be examined (at most
     * {@link VerificationLimits#maxSignatures()}, top down) and says which key records {@link #finish()} will ask
     * for, each once, so that a caller can fetch them while the body arrives.
     *
     * @throws IllegalStateException if the header has already ended
     */
    public List<KeyName> endOfHeader() {
        if (state != State.HEADERS) {
            throw new IllegalStateException("endOfHeader after " + state);
        }
        endOfHeaders();
        List<KeyName> keys = new ArrayList<>();
        for (Candidate candidate : candidates) {
            if (candidate.signature != null) {
                KeyName key = new KeyName(candidate.signature.selector(), candidate.signature.domain());
                if (!keys.contains(key)) {
                    keys.add(key);
                }
            }
        }
        return List.copyOf(keys);
    }

    /**
     * How many DKIM-Signature fields were left unexamined, beyond {@link VerificationLimits#maxSignatures()}; known
     * once the header has ended.
     */
    public int notExamined() {
        return notExamined;
    }

    /** Whether the header holds at least one DKIM-Signature field. */
    public boolean hasSignatures() {
        return headers.stream().anyMatch(h -> h.hasName(SIGNATURE_FIELD));
    }

    /**
     * Ends the message, fetches the keys and checks every signature; the list is empty for an unsigned message.
     *
     * @throws IllegalStateException if called twice
     */
    public List<VerificationResult> finish() {
        if (state == State.DONE) {
            throw new IllegalStateException("finish called twice");
        }
        if (state == State.HEADERS) {
            endOfHeaders();
        }
        state = State.DONE;
        List<VerificationResult> results = new ArrayList<>(candidates.size());
        for (Candidate candidate : candidates) {
            results.add(candidate.verify());
        }
        return results;
    }

    private void endOfHeaders() {
        state = State.BODY;
        for (HeaderField field : headers) {
            if (!field.hasName(SIGNATURE_FIELD)) {
                continue;
            }
            if (candidates.size() == limits.maxSignatures()) {
                notExamined++;
                continue;
            }
            String value = field.value();
            try {
                if (field.rawValue().length > limits.maxSignatureBytes()) {
                    throw new DkimFailureException(VerificationFailure.SIGNATURE_TOO_LARGE,
                            field.rawValue().length + " bytes (limit " + limits.maxSignatureBytes() + ")");
                }
                DkimSignature signature = DkimSignature.parse(value);
                BodyHasher.Key key = new BodyHasher.Key(signature.canonicalization().body(),
                        signature.bodyLength().orElse(-1));
                BodyHasher hasher = hashers.computeIfAbsent(key, k -> new BodyHasher(k.canonicalization(), k.limit()));
                candidates.add(new Candidate(field, signature, hasher, null));
            } catch (DkimFailureException e) {
                candidates.add(new Candidate(field, null, null, e));
            }
        }
    }

    private final class Candidate {
        private final HeaderField field;
        private final DkimSignature signature;
        private final BodyHasher hasher;
        private final DkimFailureException parseFailure;
        private boolean testing;
        private int keyBits;

        Candidate(HeaderField field, DkimSignature signature, BodyHasher hasher, DkimFailureException parseFailure) {
            this.field = field;
            this.signature = signature;
            this.hasher = hasher;
            this.parseFailure = parseFailure;
        }

        VerificationResult verify() {
            if (parseFailure != null) {
                String value = field.value();
                return VerificationResult.failed(parseFailure, looseTag(value, "d"), looseTag(value, "s"),
                        Optional.empty(), false, 0);
            }
            try {
                check();
                long unsigned = signature.bodyLength().isPresent()
                        ? hasher.canonicalLength() - signature.bodyLength().getAsLong() : 0;
                return VerificationResult.pass(signature, testing, keyBits, unsigned);
            } catch (DkimFailureException e) {
                return VerificationResult.failed(e, signature.domain(), signature.selector(), Optional.of(signature),
                        testing, keyBits);
            }
        }

        private void check() throws DkimFailureException {
            checkTimes();
            checkBodyHash();
            KeyRecord record = fetchKey();
            testing = record.testing();
            PublicKey key = usableKey(record);
            byte[] data = signedData();
            boolean valid;
            try {
                valid = SignatureCrypto.verify(signature.algorithm(), key, data, signature.signature());
            } catch (GeneralSecurityException e) {
                throw new DkimFailureException(VerificationFailure.KEY_SYNTAX, "key refused: " + e.getMessage());
            }
            if (!valid) {
                throw new DkimFailureException(VerificationFailure.SIGNATURE_MISMATCH, "");
            }
        }

        private void checkTimes() throws DkimFailureException {
            long seconds = now.getEpochSecond();
            if (signature.expiration().isPresent() && signature.expiration().getAsLong() < seconds) {
                throw new DkimFailureException(VerificationFailure.SIGNATURE_EXPIRED,
                        "x=" + signature.expiration().getAsLong());
            }
            if (signature.timestamp().isPresent()
                    && signature.timestamp().getAsLong() > seconds + allowedClockSkew.getSeconds()) {
                throw new DkimFailureException(VerificationFailure.SIGNATURE_IN_FUTURE,
                        "t=" + signature.timestamp().getAsLong());
            }
        }

        private void checkBodyHash() throws DkimFailureException {
            byte[] computed = hasher.hash();
            if (signature.bodyLength().isPresent() && signature.bodyLength().getAsLong() > hasher.canonicalLength()) {
                throw new DkimFailureException(VerificationFailure.BODY_LENGTH_EXCEEDS_BODY,
                        "l=" + signature.bodyLength().getAsLong() + ", body has " + hasher.canonicalLength());
            }
            if (!MessageDigest.isEqual(computed, signature.bodyHash())) {
                throw new DkimFailureException(VerificationFailure.BODY_HASH_MISMATCH, "");
            }
        }

        private KeyRecord fetchKey() throws DkimFailureException {
            List<String> texts;
            try {
                texts = lookup.lookup(signature.selector(), signature.domain());
            } catch (KeyLookupException e) {
                throw new DkimFailureException(
                        e.isTemporary() ? VerificationFailure.KEY_UNAVAILABLE : VerificationFailure.KEY_NOT_FOUND,
                        e.getMessage());
            }
            if (texts.isEmpty()) {
                throw new DkimFailureException(VerificationFailure.KEY_NOT_FOUND,
                        signature.selector() + "._domainkey." + signature.domain());
            }
            DkimFailureException first = null;
            for (String text : texts) {
                try {
                    return KeyRecord.parse(text);
                } catch (DkimFailureException e) {
                    first = first == null ? e : first;
                }
            }
            throw first;
        }

        private PublicKey usableKey(KeyRecord record) throws DkimFailureException {
            if (record.revoked()) {
                throw new DkimFailureException(VerificationFailure.KEY_REVOKED, "");
            }
            SignatureAlgorithm algorithm = signature.algorithm();
            if (!record.keyType().equals(algorithm.keyType())) {
                throw new DkimFailureException(VerificationFailure.KEY_TYPE_MISMATCH,
                        "k=" + record.keyType() + ", a=" + algorithm.tag());
            }
            if (!record.allowsHash("sha256")) {
                throw new DkimFailureException(VerificationFailure.KEY_HASH_NOT_ALLOWED,
                        "h=" + String.join(":", record.hashAlgorithms()));
            }
            if (!record.allowsEmail()) {
                throw new DkimFailureException(VerificationFailure.KEY_SERVICE_NOT_EMAIL, "");
            }
            if (record.strict()) {
                String identity = signature.identity();
                String identityDomain = identity.substring(identity.lastIndexOf('@') + 1);
                if (!identityDomain.equalsIgnoreCase(signature.domain())) {
                    throw new DkimFailureException(VerificationFailure.KEY_STRICT_SUBDOMAIN, "i=" + identity);
                }
            }
            PublicKey key;
            try {
                key = PublicKeyCodec.decode(record.keyType(), record.publicKeyData());
            } catch (PublicKeyFormatException e) {
                throw new DkimFailureException(VerificationFailure.KEY_SYNTAX, e.getMessage());
            }
            keyBits = key instanceof RSAPublicKey rsa ? rsa.getModulus().bitLength() : ED25519_BITS;
            if (key instanceof RSAPublicKey rsa && rsa.getModulus().bitLength() < minimumRsaBits) {
                throw new DkimFailureException(VerificationFailure.KEY_TOO_SHORT,
                        rsa.getModulus().bitLength() + " bits, minimum " + minimumRsaBits);
            }
            return key;
        }

        private byte[] signedData() {
            Canonicalization canon = signature.canonicalization().header();
            ByteArrayOutputStream data = new ByteArrayOutputStream();
            for (HeaderField selected : HeaderSelection.select(headers, signature.signedHeaders())) {
                data.writeBytes(canon.header(selected));
            }
            byte[] own = canon.header(SignatureValues.withoutSignature(field));
            data.write(own, 0, own.length - 2);
            return data.toByteArray();
        }
    }

    private static String looseTag(String value, String tag) {
        Matcher m = LOOSE_TAG.matcher(value);
        while (m.find()) {
            if (m.group(1).equals(tag)) {
                return m.group(2).toLowerCase(Locale.ROOT);
            }
        }
        return "";
    }
}
