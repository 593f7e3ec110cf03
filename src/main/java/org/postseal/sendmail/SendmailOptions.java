package org.postseal.sendmail;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The parts of a {@code sendmail} command line that change what is sent: {@code -t}, {@code -i} / {@code -oi},
 * {@code -f ADDR}, {@code -F NAME}, msmtp's {@code --read-envelope-from} and the recipient arguments.
 *
 * <p>Options that only choose where or how to deliver (accounts, {@code -oX} settings, DSN) are not here.
 */
public final class SendmailOptions {
    private static final SendmailOptions DEFAULTS = new Builder().build();

    private final boolean extractRecipients;
    private final boolean ignoreDots;
    private final Optional<String> envelopeFrom;
    private final Optional<String> fullName;
    private final boolean readEnvelopeFrom;
    private final List<String> recipients;

    private SendmailOptions(Builder builder) {
        this.extractRecipients = builder.extractRecipients;
        this.ignoreDots = builder.ignoreDots;
        this.envelopeFrom = builder.envelopeFrom;
        this.fullName = builder.fullName;
        this.readEnvelopeFrom = builder.readEnvelopeFrom;
        this.recipients = List.copyOf(builder.recipients);
    }

    /** No option at all: recipients only from the command line (none here), a lone "." line ends the message. */
    public static SendmailOptions defaults() {
        return DEFAULTS;
    }

    /**
     * The options of the seed's chain, {@code sendmail -t -i} then {@code msmtp --read-envelope-from}: recipients
     * from the header, dots not special, envelope sender from the From field.
     */
    public static SendmailOptions phpMail() {
        return builder().extractRecipients(true).ignoreDots(true).readEnvelopeFrom(true).build();
    }

    /** A builder with every option off and no recipients. */
    public static Builder builder() {
        return new Builder();
    }

    /** {@code -t}: recipients are also read from the To, Cc and Bcc fields (or the first Resent- block). */
    public boolean extractRecipients() {
        return extractRecipients;
    }

    /** {@code -i} / {@code -oi}: a line holding a single "." is an ordinary line, not the end of the message. */
    public boolean ignoreDots() {
        return ignoreDots;
    }

    /**
     * {@code -f ADDR}: the envelope sender, without angle brackets; the empty string is the null sender
     * ({@code -f '<>'} or {@code -f ''}).
     */
    public Optional<String> envelopeFrom() {
        return envelopeFrom;
    }

    /** {@code -F NAME}: the display name for a From field that has to be added. */
    public Optional<String> fullName() {
        return fullName;
    }

    /** msmtp's {@code --read-envelope-from}: the envelope sender is the address of the From field. */
    public boolean readEnvelopeFrom() {
        return readEnvelopeFrom;
    }

    /** The recipient arguments of the command line, as given (each may be an address list). */
    public List<String> recipients() {
        return recipients;
    }

    /**
     * These options with {@code --read-envelope-from} on: what the seed's smarthost always ran
     * ({@code msmtp -t -i --read-envelope-from}), whatever the client asked. An explicit {@code -f} still wins.
     */
    public SendmailOptions withReadEnvelopeFrom() {
        if (readEnvelopeFrom) {
            return this;
        }
        Builder b = builder().extractRecipients(extractRecipients).ignoreDots(ignoreDots).readEnvelopeFrom(true)
                .recipients(recipients);
        envelopeFrom.ifPresent(b::envelopeFrom);
        fullName.ifPresent(b::fullName);
        return b.build();
    }

    @Override
    public String toString() {
        return "SendmailOptions[extractRecipients=" + extractRecipients + ", ignoreDots=" + ignoreDots
                + ", envelopeFrom=" + envelopeFrom + ", fullName=" + fullName + ", readEnvelopeFrom="
                + readEnvelopeFrom + ", recipients=" + recipients + "]";
    }

