package org.postseal.events;

import java.util.List;
import java.util.Objects;

/**
 * A message not signed.
 *
 * @param reason why, from a closed set
 * @param domains the {@code d=} it was to be signed with when signing was chosen and then failed; empty otherwise
 */
public record MessageNotSigned(NotSignedReason reason, List<String> domains) {
    public MessageNotSigned {
        Objects.requireNonNull(reason, "reason");
        domains = List.copyOf(domains);
    }

    /** Not signed for {@code reason}, no signature having been attempted. */
    public static MessageNotSigned of(NotSignedReason reason) {
        return new MessageNotSigned(reason, List.of());
    }
}
