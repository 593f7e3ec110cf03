package org.postseal.milter;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.nightcode.milter.codec.MilterPacket;
import org.postseal.dkim.DkimSigner;
import org.postseal.message.HeaderField;
import org.postseal.dkim.SigningSession;
import org.postseal.dkim.UnsignableMessageException;
import org.postseal.dkim.record.TagList;
import org.postseal.dkim.record.TagSyntaxException;
import org.postseal.events.ErrorKind;
import org.postseal.events.MailEvents;
import org.postseal.events.MessageNotSigned;
import org.postseal.events.MessageSigned;
import org.postseal.events.MessageVerified;
import org.postseal.events.NotSignedReason;
import org.postseal.logging.LogText;
import org.postseal.logging.MessageLine;
import org.postseal.policy.FromAddress;
import org.postseal.signing.OnError;
import org.postseal.signing.SignatureChoice;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One milter connection's protocol state machine, free of any socket: it takes the MTA's commands one at a time and
 * says what to answer. Netty (see {@link MilterChannelHandler}) only moves bytes. Per-message state is reset at
 * MAIL, ABORT and the end of each message; per-connection state at CONNECT and QUIT_NC. A MAIL with no CONNECT before
 * it in the session breaks the protocol (postseal never asks the MTA to skip CONNECT) and closes the connection: an
 * unknown client is never taken for a local one.
 *
 * <p>Only the header fields of a message are kept; body chunks go straight into the signing session's hashers, or,
 * for a message this milter does not sign when it verifies (Mode v), into the verification's hashers: its key
 * lookups start at the end of the header and are awaited at the end of the message ({@link MessageVerification}).
 *
 * <p>Each message is handled with the {@link MessageHandling} current at its MAIL command, kept to its end: a reload
 * reaches the next message, on this connection too, and never a message under way. Whether to verify at all is also
 * settled per connection, at option negotiation, because only then can the milter ask the MTA for the right to remove
 * header fields: a connection negotiated without verifying does not verify until the MTA opens a new one.
 */
final class MilterSession {
    private static final Logger LOG = LoggerFactory.getLogger(MilterSession.class);
    private static final String SIGNATURE_FIELD = "DKIM-Signature";

    /** Where the connection stands. */
    private enum State {
        /** Waiting for SMFIC_OPTNEG. */
        NEGOTIATING,
        /** Between messages. */
        CONNECTED,
        /** After MAIL, collecting the header. */
        HEADER,
        /** After EOH of a message being signed. */
        BODY,
        /** After MAIL, collecting the header of a message to verify. */
        VERIFYING_HEADER,
        /** After EOH of a message being verified. */
        VERIFYING_BODY,
        /** This message is not signed; wait for its end. */
        SKIPPING
    }

    private final Supplier<MessageHandling> handling;
    private final DkimSigner signer;
    private final int maxHeaderBytes;
    private final int maxHeaderFields;
    private final Clock clock;
    private final Duration keyTimeout;
    private final MailEvents events;
    private final Macros macros = new Macros();

    private State state = State.NEGOTIATING;
    private Negotiation negotiation;
    /** The handling of the current message, taken at its MAIL; the current one before the first MAIL. */
    private MessageHandling message;
    /** How the current message is verified: its handling's verification, if this connection negotiated it. */
    private Optional<VerificationSettings> verification = Optional.empty();
    /** The client of the current SMTP session; null until CONNECT, and again after QUIT_NC. */
    private ClientInfo client;
    private String envelopeSender = "";
    private final List<HeaderField> headers = new ArrayList<>();
    private int headerBytes;
    private SigningSession signing;
    /** The distinct d= of the signatures being made, while signing. */
    private List<String> signingDomains = List.of();
    /** The From domain of the message being signed, for its log line. */
    private Optional<String> signingFrom = Optional.empty();
    /** Why the header cannot be signed or examined (too large, malformed), or null. */
    private String unsignableReason;
    /** The Authentication-Results fields claiming our authserv-id, when verifying; null otherwise. */
    private ForgedResults forged;
    private MessageVerification verifying;
    /** Whether the message being verified is from a client neither internal nor authenticated. */
    private boolean externalClient;

