package org.postseal.milter;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.nightcode.milter.codec.Int32LenFrameEncoder;
import org.nightcode.milter.codec.MilterPacketEncoder;
import org.nightcode.milter.net.ServerFactory;
import org.postseal.events.MailEvents;
import org.postseal.transport.MemoryBudget;
import org.postseal.transport.ServerShutdown;
import org.postseal.transport.UnixSockets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The milter server: a Netty server on a TCP address or a unix socket, one {@link MilterSession} per connection,
 * no thread per connection. It implements jmilter's {@link ServerFactory} seam and uses jmilter's reply encoders;
 * the decoding side and the session are postseal's own (docs/MILTER.md says why). Unix sockets use Netty's epoll
 * transport, which jmilter 0.6.1 has no server for.
 *
 * <p>It stops in one of two ways. {@link #close()} stops at once: connections are cut wherever they are.
 * {@link #drain(Duration)}, what SIGTERM does, stops accepting at once and lets each connection that is inside a
 * message finish that message: a connection is closed as soon as it is between messages, and whatever is still open
 * after the timeout is cut.
 */
public final class MilterServer implements Closeable, ServerFactory<SocketAddress> {
    private static final Logger LOG = LoggerFactory.getLogger(MilterServer.class);

    private final SocketAddress address;
    private final Supplier<MilterSession> sessions;
    private final MilterLimits limits;
    private final MemoryBudget packetMemory;
    private final ConnectionLimit connectionLimit;
    private final MailEvents events;
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final boolean epoll;
    /** The connections served now, for {@link #drain}. */
    private final ChannelGroup connections = new DefaultChannelGroup("milter", GlobalEventExecutor.INSTANCE);
    /** Set once the server stops accepting; a connection set up after that is closed at once. */
    private volatile boolean draining;
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private Channel channel;

    private MilterServer(SocketAddress address, Supplier<MilterSession> sessions, MilterLimits limits, int threads,
            MailEvents events) {
        this.address = address;
        this.events = events;
        this.sessions = sessions;
        this.limits = limits;
        this.packetMemory = new MemoryBudget(limits.bufferMemoryBytes());
        this.connectionLimit = new ConnectionLimit(limits.maxConnections(), events);
        this.epoll = Epoll.isAvailable();
        if (address instanceof DomainSocketAddress && !epoll) {
            throw new IllegalStateException("unix sockets need Netty's epoll transport, unavailable here: "
                    + Epoll.unavailabilityCause());
        }
        this.boss = epoll ? new EpollEventLoopGroup(1) : new NioEventLoopGroup(1);
        this.workers = epoll ? new EpollEventLoopGroup(threads) : new NioEventLoopGroup(threads);
    }

    /**
     * Binds and starts serving.
     *
     * @param address an {@link InetSocketAddress} or a {@link DomainSocketAddress}
     * @param settings how sessions sign
     * @param socketMode permissions for a unix socket, if it should not keep the umask's
     * @param socketGroup group owner for a unix socket, if any
     * @throws IOException if the address cannot be bound or the socket's mode or group cannot be set
     */
    public static MilterServer start(SocketAddress address, MilterSessions settings,
            Optional<Set<PosixFilePermission>> socketMode, Optional<String> socketGroup) throws IOException {
        MilterServer server = new MilterServer(address, settings::newSession, settings.limits(),
                settings.threads(), settings.events());
        try {
            server.bind(socketMode, socketGroup);
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
        return server;
    }

    @Override
    public ServerBootstrap create() {
        ServerBootstrap bootstrap = new ServerBootstrap().group(boss, workers);
        if (address instanceof DomainSocketAddress) {
            bootstrap.channel(EpollServerDomainSocketChannel.class);
        } else {
            bootstrap.channel(epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true);
        }
        return bootstrap.childHandler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                connections.add(ch);
                if (draining) {
                    ch.close(); // accepted just before the listening socket closed
                    return;
                }
                ch.pipeline()
                        .addLast("connectionLimit", connectionLimit)
                        .addLast("idle", new IdleStateHandler(limits.idleTimeout().toNanos(), 0, 0,
                                TimeUnit.NANOSECONDS))
                        .addLast("frameEncoder", new Int32LenFrameEncoder())
                        .addLast("packetEncoder", new MilterPacketEncoder())
                        .addLast("frameDecoder", new MilterFrameDecoder(limits.maxPacketBytes(), packetMemory,
                                limits.commandTimeout()))
                        .addLast("session", new MilterChannelHandler(sessions.get(), events));
            }
        });
    }

    @Override
    public SocketAddress localAddress() {
        return channel != null ? channel.localAddress() : address;
    }

    private void bind(Optional<Set<PosixFilePermission>> socketMode, Optional<String> socketGroup)
            throws IOException {
        if (address instanceof DomainSocketAddress unix) {
            UnixSockets.removeStale(Path.of(unix.path()));
        }
        try {
            channel = create().bind(address).syncUninterruptibly().channel();
        } catch (RuntimeException e) {
            throw new IOException("cannot listen on " + describe(address) + ": " + e.getMessage(), e);
        }
        if (address instanceof DomainSocketAddress unix) {
            UnixSockets.apply(Path.of(unix.path()), socketMode, socketGroup);
        }
        LOG.info("milter listening on {} ({} transport)", describe(localAddress()), epoll ? "epoll" : "nio");
    }

    /** Bytes of partial packets held now, across all connections. */
    long packetMemoryHeld() {
        return packetMemory.used();
    }

    /** Connections served now. */
    public int openConnections() {
        return connectionLimit.open();
    }

    /** Blocks until the server has stopped: {@link #close()} or {@link #drain} has finished. */
    public void awaitClose() throws InterruptedException {
        stopped.await();
    }

    /** Stops at once: the listening socket is closed and every connection cut, wherever it is. */
    @Override
    public void close() {
        if (!stopping.compareAndSet(false, true)) {
            return;
        }
        draining = true;
        try {
            ServerShutdown.close(channel, address, boss, workers);
        } finally {
            stopped.countDown();
        }
    }

    /**
     * Stops gracefully. New connections are refused at once (the listening socket is closed, a unix socket's file
     * removed). Each connection open then is closed as soon as it is between messages: at once if it is, or once
     * the message under way has had its end-of-message reply or its ABORT. Those still open after {@code timeout}
     * are cut. Then the event loops stop. Returns once all that is done.
     *
     * @param timeout how long connections inside a message may take to finish it
     * @return how many connections finished, and how many were cut
     * @throws IllegalStateException if the server was stopped already
     */
    public DrainReport drain(Duration timeout) throws InterruptedException {
        if (!stopping.compareAndSet(false, true)) {
            throw new IllegalStateException("the milter server is stopped already");
        }
        try {
            draining = true;
            ServerShutdown.stopAccepting(channel, address);
            List<Channel> open = List.copyOf(connections);
            CountDownLatch closed = new CountDownLatch(open.size());
            for (Channel connection : open) {
                connection.closeFuture().addListener(f -> closed.countDown());
                connection.pipeline().fireUserEventTriggered(MilterChannelHandler.DRAIN);
            }
            closed.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
            int cut = 0;
            for (Channel connection : open) {
                if (connection.isOpen()) {
                    cut++;
                    connection.close();
                }
            }
            ServerShutdown.stopLoops(boss, workers);
            return new DrainReport(open.size() - cut, cut, timeout);
        } finally {
            stopped.countDown();
        }
    }

    static String describe(SocketAddress address) {
        if (address instanceof DomainSocketAddress unix) {
            return "local:" + unix.path();
        }
        if (address instanceof InetSocketAddress inet) {
            String host = inet.getAddress() != null ? org.postseal.policy.IpText.format(inet.getAddress().getAddress())
                    : inet.getHostString();
            return (host.contains(":") ? "inet6:" + inet.getPort() + "@[" + host + "]" : "inet:" + inet.getPort()
                    + "@" + host);
        }
        return String.valueOf(address);
    }
}
