package org.postseal.smarthost;

import java.util.List;
import java.util.Objects;

/**
 * A message as the smarthost will relay it: signed (the DKIM-Signature fields first) or, when nothing was to be
 * signed for its From domain, unchanged; {@code note} says which, for the log.
 */
public record SignedMessage(byte[] bytes, List<String> signatures, String note) {
    public SignedMessage {
        Objects.requireNonNull(bytes, "bytes");
        signatures = List.copyOf(signatures);
        Objects.requireNonNull(note, "note");
    }
}