    MilterSession(SigningPort port, DkimSigner signer, OnError onError, int maxHeaderBytes) {
        this(fixed(MessageHandling.signingOnly(port, onError)), signer, maxHeaderBytes,
                MilterLimits.DEFAULT_MAX_HEADER_FIELDS, Clock.systemUTC(), Duration.ofSeconds(30), MailEvents.NONE);
    }

    /**
     * @param handling the handling new messages get, asked at each MAIL (and at option negotiation, for verifying)
     * @param maxHeaderFields the most header fields kept for one message; past it the message is not signed
     * @param keyTimeout how long a key lookup may take before it counts as a temporary failure
     * @param events hears each message's outcome
     */
    MilterSession(Supplier<MessageHandling> handling, DkimSigner signer, int maxHeaderBytes, int maxHeaderFields,
            Clock clock, Duration keyTimeout, MailEvents events) {
        this.handling = handling;
        this.signer = signer;
        this.maxHeaderBytes = maxHeaderBytes;
        this.maxHeaderFields = maxHeaderFields;
        this.clock = clock;
        this.keyTimeout = keyTimeout;
        this.events = events;
        this.message = handling.get();
    }

    private static Supplier<MessageHandling> fixed(MessageHandling value) {
        return () -> value;
    }

    /**
     * Handles one command.
     *
     * @throws MilterProtocolException if the command breaks the protocol; the caller closes the connection
     */
    Outcome handle(MilterCommand command) {
        if (state == State.NEGOTIATING && command.code() != MilterCommand.OPTION_NEGOTIATION
                && command.code() != MilterCommand.MACRO) {
            throw new MilterProtocolException("command " + command.codeName() + " before option negotiation");
        }
        switch (command.code()) {
            case MilterCommand.OPTION_NEGOTIATION:
                return negotiate(command);
            case MilterCommand.MACRO:
                macros(command);
                return Outcome.NOTHING;
            case MilterCommand.CONNECT:
                resetMessage();
                macros.beginConnection();
                client = ClientInfo.parse(command);
                return negotiation.noReplyForConnect() ? Outcome.NOTHING : Outcome.reply(MilterReplies.continueReply());
            case MilterCommand.HELO:
            case MilterCommand.RECIPIENT:
            case MilterCommand.DATA:
            case MilterCommand.UNKNOWN:
                return Outcome.reply(MilterReplies.continueReply());
            case MilterCommand.MAIL:
                return mail(command);
            case MilterCommand.HEADER:
                header(command);
                return negotiation.noReplyForHeaders() ? Outcome.NOTHING : Outcome.reply(MilterReplies.continueReply());
            case MilterCommand.END_OF_HEADERS:
                return endOfHeaders();
            case MilterCommand.BODY:
                body(command.payload());
                return negotiation.noReplyForBody() ? Outcome.NOTHING : Outcome.reply(MilterReplies.continueReply());
            case MilterCommand.END_OF_BODY:
                Outcome outcome = endOfBody(command.payload());
                macros.endMessage();
                return outcome;
            case MilterCommand.ABORT:
                resetMessage();
                macros.endMessage();
                return Outcome.NOTHING;
            case MilterCommand.QUIT_NEW_CONNECTION:
                resetMessage();
                macros.clearAll();
                client = null;
                return Outcome.NOTHING;
            case MilterCommand.QUIT:
                return Outcome.CLOSE;
            default:
                throw new MilterProtocolException("unknown command " + command.codeName());
        }
    }

    /**
     * Whether the connection is between messages: before option negotiation, or after it and outside any message
     * (before MAIL, or after a message's end or ABORT). A message whose end-of-message reply is still being made is
     * the caller's to count: the state is reset when the command arrives.
     */
    boolean betweenMessages() {
        return state == State.NEGOTIATING || state == State.CONNECTED;
    }

