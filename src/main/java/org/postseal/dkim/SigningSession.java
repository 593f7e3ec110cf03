package org.postseal.dkim;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Instant;
import java.util.AbstractMap.SimpleImmutableEntry;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.postseal.dkim.record.DkimQuotedPrintable;
import org.postseal.dkim.record.SignatureHeaderFormatter;
import org.postseal.message.HeaderField;

/**
 * One message being signed. Feed it every header field top to bottom, then the body in chunks of any size (CRLF
 * line ends, split anywhere), then call {@link #finish()} for the DKIM-Signature fields to put above the message.
 * Only the header fields are kept; the body is hashed as it arrives. Not thread-safe: one session per message.
 */
public final class SigningSession {
    private enum State { HEADERS, BODY, DONE }

    private final List<SignatureSpec> specs;
    private final Instant now;
    private final List<HeaderField> headers = new ArrayList<>();
    private final Map<Canonicalization, BodyHasher> hashers = new EnumMap<>(Canonicalization.class);
    private State state = State.HEADERS;

    SigningSession(List<SignatureSpec> specs, Instant now) {
        this.specs = specs;
        this.now = now;
        for (SignatureSpec spec : specs) {
            hashers.computeIfAbsent(spec.canonicalization().body(), c -> new BodyHasher(c, -1));
        }
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
        state = State.BODY;
        for (BodyHasher hasher : hashers.values()) {
            hasher.update(bytes, offset, length);
        }
    }

    /** Adds the next chunk of the body. */
    public void body(byte[] bytes) {
        body(bytes, 0, bytes.length);
    }

    /**
     * Ends the message and makes one DKIM-Signature field per spec, in the order of the specs; the first is meant
     * to be topmost.
     *
     * @throws UnsignableMessageException if the message has no From field
     * @throws GeneralSecurityException if the crypto provider refuses the key
     * @throws IllegalStateException if called twice
     */
    public List<HeaderField> finish() throws UnsignableMessageException, GeneralSecurityException {
        if (state == State.DONE) {
            throw new IllegalStateException("finish called twice");
        }
        List<HeaderField> signatures = new ArrayList<>(specs.size());
        for (int i = 0; i < specs.size(); i++) {
            signatures.add(sign(i));
        }
        return signatures;
    }

    /** How many signatures this session makes: one per spec. */
    public int signatureCount() {
        return specs.size();
    }

    /**
     * Ends the body (on the first call) and makes the signature of spec {@code index}, so that a server can make
     * several signatures in separate steps and never hold its thread for more than one.
     *
     * @throws UnsignableMessageException if the message has no From field
     * @throws GeneralSecurityException if the crypto provider refuses the key
     * @throws IndexOutOfBoundsException if there is no such spec
     */
    public HeaderField sign(int index) throws UnsignableMessageException, GeneralSecurityException {
        SignatureSpec spec = specs.get(index);
        state = State.DONE;
        if (headers.stream().noneMatch(h -> h.hasName("From"))) {
            throw new UnsignableMessageException("message has no From header field");
        }
        return sign(spec);
    }

    private HeaderField sign(SignatureSpec spec) throws GeneralSecurityException {
        BodyHasher hasher = hashers.get(spec.canonicalization().body());
        byte[] bodyHash = hasher.hash();
        List<String> names = signedNames(spec);

        List<Map.Entry<String, String>> tags = new ArrayList<>();
        tags.add(tag("v", "1"));
        tags.add(tag("a", spec.algorithm().tag()));
        tags.add(tag("c", spec.canonicalization().toString()));
        tags.add(tag("d", spec.domain()));
        tags.add(tag("s", spec.selector()));
        tags.add(tag("t", Long.toString(now.getEpochSecond())));
        spec.expiry().ifPresent(e -> tags.add(tag("x", Long.toString(now.plus(e).getEpochSecond()))));
        spec.identity().ifPresent(i -> tags.add(tag("i", DkimQuotedPrintable.encode(i))));
        if (spec.bodyLengthTag()) {
            tags.add(tag("l", Long.toString(hasher.canonicalLength())));
        }
        tags.add(tag("bh", Base64.getEncoder().encodeToString(bodyHash)));
        tags.add(tag("h", String.join(":", names)));
        String unsigned = SignatureHeaderFormatter.unsigned(tags);

        Canonicalization headerCanon = spec.canonicalization().header();
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        for (HeaderField field : HeaderSelection.select(headers, names)) {
            data.writeBytes(headerCanon.header(field));
        }
        byte[] own = headerCanon.header(HeaderField.of(unsigned.getBytes(StandardCharsets.US_ASCII)));
        data.write(own, 0, own.length - 2); // without its CRLF (RFC 6376 §3.7)

        byte[] signature = SignatureCrypto.sign(spec.algorithm(), spec.key().privateKey(), data.toByteArray());
        String signed = SignatureHeaderFormatter.signed(unsigned, Base64.getEncoder().encodeToString(signature));
        return HeaderField.of(signed.getBytes(StandardCharsets.US_ASCII));
    }

    /** The h= list: each configured field once per occurrence, in message order, then the oversigned names. */
    private List<String> signedNames(SignatureSpec spec) {
        FieldNames wanted = spec.signedFieldNames();
        List<String> names = new ArrayList<>();
        for (HeaderField field : headers) {
            if (wanted.contains(field.name())) {
                names.add(field.name());
            }
        }
        names.addAll(spec.oversignedHeaders());
        return names;
    }

    private static Map.Entry<String, String> tag(String name, String value) {
        return new SimpleImmutableEntry<>(name, value);
    }
}