    /** Builds {@link SendmailOptions}; each setting may be made once (a second call names the first value). */
    public static final class Builder {
        private boolean extractRecipients;
        private boolean ignoreDots;
        private Optional<String> envelopeFrom = Optional.empty();
        private Optional<String> fullName = Optional.empty();
        private boolean readEnvelopeFrom;
        private final List<String> recipients = new ArrayList<>();

        private Builder() {
        }

        /** {@code -t}. */
        public Builder extractRecipients(boolean value) {
            extractRecipients = value;
            return this;
        }

        /** {@code -i} / {@code -oi}. */
        public Builder ignoreDots(boolean value) {
            ignoreDots = value;
            return this;
        }

        /** msmtp's {@code --read-envelope-from}. */
        public Builder readEnvelopeFrom(boolean value) {
            readEnvelopeFrom = value;
            return this;
        }

        /**
         * {@code -f ADDR}. Surrounding angle brackets are removed; {@code "<>"} and {@code ""} give the null sender.
         *
         * @throws IllegalStateException if the envelope sender was already set
         * @throws IllegalArgumentException if the address holds white space, a control character or angle
         *     brackets inside
         */
        public Builder envelopeFrom(String address) {
            Objects.requireNonNull(address, "address");
            if (envelopeFrom.isPresent()) {
                throw new IllegalStateException("envelopeFrom: already set to \"" + envelopeFrom.get() + "\"");
            }
            String value = address.strip();
            if (value.length() >= 2 && value.charAt(0) == '<' && value.charAt(value.length() - 1) == '>') {
                value = value.substring(1, value.length() - 1).strip();
            }
            checkAddress("envelopeFrom", address, value);
            envelopeFrom = Optional.of(value);
            return this;
        }

        /**
         * {@code -F NAME}.
         *
         * @throws IllegalStateException if the full name was already set
         * @throws IllegalArgumentException if the name holds a line break or another control character
         */
        public Builder fullName(String name) {
            Objects.requireNonNull(name, "name");
            if (fullName.isPresent()) {
                throw new IllegalStateException("fullName: already set to \"" + fullName.get() + "\"");
            }
            for (int i = 0; i < name.length(); i++) {
                char c = name.charAt(i);
                if (c < 0x20 && c != '\t' || c == 0x7f) {
                    throw new IllegalArgumentException(
                            "fullName: " + quote(name) + " (expected: no line break or control character)");
                }
            }
            fullName = Optional.of(name);
            return this;
        }

        /**
         * Adds recipient arguments, in order. Each is read as an address list when the message is prepared.
         *
         * @throws IllegalArgumentException if an argument is blank or holds a line break or control character
         */
        public Builder recipients(List<String> addresses) {
            for (String address : addresses) {
                recipient(address);
            }
            return this;
        }

        /** Adds recipient arguments, in order. */
        public Builder recipients(String... addresses) {
            return recipients(List.of(addresses));
        }

        /**
         * Adds one recipient argument.
         *
         * @throws IllegalArgumentException if it is blank or holds a line break or control character
         */
        public Builder recipient(String address) {
            Objects.requireNonNull(address, "address");
            if (address.isBlank()) {
                throw new IllegalArgumentException("recipient: blank");
            }
            for (int i = 0; i < address.length(); i++) {
                char c = address.charAt(i);
                if (c < 0x20 && c != '\t' || c == 0x7f) {
                    throw new IllegalArgumentException("recipient: " + quote(address)
                            + " (expected: no line break or control character)");
                }
            }
            recipients.add(address);
            return this;
        }

        /** The options. */
        public SendmailOptions build() {
            return new SendmailOptions(this);
        }

        private static void checkAddress(String what, String given, String value) {
            for (int i = 0; i < value.length(); i++) {
                char c = value.charAt(i);
                if (c <= 0x20 || c == 0x7f || c == '<' || c == '>') {
                    throw new IllegalArgumentException(
                            what + ": " + quote(given) + " (expected: one address, as in -f user@example.org)");
                }
            }
        }

        private static String quote(String s) {
            return '"' + s.replace("\r", "\\r").replace("\n", "\\n") + '"';
        }
    }
}
