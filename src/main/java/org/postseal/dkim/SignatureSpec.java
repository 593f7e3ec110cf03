package org.postseal.dkim;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * What one signature is to be made with: domain, selector, key, canonicalization, which header fields to sign and
 * which to oversign, and the optional {@code i=}, {@code x=} and {@code l=} tags. Immutable; built with
 * {@link #builder(String, String, SigningKey)}.
 */
public final class SignatureSpec {
    /**
     * OpenDKIM's default SignHeaders: the fields RFC 6376 §5.4.1 says SHOULD be signed. A field is signed once for
     * each time it occurs.
     */
    public static final List<String> DEFAULT_SIGNED_HEADERS = List.of(
            "From", "Reply-To", "Subject", "Date", "To", "Cc",
            "Resent-Date", "Resent-From", "Resent-Sender", "Resent-To", "Resent-Cc",
            "In-Reply-To", "References",
            "List-Id", "List-Help", "List-Unsubscribe", "List-Subscribe", "List-Post", "List-Owner",
            "List-Archive");

    /** The fields named once more than they occur, so that none can be added after signing: From, as Debian does. */
    public static final List<String> DEFAULT_OVERSIGNED_HEADERS = List.of("From");

    private static final FieldNames DEFAULT_SIGNED = FieldNames.of(DEFAULT_SIGNED_HEADERS);
    private static final FieldNames DEFAULT_OVERSIGNED = FieldNames.of(DEFAULT_OVERSIGNED_HEADERS);

    private final String domain;
    private final String selector;
    private final SigningKey key;
    private final CanonicalizationPair canonicalization;
    private final FieldNames signedHeaders;
    private final FieldNames oversignedHeaders;
    private final Optional<String> identity;
    private final Optional<Duration> expiry;
    private final boolean bodyLengthTag;

    private SignatureSpec(Builder b) {
        this.domain = b.domain;
        this.selector = b.selector;
        this.key = b.key;
        this.canonicalization = b.canonicalization;
        this.signedHeaders = b.signedHeaders;
        this.oversignedHeaders = b.oversignedHeaders;
        this.identity = b.identity;
        this.expiry = b.expiry;
        this.bodyLengthTag = b.bodyLengthTag;
    }

    /**
     * Starts a spec for {@code d=domain}, {@code s=selector}, signed with {@code key}.
     *
     * @throws IllegalArgumentException if the domain or selector is not a valid DNS name
     */
    public static Builder builder(String domain, String selector, SigningKey key) {
        return new Builder(domain, selector, key);
    }

    public String domain() {
        return domain;
    }

    public String selector() {
        return selector;
    }

    public SigningKey key() {
        return key;
    }

    public SignatureAlgorithm algorithm() {
        return key.algorithm();
    }

    public CanonicalizationPair canonicalization() {
        return canonicalization;
    }

    /** The fields signed as often as they occur, as configured (From always among them). */
    public List<String> signedHeaders() {
        return signedHeaders.list();
    }

    /** {@link #signedHeaders()} with their membership test. */
    FieldNames signedFieldNames() {
        return signedHeaders;
    }

    /** The fields named once more than they occur. */
    public List<String> oversignedHeaders() {
        return oversignedHeaders.list();
    }

    /** The {@code i=} identity, if one is to be written. */
    public Optional<String> identity() {
        return identity;
    }

    /** How long after signing the signature expires ({@code x=}), if it does. */
    public Optional<Duration> expiry() {
        return expiry;
    }

    /** Whether an {@code l=} tag is written (off by default: it lets anyone append to the body). */
    public boolean bodyLengthTag() {
        return bodyLengthTag;
    }

    @Override
    public String toString() {
        return "SignatureSpec[d=" + domain + ", s=" + selector + ", a=" + algorithm() + ", c=" + canonicalization
                + "]";
    }

    /** Builds a {@link SignatureSpec}; each setter checks its argument at once. */
    public static final class Builder {
        private final String domain;
        private final String selector;
        private final SigningKey key;
        private CanonicalizationPair canonicalization = CanonicalizationPair.RELAXED_RELAXED;
        private FieldNames signedHeaders = DEFAULT_SIGNED;
        private FieldNames oversignedHeaders = DEFAULT_OVERSIGNED;
        private Optional<String> identity = Optional.empty();
        private Optional<Duration> expiry = Optional.empty();
        private boolean bodyLengthTag;

        private Builder(String domain, String selector, SigningKey key) {
            this.domain = checkName("domain", domain);
            this.selector = checkName("selector", selector);
            this.key = Objects.requireNonNull(key, "key");
        }

        public Builder canonicalization(CanonicalizationPair value) {
            this.canonicalization = Objects.requireNonNull(value, "canonicalization");
            return this;
        }

        /**
         * The fields to sign; From is added if missing.
         *
         * @throws IllegalArgumentException if a name is not a valid field name
         */
        public Builder signedHeaders(List<String> names) {
            return signedHeaders(FieldNames.of(names));
        }

        /** The fields to sign, checked once for many signatures; From is added if missing. */
        public Builder signedHeaders(FieldNames names) {
            this.signedHeaders = names.withFirst("From");
            return this;
        }

        /**
         * The fields to oversign (may be empty).
         *
         * @throws IllegalArgumentException if a name is not a valid field name
         */
        public Builder oversignedHeaders(List<String> names) {
            return oversignedHeaders(FieldNames.of(names));
        }

        /** The fields to oversign, checked once for many signatures (may be empty). */
        public Builder oversignedHeaders(FieldNames names) {
            this.oversignedHeaders = java.util.Objects.requireNonNull(names, "names");
            return this;
        }

        /**
         * The {@code i=} identity, {@code [local-part]@domain} where domain is {@code d=} or a subdomain of it.
         *
         * @throws IllegalArgumentException if it is not within the signing domain
         */
        public Builder identity(String value) {
            int at = value.lastIndexOf('@');
            String identityDomain = at < 0 ? "" : value.substring(at + 1).toLowerCase(Locale.ROOT);
            String d = domain.toLowerCase(Locale.ROOT);
            if (at < 0 || !(identityDomain.equals(d) || identityDomain.endsWith("." + d))) {
                throw new IllegalArgumentException("identity: " + value + " (expected: an address at " + domain
                        + " or a subdomain of it)");
            }
            this.identity = Optional.of(value);
            return this;
        }

        /**
         * Signatures expire this long after they are made.
         *
         * @throws IllegalArgumentException if not positive
         */
        public Builder expiry(Duration value) {
            if (value.isNegative() || value.isZero() || value.getSeconds() == 0) {
                throw new IllegalArgumentException("expiry: " + value + " (expected: at least one second)");
            }
            this.expiry = Optional.of(value);
            return this;
        }

        public Builder bodyLengthTag(boolean value) {
            this.bodyLengthTag = value;
            return this;
        }

        public SignatureSpec build() {
            return new SignatureSpec(this);
        }

        private static String checkName(String what, String value) {
            Objects.requireNonNull(value, what);
            String[] labels = value.split("\\.", -1);
            for (String label : labels) {
                if (label.isEmpty() || label.length() > 63 || !label.chars().allMatch(
                        ch -> (ch < 128 && Character.isLetterOrDigit(ch)) || ch == '-' || ch == '_')) {
                    throw new IllegalArgumentException(what + ": " + value + " (expected: a DNS name)");
                }
            }
            return value;
        }

    }
}
