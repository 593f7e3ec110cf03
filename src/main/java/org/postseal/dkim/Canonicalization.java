package org.postseal.dkim;

import java.io.OutputStream;
import java.util.Locale;
import java.util.Optional;
import org.postseal.dkim.canon.BodyCanonicalizer;
import org.postseal.dkim.canon.HeaderCanonicalizer;
import org.postseal.dkim.canon.RelaxedBodyCanonicalizer;
import org.postseal.dkim.canon.SimpleBodyCanonicalizer;
import org.postseal.message.HeaderField;

/** The two canonicalization algorithms of RFC 6376 §3.4, each knowing how to treat a header field and a body. */
public enum Canonicalization {
    SIMPLE("simple") {
        @Override
        public byte[] header(HeaderField field) {
            return HeaderCanonicalizer.simple(field.raw());
        }

        @Override
        public BodyCanonicalizer body(OutputStream sink) {
            return new SimpleBodyCanonicalizer(sink);
        }
    },
    RELAXED("relaxed") {
        @Override
        public byte[] header(HeaderField field) {
            return HeaderCanonicalizer.relaxed(field.raw());
        }

        @Override
        public BodyCanonicalizer body(OutputStream sink) {
            return new RelaxedBodyCanonicalizer(sink);
        }
    };

    private final String tag;

    Canonicalization(String tag) {
        this.tag = tag;
    }

    /** The canonical form of one header field, CRLF included. */
    public abstract byte[] header(HeaderField field);

    /** A stream that writes the canonical form of the body it is given to {@code sink}. */
    public abstract BodyCanonicalizer body(OutputStream sink);

    /** The name used in the {@code c=} tag. */
    public String tag() {
        return tag;
    }

    /** The algorithm a {@code c=} half names, ignoring case; empty if unknown. */
    public static Optional<Canonicalization> fromTag(String value) {
        String wanted = value.trim().toLowerCase(Locale.ROOT);
        for (Canonicalization c : values()) {
            if (c.tag.equals(wanted)) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        return tag;
    }
}