    /**
     * Whether the MTA waits for a reply to this command, as negotiated; used to answer it when handling it failed
     * unexpectedly.
     */
    boolean expectsReply(byte code) {
        return switch (code) {
            case MilterCommand.MACRO, MilterCommand.ABORT, MilterCommand.QUIT, MilterCommand.QUIT_NEW_CONNECTION -> false;
            case MilterCommand.HEADER -> negotiation != null && !negotiation.noReplyForHeaders();
            case MilterCommand.BODY -> negotiation != null && !negotiation.noReplyForBody();
            case MilterCommand.CONNECT -> negotiation != null && !negotiation.noReplyForConnect();
            default -> true;
        };
    }

    /**
     * Gives up on the current message after an unexpected error, and says what to answer the MTA if it waits for a
     * reply: accept unsigned or tempfail, as configured; for a message being verified, On-InternalError's action.
     */
    Outcome abandon(byte code, RuntimeException error) {
        boolean wasVerifying = state == State.VERIFYING_HEADER || state == State.VERIFYING_BODY;
        events.error(ErrorKind.INTERNAL);
        if (wasVerifying) {
            events.verified(new MessageVerified(MessageVerified.Verdict.INTERNAL_ERROR, List.of()));
        } else if (state == State.HEADER || state == State.BODY) {
            events.notSigned(new MessageNotSigned(NotSignedReason.INTERNAL_ERROR, signingDomains));
        }
        if (wasVerifying) {
            LOG.error("{}", MessageLine.notVerified(queueId()).from(fromDomain())
                    .because("internal error: " + error), error);
        } else {
            LOG.error("{}", notSignable(fromDomain(), "internal error: " + error), error);
        }
        resetMessage();
        state = negotiation == null ? State.NEGOTIATING : State.SKIPPING;
        if (!expectsReply(code)) {
            return Outcome.NOTHING;
        }
        if (wasVerifying) {
            // On-InternalError; a quarantine is only possible at the end of the message
            VerificationVerdict verdict = VerificationVerdict.INTERNAL_ERROR;
            return new Outcome(verdict.replies(verdict.action(verification.orElseThrow().actions()),
                    code == MilterCommand.END_OF_BODY && negotiation.canQuarantine()), false, null, null);
        }
        return Outcome.reply(onErrorReply());
    }

    /** The reply for a message that cannot be signed: accept it unsigned or tempfail, as configured. */
    private MilterPacket onErrorReply() {
        return onErrorReply(message.onError());
    }

    private static MilterPacket onErrorReply(OnError onError) {
        return onError.answer(MilterReplies::accept, MilterReplies::tempfail);
    }

    private Outcome negotiate(MilterCommand command) {
        if (negotiation != null) {
            throw new MilterProtocolException("option negotiation repeated");
        }
        MilterPayload payload = command.reader();
        negotiation = Negotiation.answer(payload.int32(), payload.int32(), payload.int32(),
                handling.get().verifying());
        state = State.CONNECTED;
        return Outcome.reply(MilterReplies.negotiate(negotiation));
    }

    private void macros(MilterCommand command) {
        MilterPayload payload = command.reader();
        byte stage = payload.octet();
        macros.put(stage, payload);
    }

    private Outcome mail(MilterCommand command) {
        if (client == null) {
            // postseal never negotiates SMFIP_NOCONNECT: a MAIL with no client known is not from a working MTA,
            // and an unknown client must never count as a local one
            throw new MilterProtocolException("MAIL with no CONNECT before it in this session");
        }
        resetMessage();
        message = handling.get();
        verification = message.verification().filter(v -> negotiation.verifying());
        macros.beginMessage();
        MilterPayload payload = command.reader();
        String sender = payload.hasRemaining() ? payload.text() : "";
        envelopeSender = sender.startsWith("<") && sender.endsWith(">") ? sender.substring(1, sender.length() - 1)
                : sender;
        forged = verification.map(v -> new ForgedResults(v.authservId(macros.get("j")))).orElse(null);
        Optional<SignatureChoice.Skip> skip = message.signing().mayClientSign(context(List.of()));
        if (skip.isPresent()) {
            // a PeerList client is neither signed nor verified, as in OpenDKIM
            if (forged != null && skip.get().kind() != NotSignedReason.PEER) {
                LOG.debug("{}: not signing, verifying: {}", queueId(), LogText.escape(skip.get().reason()));
                events.notSigned(MessageNotSigned.of(skip.get().kind()));
                externalClient = skip.get().kind() == NotSignedReason.CLIENT_NOT_TRUSTED;
                state = State.VERIFYING_HEADER;
                return Outcome.reply(MilterReplies.continueReply());
            }
            return skip(skip.get(), Optional.empty());
        }
        state = State.HEADER;
        return Outcome.reply(MilterReplies.continueReply());
    }

