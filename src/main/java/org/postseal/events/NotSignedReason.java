package org.postseal.events;

import java.util.Locale;

/**
 * Why a message was not signed: a closed set, so that a metric labelled by it stays small. The first five are the
 * rules working as configured; the others are failures, after which the on-error setting decides the message's fate.
 */
public enum NotSignedReason {
    /** The client is in PeerList: its mail is left alone. */
    PEER,
    /** The client is not internal and did not authenticate (OpenDKIM verifies such mail instead). */
    CLIENT_NOT_TRUSTED,
    /** No From field, or no address in it to sign for. */
    NO_FROM_ADDRESS,
    /** No SigningTable entry (or Domain) covers the From address. */
    NO_SIGNING_ENTRY,
    /** The milter only verifies (Mode v). */
    VERIFY_ONLY,
    /** The message cannot be signed as it is (header over the limit, malformed field, refused by the engine). */
    UNSIGNABLE_MESSAGE,
    /** The key chosen cannot be used (missing, unsafe, too short). */
    KEY_ERROR,
    /** The configuration cannot serve this message (a SigningTable entry names no KeyTable entry). */
    CONFIGURATION_ERROR,
    /** Making the signature failed (the crypto provider refused). */
    SIGNING_ERROR,
    /** An unexpected error while handling the message. */
    INTERNAL_ERROR;

    /** The label value: the name in lower case, {@code client_not_trusted}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
