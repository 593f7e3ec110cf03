package org.postseal.smtp;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.smtp.SmtpRequestEncoder;
import io.netty.handler.codec.smtp.SmtpResponseDecoder;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.stream.ChunkedWriteHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.io.InputStream;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.postseal.logging.LogText;
import org.postseal.smtp.RecipientResult.Status;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Relays one message at a time to an upstream SMTP server (the smarthost's way out, msmtp's job in the old
 * pipeline), on Netty with its SMTP codec.
 *
 * <p>One {@link #deliver} is one connection: greeting, EHLO (HELO when EHLO gets a 5xx), STARTTLS when the endpoint
 * asks for it (then EHLO again), AUTH, MAIL FROM, one RCPT TO per recipient, DATA, the message, QUIT. With
 * PIPELINING (RFC 2920) MAIL, every RCPT and DATA go in one write. SIZE (RFC 1870) is declared and a message larger
 * than the server's limit is not sent; {@code BODY=8BITMIME} is declared for a message with 8-bit bytes when the
 * server offers it; {@code SMTPUTF8} when an envelope address is not ASCII (and the server must offer it). The
 * message is streamed from its {@link MessageSource} in 64 KB chunks, only as fast as the connection takes them,
 * and dot-stuffed on the way; its bytes are otherwise sent as they are.
 *
 * <p>It never throws for what the network or the server did: the {@link DeliveryReport} says, per recipient,
 * {@link Status#DELIVERED DELIVERED}, {@link Status#DEFERRED DEFERRED} or {@link Status#REJECTED REJECTED}, with the
 * reply that decided it, made up locally ({@link SmtpReply#local()}) when the server gave none:
 * <ul>
 *   <li>a 5xx to RCPT rejects that recipient and a 4xx defers it; the reply to the end of DATA decides for every
 *       recipient the server accepted;</li>
 *   <li>a failure before any RCPT (connection, greeting, EHLO, MAIL FROM) applies to every recipient: a 4xx, a
 *       network error or a timeout defers, a 5xx rejects;</li>
 *   <li>every TLS failure defers: a failed handshake or certificate check, STARTTLS refused or not offered when
 *       the endpoint asks for it. A STARTTLS endpoint never falls back to plain text;</li>
 *   <li><b>every AUTH failure defers, 535 included</b> (as do an AUTH mechanism the server does not offer, and a
 *       password that cannot be read): a wrong password is an administrator's configuration error, to be fixed
 *       while the mail waits, not a reason to bounce it;</li>
 *   <li>AUTH is refused over a connection that is neither TLS nor to a loopback address (the password would
 *       travel in clear text), deferring the message, as msmtp refuses;</li>
 *   <li>a message larger than the server's SIZE, or non-ASCII addresses for a server without SMTPUTF8, are
 *       rejected locally (554) without sending.</li>
 * </ul>
 *
 * <p>Certificates are checked against the JDK trust store or the endpoint's PEM CA file, host name included; or
 * against the endpoint's pinned fingerprints only; or not at all when the endpoint says so (warned about once).
 *
 * <p>Thread-safe: deliveries may run in parallel. {@link #deliver} blocks the calling thread, which must not be one
 * of the client's event loop threads.
 */
public final class SmtpClient implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SmtpClient.class);
    private static final int MAX_REPLY_LINE = 8192;
    private static final int SCAN_BUFFER = 64 * 1024;

    private final EventLoopGroup group;
    private final boolean ownsGroup;

    /** A client with its own single-thread NIO event loop, shut down by {@link #close()}. */
    public SmtpClient() {
        this(new NioEventLoopGroup(1, new DefaultThreadFactory("postseal-smtp", true)), true);
    }

    /**
     * A client on {@code group}, which must run NIO channels and which {@link #close()} leaves running.
     */
    public SmtpClient(EventLoopGroup group) {
        this(Objects.requireNonNull(group, "group"), false);
    }

    private SmtpClient(EventLoopGroup group, boolean ownsGroup) {
        this.group = group;
        this.ownsGroup = ownsGroup;
    }

    /**
     * Delivers {@code message} to {@code envelope}'s recipients through {@code endpoint}, and waits for the outcome.
     * The password is read from the endpoint now, for this attempt.
     *
     * @return one result per recipient, in envelope order; never null
     */
    public DeliveryReport deliver(SmtpEndpoint endpoint, Envelope envelope, MessageSource message) {
        return deliverAsync(endpoint, envelope, message).join();
    }

    /**
     * As {@link #deliver}, without waiting for the network. The calling thread still reads the password and scans
     * the message once for 8-bit bytes before connecting. The future never completes exceptionally.
     */
    public CompletableFuture<DeliveryReport> deliverAsync(SmtpEndpoint endpoint, Envelope envelope,
            MessageSource message) {
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(envelope, "envelope");
        Objects.requireNonNull(message, "message");
        long size;
        boolean eightBit;
        try {
            size = message.size();
            eightBit = hasEightBit(message);
        } catch (IOException e) {
            return local(endpoint, envelope, "cannot read the message: " + SmtpSession.describe(e));
        }
        Optional<String> password = Optional.empty();
        if (endpoint.auth() != AuthMechanism.NONE) {
            try {
                password = Optional.of(endpoint.password().orElseThrow().password());
            } catch (IOException | RuntimeException e) {
                return local(endpoint, envelope, "cannot get the AUTH password: " + SmtpSession.describe(e));
            }
        }
        SslContext sslContext = null;
        if (endpoint.tls() != TlsMode.NONE) {
            try {
                sslContext = TlsSupport.context(endpoint);
            } catch (IOException | RuntimeException e) {
                return local(endpoint, envelope, "TLS set-up failed: " + SmtpSession.describe(e));
            }
        }
        SmtpSession session = new SmtpSession(endpoint, envelope, message, size, eightBit, password, sslContext);
        SslContext implicit = endpoint.tls() == TlsMode.IMPLICIT ? sslContext : null;
        try {
            Bootstrap bootstrap = new Bootstrap()
                    .group(group)
                    .channel(NioSocketChannel.class)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS,
                            (int) Math.min(Integer.MAX_VALUE, Math.max(1, endpoint.timeout().toMillis())))
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel channel) {
                            if (implicit != null) {
                                channel.pipeline().addLast("tls", TlsSupport.handler(implicit, channel.alloc(),
                                        endpoint));
                            }
                            channel.pipeline()
                                    .addLast("decoder", new SmtpResponseDecoder(MAX_REPLY_LINE))
                                    .addLast("encoder", new SmtpRequestEncoder())
                                    .addLast("chunked", new ChunkedWriteHandler())
                                    .addLast("session", session);
                        }
                    });
            ChannelFuture connect = bootstrap.connect(endpoint.host(), endpoint.port());
            connect.addListener(future -> {
                if (!future.isSuccess()) {
                    session.connectFailed(future.cause());
                }
            });
        } catch (RuntimeException e) {
            // a group shut down, say
            return local(endpoint, envelope, "cannot connect: " + SmtpSession.describe(e));
        }
        return session.report();
    }

    /** Shuts the event loop down if this client made it. */
    @Override
    public void close() {
        if (ownsGroup) {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
        }
    }

    private static CompletableFuture<DeliveryReport> local(SmtpEndpoint endpoint, Envelope envelope, String text) {
        SmtpReply reply = SmtpReply.localTemporary(text);
        LOG.debug("relay to {} from <{}>: all {} deferred; reply: {}", endpoint, LogText.escape(envelope.sender()),
                envelope.recipients().size(), LogText.escape(String.valueOf(reply)));
        return CompletableFuture.completedFuture(DeliveryReport.all(envelope, Status.DEFERRED, reply));
    }

    /** True when some byte of the message is 0x80 or above, read in one streaming pass. */
    static boolean hasEightBit(MessageSource message) throws IOException {
        byte[] buffer = new byte[SCAN_BUFFER];
        try (InputStream in = message.open()) {
            for (int n; (n = in.read(buffer)) >= 0; ) {
                for (int i = 0; i < n; i++) {
                    if (buffer[i] < 0) {
                        return true;
                    }
                }
            }
        }
        return false;
    }
}