    private void header(MilterCommand command) {
        if (state != State.HEADER && state != State.VERIFYING_HEADER) {
            return; // a message we are not signing, or a header outside a message: nothing to keep
        }
        MilterPayload payload = command.reader();
        byte[] name = payload.cString();
        byte[] value = payload.cString();
        if (forged != null) {
            forged.field(new String(name, StandardCharsets.ISO_8859_1), new String(value, StandardCharsets.ISO_8859_1));
        }
        headerBytes += name.length + value.length + 4;
        if (headerBytes > maxHeaderBytes) {
            unsignable("header larger than " + maxHeaderBytes + " bytes");
            return;
        }
        if (headers.size() >= maxHeaderFields) {
            unsignable("header of more than " + maxHeaderFields + " fields");
            return;
        }
        try {
            headers.add(HeaderField.of(fieldBytes(name, value)));
        } catch (IllegalArgumentException e) {
            unsignable("malformed header field: " + e.getMessage());
        }
    }

    /** Rebuilds {@code Name: value} as it travelled: LF folds back to CRLF, the space after the colon restored. */
    private byte[] fieldBytes(byte[] name, byte[] value) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(name.length + value.length + 8);
        out.writeBytes(name);
        out.write(':');
        if (!negotiation.leadingSpace()) {
            out.write(' '); // without SMFIP_HDR_LEADSPC, Postfix removed one space after the colon
        }
        out.writeBytes(org.postseal.message.CrlfNormalizer.toCrlf(value));
        return out.toByteArray();
    }

    private Outcome endOfHeaders() {
        if (state == State.VERIFYING_HEADER) {
            if (externalClient) {
                noticeExternalSender();
            }
            return startVerifying();
        }
        if (state != State.HEADER) {
            return Outcome.reply(state == State.SKIPPING ? MilterReplies.accept() : MilterReplies.continueReply());
        }
        if (unsignableReason != null) {
            return failed(NotSignedReason.UNSIGNABLE_MESSAGE, unsignableReason);
        }
        List<String> from = fromFields();
        if (from.isEmpty()) {
            return failed(NotSignedReason.NO_FROM_ADDRESS, "message has no From header field");
        }
        SignatureChoice choice = message.signing().select(context(from));
        if (choice instanceof SignatureChoice.Skip skip) {
            if (forged != null) {
                LOG.debug("{}: not signing, verifying: {}", queueId(), LogText.escape(skip.reason()));
                events.notSigned(MessageNotSigned.of(skip.kind()));
                return startVerifying();
            }
            Optional<String> domain = fromDomain();
            resetMessage();
            return skip(skip, domain);
        }
        if (choice instanceof SignatureChoice.Fail fail) {
            return failed(NotSignedReason.KEY_ERROR, fail.reason());
        }
        List<org.postseal.dkim.SignatureSpec> specs = ((SignatureChoice.Sign) choice).specs();
        signing = signer.newSession(specs);
        signingDomains = specs.stream().map(org.postseal.dkim.SignatureSpec::domain).distinct().toList();
        signingFrom = fromDomain();
        headers.forEach(signing::header);
        state = State.BODY;
        return Outcome.reply(MilterReplies.continueReply());
    }

    /**
     * OpenDKIM's notice for mail from an external client that claims a domain signed here ("external host attempted
     * to send as"), unless the client is in ExternalIgnoreList. Only a log line: the rules are asked for their
     * reason, and whatever they say, nothing is signed for this message.
     */
    private void noticeExternalSender() {
        SignatureChoice choice;
        try {
            choice = message.signing().select(context(fromFields()));
        } catch (RuntimeException e) {
            LOG.debug("{}: no external-sender notice: {}", queueId(), LogText.escape(e.toString()));
            return; // a log line is not worth the verification
        }
        if (choice instanceof SignatureChoice.Skip skip && skip.notice()) {
            LOG.warn("{}: {}", queueId(), LogText.escape(skip.reason()));
        }
    }

    /** The values of the From fields kept, unfolded, in order. */
    private List<String> fromFields() {
        return headers.stream().filter(h -> h.hasName("From")).map(h -> h.value().replace("\r\n", "").strip())
                .toList();
    }

    /** Ends the header of a message to verify: its key lookups start now. */
    private Outcome startVerifying() {
        VerificationSettings settings = verification.orElseThrow();
        verifying = unsignableReason != null
                ? MessageVerification.unexamined(settings, forged, queueId(), fromDomain(), negotiation,
                        unsignableReason, events)
                : MessageVerification.start(settings, clock, keyTimeout, forged, queueId(), fromDomain(),
                        negotiation, headers, events);
        headers.clear();
        state = State.VERIFYING_BODY;
        return Outcome.reply(MilterReplies.continueReply());
    }

    private void body(byte[] chunk) {
        if (state == State.BODY && chunk.length > 0) {
            signing.body(chunk, 0, chunk.length);
        } else if (state == State.VERIFYING_BODY) {
            verifying.body(chunk);
        }
    }

    private Outcome endOfBody(byte[] lastChunk) {
        if (state == State.VERIFYING_HEADER) {
            startVerifying(); // a message with no EOH: its header ends here
        }
        if (state == State.VERIFYING_BODY) {
            body(lastChunk);
            MessageVerification work = verifying;
            resetMessage();
            return new Outcome(List.of(), false, null, work);
        }
        if (state != State.BODY) {
            if (state == State.HEADER && unsignableReason != null) {
                return failed(NotSignedReason.UNSIGNABLE_MESSAGE, unsignableReason); // its line reads the header
            }
            resetMessage();
            return Outcome.reply(MilterReplies.continueReply());
        }
        body(lastChunk);
        EndOfMessage work = new EndOfMessage(signing, signingDomains, queueId(), signingFrom, message.onError());
        resetMessage();
        return new Outcome(List.of(), false, work, null);
    }

    /**
     * Leaves a message the rules do not sign alone: accepted, with its line (a warning for a notice).
     *
     * @param from the From domain, if the header was read
     */
    private Outcome skip(SignatureChoice.Skip skip, Optional<String> from) {
        MessageLine line = MessageLine.notSigned(queueId()).from(from).because(skip.reason());
        if (skip.notice()) {
            LOG.warn("{}", line);
        } else {
            LOG.info("{}", line);
        }
        events.notSigned(MessageNotSigned.of(skip.kind()));
        state = State.SKIPPING;
        return Outcome.reply(MilterReplies.accept());
    }

    private Outcome failed(NotSignedReason kind, String reason) {
        LOG.warn("{}", notSignable(fromDomain(), reason));
        events.notSigned(MessageNotSigned.of(kind));
        resetMessage();
        state = State.SKIPPING;
        return Outcome.reply(onErrorReply());
    }

    private void unsignable(String reason) {
        if (unsignableReason == null) {
            unsignableReason = reason;
        }
    }

    private MessageContext context(List<String> from) {
        Optional<String> authType = macros.authentication("auth_type").filter(s -> !s.isEmpty());
        Optional<String> login = macros.authentication("auth_authen").filter(s -> !s.isEmpty());
        if (login.isEmpty() && authType.isPresent()) {
            login = Optional.of("(unnamed)");
        }
        return new MessageContext(client, authType, login, envelopeSender, from, queueId(), macros.snapshot());
    }

    /** The line of a message that should have been signed and cannot be: what became of it, and why. */
    private MessageLine notSignable(Optional<String> from, String reason) {
        return MessageLine.notSigned(queueId()).from(from).because("cannot sign (" + message.onError().wording()
                + "): " + reason);
    }

    /** The domain of the message's (first) From field, if the header has one with an address. */
    private Optional<String> fromDomain() {
        return headers.stream().filter(h -> h.hasName("From")).findFirst()
                .flatMap(h -> FromAddress.parse(h.value().replace("\r\n", "").strip())).map(FromAddress::domain);
    }

    private String queueId() {
        return macros.get("i").filter(s -> !s.isEmpty()).map(LogText::escape).orElse("NOQUEUE");
    }

    private void resetMessage() {
        headers.clear();
        headerBytes = 0;
        signing = null;
        signingDomains = List.of();
        signingFrom = Optional.empty();
        unsignableReason = null;
        forged = null;
        verifying = null;
        externalClient = false;
        if (state != State.NEGOTIATING) {
            state = State.CONNECTED;
        }
    }

    /**
     * The signing work at the end of a message, done one signature per step so that the caller never holds its
     * thread for more than one signature.
     */
    final class EndOfMessage {
        private final SigningSession session;
        private final List<String> domains;
        private final String queueId;
        private final Optional<String> from;
        private final long started = System.nanoTime();
        private final OnError onError;
        private final List<HeaderField> signatures = new ArrayList<>();
        private String failure;
        private NotSignedReason failureKind;

        EndOfMessage(SigningSession session, List<String> domains, String queueId, Optional<String> from,
                OnError onError) {
            this.session = session;
            this.domains = domains;
            this.queueId = queueId;
            this.from = from;
            this.onError = onError;
        }

        int steps() {
            return session.signatureCount();
        }

        /** Makes signature {@code index}; after a failure the remaining steps do nothing. */
        void step(int index) {
            if (failure != null) {
                return;
            }
            try {
                signatures.add(session.sign(index));
            } catch (UnsignableMessageException e) {
                failure = e.getMessage();
                failureKind = NotSignedReason.UNSIGNABLE_MESSAGE;
            } catch (GeneralSecurityException | RuntimeException e) {
                failure = "signing failed: " + e;
                failureKind = NotSignedReason.SIGNING_ERROR;
            }
        }

        /** The replies once every step has run: the inserted fields and the final decision. */
        List<MilterPacket> replies() {
            if (failure != null) {
                LOG.warn("{}", MessageLine.notSigned(queueId).from(from).because("cannot sign ("
                        + onError.wording() + "): " + failure));
                events.notSigned(new MessageNotSigned(failureKind, domains));
                return List.of(onErrorReply(onError));
            }
            List<MilterPacket> replies = new ArrayList<>();
            // each insert goes to the top, so the last signature is inserted first
            for (int i = signatures.size() - 1; i >= 0; i--) {
                replies.add(MilterReplies.insertField(0, SIGNATURE_FIELD,
                        new String(signatures.get(i).rawValue(), StandardCharsets.ISO_8859_1), negotiation));
            }
            MessageLine line = MessageLine.signed(queueId).from(from);
            for (HeaderField signature : signatures) {
                line = describe(line, signature);
            }
            LOG.info("{}", line);
            replies.add(MilterReplies.continueReply());
            events.signed(new MessageSigned(domains, Duration.ofNanos(System.nanoTime() - started)));
            return replies;
        }
    }

    /** The line with {@code d=... s=... a=...} of one more signature. */
    private static MessageLine describe(MessageLine line, HeaderField signature) {
        TagList tags;
        try {
            tags = TagList.parse(signature.value());
        } catch (TagSyntaxException e) {
            return line.with("unparsable", e.getMessage()); // never for a signature the engine made
        }
        return line.signature(tags.get("d").orElse("?"), tags.get("s").orElse("?"), tags.get("a").orElse("?"));
    }

    /**
     * What to do after a command: packets to write, whether to close, or end-of-message work to run first.
     *
     * @param replies packets to write, in order
     * @param close whether to close the connection after writing them
     * @param endOfMessage signing work whose replies follow, or null
     * @param verification verification whose replies follow once its key lookups complete, or null
     */
    record Outcome(List<MilterPacket> replies, boolean close, EndOfMessage endOfMessage,
            MessageVerification verification) {
        static final Outcome NOTHING = new Outcome(List.of(), false, null, null);
        static final Outcome CLOSE = new Outcome(List.of(), true, null, null);

        static Outcome reply(MilterPacket packet) {
            return new Outcome(List.of(packet), false, null, null);
        }
    }
}
