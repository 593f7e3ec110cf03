package org.postseal.smtp;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.smtp.DefaultSmtpRequest;
import io.netty.handler.codec.smtp.LastSmtpContent;
import io.netty.handler.codec.smtp.SmtpCommand;
import io.netty.handler.codec.smtp.SmtpRequest;
import io.netty.handler.codec.smtp.SmtpRequests;
import io.netty.handler.codec.smtp.SmtpResponse;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.AsciiString;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import javax.net.ssl.SSLException;
import org.postseal.logging.LogText;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One delivery attempt on one connection: the client side of RFC 5321 as an explicit state machine, driven by the
 * replies {@code SmtpResponseDecoder} hands up. Every handler method runs on the channel's event loop, so the fields
 * need no locking. The outcome is decided once ({@link #report()} completes) and the session then says QUIT politely
 * or just closes when the connection is no longer usable.
 */
final class SmtpSession extends SimpleChannelInboundHandler<SmtpResponse> {
    private static final Logger LOG = LoggerFactory.getLogger(SmtpSession.class);

    /** What the session waits for. */
    private enum State {
        /** TCP connect (and, for implicit TLS, the handshake) under way. */
        CONNECTING,
        /** The 220 greeting. */
        GREETING,
        /** The EHLO reply. */
        EHLO,
        /** The HELO reply, after EHLO got a 5xx. */
        HELO,
        /** The reply to STARTTLS. */
        STARTTLS,
        /** The TLS handshake after STARTTLS's 220; no reply may come now. */
        STARTTLS_HANDSHAKE,
        /** A reply in the AUTH exchange (334 challenge, 235 success, or a failure). */
        AUTH,
        /** The MAIL FROM reply. */
        MAIL,
        /** The reply to RCPT TO number {@code rcptIndex}. */
        RCPT,
        /** The reply to DATA (354 expected). */
        DATA,
        /** The message content is being written; no reply may come now. */
        CONTENT,
        /** The final reply after the content's {@code .CRLF}. */
        DATA_END,
        /** The replies to RSET and QUIT (or QUIT alone); the outcome is decided already. */
        QUIT,
        /** Closed or closing. */
        DONE
    }

    private final SmtpEndpoint endpoint;
    private final Envelope envelope;
    private final MessageSource message;
    private final long messageSize;
    private final boolean eightBit;
    private final boolean utf8Addresses;
    private final Optional<String> password;
    private final SslContext sslContext;
    private final CompletableFuture<DeliveryReport> report = new CompletableFuture<>();
    private final RecipientOutcomes outcomes;

    private ChannelHandlerContext ctx;
    private State state = State.CONNECTING;
    private ServerExtensions extensions = ServerExtensions.NONE;
    private boolean tlsActive;
    private boolean handshaken;
    private boolean pipelined;
    private boolean contentPending;
    private int rcptIndex;
    private int quitReplies;
    private SaslExchange auth;
    private MessageContentInput content;
    private ScheduledFuture<?> timer;
    private long lastProgress;

    SmtpSession(SmtpEndpoint endpoint, Envelope envelope, MessageSource message, long messageSize, boolean eightBit,
            Optional<String> password, SslContext sslContext) {
        this.endpoint = endpoint;
        this.envelope = envelope;
        this.message = message;
        this.messageSize = messageSize;
        this.eightBit = eightBit;
        this.utf8Addresses = !isAscii(envelope.sender())
                || envelope.recipients().stream().anyMatch(r -> !isAscii(r));
        this.password = password;
        this.sslContext = sslContext;
        this.outcomes = new RecipientOutcomes(envelope.recipients());
    }

    /** Completes once the outcome is known; never exceptionally. */
    CompletableFuture<DeliveryReport> report() {
        return report;
    }

    /** The connection could not be made. */
    void connectFailed(Throwable cause) {
        String where = endpoint.host() + ":" + endpoint.port();
        String text;
        if (cause instanceof ConnectTimeoutException) {
            text = "timeout after " + seconds(endpoint.timeout()) + " connecting to " + where;
        } else if (cause instanceof ConnectException && String.valueOf(cause.getMessage()).contains("refused")) {
            text = "connection refused by " + where;
        } else if (cause instanceof UnknownHostException) {
            text = "cannot resolve host " + endpoint.host();
        } else {
            text = "cannot connect to " + where + ": " + describe(cause);
        }
        state = State.DONE;
        decideAll(SmtpReply.localTemporary(text));
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        SslHandler ssl = ctx.pipeline().get(SslHandler.class);
        if (ssl != null) {
            // implicit TLS: the greeting can only come after the handshake
            tlsActive = true;
            ssl.handshakeFuture().addListener(this::handshakeDone);
        }
        state = State.GREETING;
        arm(ssl != null ? "TLS handshake and greeting" : "greeting");
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancelTimer();
        closeContent();
        if (state != State.DONE && state != State.QUIT && !report.isDone()) {
            decideAll(SmtpReply.localTemporary(
                    state == State.CONTENT ? "connection closed by the server while sending the message"
                            : "connection closed by the server while waiting for " + waitingFor()));
        }
        state = State.DONE;
        disposeAuth();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (state == State.DONE) {
            return;
        }
        String text;
        if (sslCause(cause) != null) {
            text = (handshaken ? "TLS error: " : "TLS handshake failed: ") + describe(sslCause(cause));
        } else if (cause instanceof DecoderException) {
            text = "malformed reply while waiting for " + waitingFor() + ": " + describe(cause);
        } else if (cause instanceof IOException) {
            text = "connection error while waiting for " + waitingFor() + ": " + describe(cause);
        } else {
            LOG.error("SMTP session with {} failed", endpoint, cause);
            text = "internal error: " + describe(cause);
        }
        abort(SmtpReply.localTemporary(text));
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, SmtpResponse response) {
        if (state == State.DONE) {
            return; // replies to RSET or QUIT after the session was closed
        }
        List<String> lines = response.details().stream().map(CharSequence::toString).collect(Collectors.toList());
        if (response.code() < 200 || response.code() > 599) {
            LOG.debug("{} < {} {}", endpoint.host(), response.code(), LogText.escape(String.valueOf(lines)));
            abort(SmtpReply.localTemporary("invalid reply code " + response.code() + " while waiting for "
                    + waitingFor()));
            return;
        }
        SmtpReply reply = SmtpReply.of(response.code(), lines);
        LOG.debug("{} < {}", endpoint.host(), LogText.escape(String.valueOf(reply)));
        cancelTimer();
        try {
            onReply(reply);
        } catch (RuntimeException e) {
            exceptionCaught(ctx, e);
        }
    }

    /** The state machine: one reply, in the state it was awaited in. */
    private void onReply(SmtpReply reply) {
        switch (state) {
            case GREETING:
                if (reply.code() == 220) {
                    ehlo();
                } else {
                    failBeforeTransaction(reply);
                }
                break;
            case EHLO:
                if (reply.code() == 250) {
                    extensions = ServerExtensions.parse(reply.lines());
                    afterHello();
                } else if (reply.isPermanent() && !tlsActive) {
                    send(SmtpRequests.helo(endpoint.heloName()), true);
                    state = State.HELO;
                    arm("HELO reply");
                } else {
                    failBeforeTransaction(reply);
                }
                break;
            case HELO:
                if (reply.code() == 250) {
                    extensions = ServerExtensions.NONE;
                    afterHello();
                } else {
                    failBeforeTransaction(reply);
                }
                break;
            case STARTTLS:
                if (reply.code() == 220) {
                    state = State.STARTTLS_HANDSHAKE;
                    SslHandler ssl = TlsSupport.handler(sslContext, ctx.alloc(), endpoint);
                    ctx.pipeline().addFirst("tls", ssl);
                    ssl.handshakeFuture().addListener(this::handshakeDone);
                    arm("TLS handshake");
                } else {
                    // a refused STARTTLS is a TLS failure: deferred whatever the code, never plain text
                    decideAll(SmtpReply.localTemporary("STARTTLS refused: " + reply));
                    quit();
                }
                break;
            case STARTTLS_HANDSHAKE:
                // bytes sent after the 220 in the clear (RFC 3207 §6: a command injection attempt)
                abort(SmtpReply.localTemporary("server sent a reply before the TLS handshake: " + reply));
                break;
            case AUTH:
                onAuthReply(reply);
                break;
            case MAIL:
                if (reply.code() != 250) {
                    decideAll(reply); // the transaction failed: the report is done, later replies change nothing
                }
                if (pipelined) {
                    state = State.RCPT;
                    rcptIndex = 0;
                    arm("RCPT TO reply");
                } else if (report.isDone()) {
                    quit();
                } else {
                    rcptIndex = 0;
                    sendRcpt(0, true);
                    state = State.RCPT;
                    arm("RCPT TO reply");
                }
                break;
            case RCPT:
                if (!report.isDone()) {
                    outcomes.rcptReply(rcptIndex, reply);
                }
                rcptIndex++;
                if (rcptIndex < outcomes.size()) {
                    if (!pipelined) {
                        sendRcpt(rcptIndex, true);
                    }
                    arm("RCPT TO reply");
                } else if (pipelined) {
                    if (outcomes.noneAccepted()) {
                        decideAll(reply);
                    }
                    state = State.DATA;
                    arm("DATA reply");
                } else if (outcomes.noneAccepted()) {
                    decideAll(reply);
                    quit();
                } else {
                    send(SmtpRequests.data(), true);
                    contentPending = true;
                    state = State.DATA;
                    arm("DATA reply");
                }
                break;
            case DATA:
                if (reply.code() == 354) {
                    if (report.isDone() || outcomes.noneAccepted()) {
                        // pipelined DATA accepted although nobody is: end it empty, the outcome stands
                        send(LastSmtpContent.EMPTY_LAST_CONTENT, true);
                        contentPending = false;
                        state = State.DATA_END;
                        arm("end of DATA reply");
                    } else {
                        startContent();
                    }
                } else {
                    // with pipelining the RCPT failures may have made this a 503/554 "no valid recipients"
                    decideAll(reply);
                    quit();
                }
                break;
            case DATA_END:
                if (!report.isDone()) {
                    outcomes.dataEnded(reply);
                    decideAll(reply);
                }
                quit();
                break;
            case QUIT:
                if (--quitReplies <= 0) {
                    close();
                }
                break;
            case CONTENT:
                // a reply in the middle of the content (552 too big, 421 shutting down): the end for everyone
                decideAll(reply.isPositive() ? SmtpReply.localTemporary("unexpected reply during DATA: " + reply)
                        : reply);
                close();
                break;
            case CONNECTING:
            case DONE:
            default:
                throw new IllegalStateException("reply " + reply + " in state " + state);
        }
    }

    private void handshakeDone(Future<? super io.netty.channel.Channel> future) {
        if (state == State.DONE) {
            return;
        }
        if (!future.isSuccess()) {
            Throwable cause = future.cause();
            abort(SmtpReply.localTemporary("TLS handshake failed: "
                    + describe(sslCause(cause) != null ? sslCause(cause) : cause)));
            return;
        }
        handshaken = true;
        LOG.debug("{} TLS established", endpoint.host());
        if (state == State.STARTTLS_HANDSHAKE) {
            cancelTimer();
            tlsActive = true;
            extensions = ServerExtensions.NONE;
            ehlo();
        }
    }

    private void ehlo() {
        send(SmtpRequests.ehlo(endpoint.heloName()), true);
        state = State.EHLO;
        arm("EHLO reply");
    }

    /** After a successful EHLO or HELO: STARTTLS, AUTH or the transaction, whichever comes next. */
    private void afterHello() {
        if (endpoint.tls() == TlsMode.STARTTLS && !tlsActive) {
            if (!extensions.startTls()) {
                decideAll(SmtpReply.localTemporary("server does not offer STARTTLS"));
                quit();
                return;
            }
            send(new DefaultSmtpRequest("STARTTLS"), true);
            state = State.STARTTLS;
            arm("STARTTLS reply");
            return;
        }
        if (endpoint.auth() != AuthMechanism.NONE) {
            startAuth();
            return;
        }
        startTransaction();
    }

    /** The AUTH exchange, after the hello (and STARTTLS): its failures are deferred, never bounced. */
    private void startAuth() {
        try {
            String mechanism = SaslExchange.mechanism(endpoint.auth(), extensions.authMechanisms());
            if (!tlsActive && !loopbackPeer()) {
                decideAll(SmtpReply.localTemporary("refusing to send the password for AUTH over an unencrypted "
                        + "connection to " + endpoint.host() + " (use TLS, or a loopback server)"));
                quit();
                return;
            }
            auth = SaslExchange.start(mechanism, endpoint.user().orElseThrow(), password.orElseThrow(),
                    endpoint.host());
            send(auth.command(), true);
            state = State.AUTH;
            arm("AUTH reply");
        } catch (SaslExchange.Failure e) {
            disposeAuth();
            decideAll(SmtpReply.localTemporary(e.getMessage()));
            quit();
        }
    }

    private void onAuthReply(SmtpReply reply) {
        if (reply.code() == 235) {
            disposeAuth();
            startTransaction();
            return;
        }
        if (reply.code() == 334 && auth.expectsChallenge()) {
            try {
                send(auth.answer(reply), true);
                arm("AUTH reply");
            } catch (SaslExchange.Failure e) {
                send(SaslExchange.cancel(), true);
                decideAll(SmtpReply.localTemporary(e.getMessage()));
                quit();
            }
            return;
        }
        // 535 and every other AUTH failure is deferred: a configuration error must not bounce mail
        disposeAuth();
        decideAll(SmtpReply.localTemporary("AUTH failed: " + reply));
        quit();
    }

    private void startTransaction() {
        for (String address : addresses()) {
            if (address.chars().anyMatch(c -> c == '\r' || c == '\n' || c == '<' || c == '>' || c == 0)) {
                decideAll(SmtpReply.localPermanent("invalid address <" + address + ">"));
                quit();
                return;
            }
        }
        if (utf8Addresses && !extensions.smtpUtf8()) {
            decideAll(SmtpReply.localPermanent("server does not offer SMTPUTF8, needed for the non-ASCII addresses"
                    + " of this message"));
            quit();
            return;
        }
        if (extensions.sizeLimit() > 0 && messageSize > extensions.sizeLimit()) {
            decideAll(SmtpReply.localPermanent("message size " + messageSize + " exceeds the server's limit of "
                    + extensions.sizeLimit() + " bytes"));
            quit();
            return;
        }
        List<CharSequence> parameters = new ArrayList<>();
        parameters.add(utf8("FROM:<" + envelope.sender() + ">"));
        if (extensions.size()) {
            parameters.add("SIZE=" + messageSize);
        }
        if (eightBit && extensions.eightBitMime()) {
            parameters.add("BODY=8BITMIME");
        }
        if (utf8Addresses) {
            parameters.add("SMTPUTF8");
        }
        pipelined = extensions.pipelining();
        send(new DefaultSmtpRequest(SmtpCommand.MAIL, parameters.toArray(new CharSequence[0])), !pipelined);
        if (pipelined) {
            // RFC 2920: MAIL, every RCPT and DATA in one write; the replies are read in order
            for (int i = 0; i < outcomes.size(); i++) {
                sendRcpt(i, false);
            }
            send(SmtpRequests.data(), true);
            contentPending = true;
        }
        state = State.MAIL;
        arm("MAIL FROM reply");
    }

    private void sendRcpt(int index, boolean flush) {
        send(new DefaultSmtpRequest(SmtpCommand.RCPT, utf8("TO:<" + envelope.recipients().get(index) + ">")), flush);
    }

    private void startContent() {
        InputStream in;
        try {
            in = message.open();
        } catch (IOException e) {
            // DATA is open; closing the connection is the only way out that delivers nothing
            abort(SmtpReply.localTemporary("cannot read the message: " + describe(e)));
            return;
        }
        state = State.CONTENT;
        content = new MessageContentInput(in);
        contentPending = false;
        lastProgress = -1;
        LOG.debug("{} > ({} message bytes, dot-stuffed)", endpoint.host(), messageSize);
        ChannelFuture written = ctx.writeAndFlush(content);
        watchContent();
        written.addListener(future -> {
            if (state != State.CONTENT) {
                return;
            }
            cancelTimer();
            if (future.isSuccess()) {
                LOG.debug("{} > .", endpoint.host());
                state = State.DATA_END;
                arm("end of DATA reply");
            } else {
                Throwable cause = future.cause();
                abort(SmtpReply.localTemporary((cause instanceof IOException && content != null
                        && !ctx.channel().isActive() ? "connection lost while sending the message: "
                        : "cannot send the message: ") + describe(cause)));
            }
        });
    }

    /** While the content is written, a timeout is a period without progress, not one long wait. */
    private void watchContent() {
        cancelTimer();
        timer = ctx.executor().schedule(() -> {
            if (state != State.CONTENT) {
                return;
            }
            long progress = content.progress();
            if (progress == lastProgress) {
                abort(SmtpReply.localTemporary("timeout after " + seconds(endpoint.timeout())
                        + " sending the message"));
            } else {
                lastProgress = progress;
                watchContent();
            }
        }, endpoint.timeout().toNanos(), TimeUnit.NANOSECONDS);
    }

    /**
     * Ends politely with QUIT, preceded by RSET when DATA went out without content after it (Netty's encoder then
     * accepts nothing else, and the server may still be in the transaction).
     */
    private void quit() {
        if (!ctx.channel().isActive()) {
            close();
            return;
        }
        state = State.QUIT;
        quitReplies = 1;
        if (contentPending) {
            send(SmtpRequests.rset(), false);
            contentPending = false;
            quitReplies = 2;
        }
        send(SmtpRequests.quit(), true);
        arm("QUIT reply");
    }

    /** Decides every recipient still open with {@code reply}, then closes without ceremony. */
    private void abort(SmtpReply reply) {
        decideAll(reply);
        close();
    }

    private void close() {
        state = State.DONE;
        cancelTimer();
        closeContent();
        if (ctx != null) {
            ctx.channel().close();
        }
    }

    /**
     * Gives every recipient still open {@code reply}'s status (temporary for a positive or local-temporary reply)
     * and completes the report once. Later calls do nothing.
     */
    private void decideAll(SmtpReply reply) {
        if (report.isDone()) {
            return;
        }
        DeliveryReport done = outcomes.decideAll(reply);
        LOG.debug("relay to {} from <{}>: {}; reply: {}", endpoint, LogText.escape(envelope.sender()),
                LogText.escape(RecipientOutcomes.summary(done, reply)), LogText.escape(String.valueOf(reply)));
        report.complete(done);
    }

    private void failBeforeTransaction(SmtpReply reply) {
        decideAll(reply);
        quit();
    }

    private void send(Object request, boolean flush) {
        if (LOG.isDebugEnabled() && request instanceof SmtpRequest smtp) {
            LOG.debug("{} > {}", endpoint.host(), redacted(smtp));
        }
        if (flush) {
            ctx.writeAndFlush(request).addListener(this::writeDone);
        } else {
            ctx.write(request).addListener(this::writeDone);
        }
    }

    private void writeDone(Future<? super Void> future) {
        if (!future.isSuccess() && state != State.DONE) {
            exceptionCaught(ctx, future.cause());
        }
    }

    private String redacted(SmtpRequest request) {
        if (request.command().equals(SmtpCommand.AUTH)) {
            return "AUTH " + request.parameters().get(0) + (request.parameters().size() > 1 ? " ****" : "");
        }
        if (request.command().equals(SmtpCommand.EMPTY)) {
            return "****";
        }
        return request.command().name() + " " + request.parameters().stream().map(CharSequence::toString)
                .collect(Collectors.joining(" "));
    }

    private void arm(String what) {
        cancelTimer();
        timer = ctx.executor().schedule(() -> onTimeout(what), endpoint.timeout().toNanos(), TimeUnit.NANOSECONDS);
    }

    private void onTimeout(String what) {
        if (state == State.DONE) {
            return;
        }
        LOG.debug("{} timeout waiting for {}", endpoint.host(), what);
        abort(SmtpReply.localTemporary("timeout after " + seconds(endpoint.timeout()) + " waiting for " + what));
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private void closeContent() {
        if (content != null) {
            try {
                content.close();
            } catch (IOException e) {
                LOG.debug("closing the message stream", e);
            }
        }
    }

    private void disposeAuth() {
        if (auth != null) {
            auth.dispose();
            auth = null;
        }
    }

    private String waitingFor() {
        switch (state) {
            case CONNECTING:
                return "the connection";
            case GREETING:
                return "greeting";
            case STARTTLS_HANDSHAKE:
                return "TLS handshake";
            case MAIL:
                return "MAIL FROM reply";
            case RCPT:
                return "RCPT TO reply";
            case DATA_END:
                return "end of DATA reply";
            case CONTENT:
                return "the message to be sent";
            default:
                return state + " reply";
        }
    }

    private boolean loopbackPeer() {
        SocketAddress remote = ctx.channel().remoteAddress();
        return endpoint.host().equalsIgnoreCase("localhost")
                || remote instanceof InetSocketAddress inet && inet.getAddress() != null
                        && inet.getAddress().isLoopbackAddress();
    }

    private List<String> addresses() {
        List<String> all = new ArrayList<>(envelope.recipients());
        all.add(envelope.sender());
        return all;
    }

    /** Raw UTF-8 bytes for the encoder, which writes an {@link AsciiString}'s bytes as they are. */
    private static CharSequence utf8(String text) {
        return isAscii(text) ? text : new AsciiString(text.getBytes(StandardCharsets.UTF_8), false);
    }

    static boolean isAscii(String text) {
        return text.chars().allMatch(c -> c < 0x80);
    }

    static String seconds(Duration duration) {
        return duration.toMillis() % 1000 == 0 ? duration.toSeconds() + "s" : duration.toMillis() + "ms";
    }

    private static SSLException sslCause(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof SSLException ssl) {
                return ssl;
            }
        }
        return null;
    }

    /** The innermost message worth showing. */
    static String describe(Throwable cause) {
        Throwable t = cause;
        while (t.getCause() != null && (t.getMessage() == null || t instanceof DecoderException)) {
            t = t.getCause();
        }
        String text = t.getMessage();
        return text == null || text.isBlank() ? t.getClass().getSimpleName() : text;
    }
}
