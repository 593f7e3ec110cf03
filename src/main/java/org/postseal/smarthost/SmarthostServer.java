package org.postseal.smarthost;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.handler.timeout.ReadTimeoutHandler;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.postseal.transport.MemoryBudget;
import org.postseal.transport.ServerShutdown;
import org.postseal.transport.UnixSockets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The smarthost's unix socket: what socat's {@code UNIX-LISTEN:...,fork,user=...,group=...,mode=0660} was in the
 * seed. One Netty event loop reads all clients; the blocking work (sign, spool, first delivery attempt) runs on a
 * bounded pool of workers.
 */
public final class SmarthostServer implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(SmarthostServer.class);

    private final Path path;
    private final EventLoopGroup group;
    private final ExecutorService workers;
    private Channel channel;
    private MemoryBudget budget;
    private SubmissionSlots slots;

    private SmarthostServer(Path path, int workerThreads) {
        if (!Epoll.isAvailable()) {
            throw new IllegalStateException("unix sockets need Netty's epoll transport, unavailable here: "
                    + Epoll.unavailabilityCause());
        }
        this.path = path;
        this.group = new EpollEventLoopGroup(1);
        AtomicInteger n = new AtomicInteger();
        this.workers = new ThreadPoolExecutor(workerThreads, workerThreads, 60, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(1024), r -> {
                    Thread t = new Thread(r, "postseal-submission-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
    }

    /**
     * Binds the socket and serves.
     *
     * @param limits what one client may take: message size, timeouts; and the memory shared by all
     * @throws IOException if the socket cannot be bound or given its mode and group, or is in use by a running
     *     process
     */
    public static SmarthostServer start(Path path, Optional<Set<PosixFilePermission>> mode, Optional<String> group,
            Smarthost smarthost, SubmissionLimits limits, int workerThreads) throws IOException {
        SmarthostServer server = new SmarthostServer(path, workerThreads);
        try {
            server.bind(mode, group, smarthost, limits);
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
        return server;
    }

    private void bind(Optional<Set<PosixFilePermission>> mode, Optional<String> socketGroup, Smarthost smarthost,
            SubmissionLimits limits) throws IOException {
        if (path.getParent() != null && !Files.isDirectory(path.getParent())) {
            throw new IOException("cannot listen on " + path + ": no directory " + path.getParent());
        }
        UnixSockets.removeStale(path);
        budget = new MemoryBudget(limits.memoryBudget());
        slots = new SubmissionSlots(limits.maxSubmissions());
        ServerBootstrap bootstrap = new ServerBootstrap().group(group).channel(EpollServerDomainSocketChannel.class)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        SubmissionDecoder decoder = new SubmissionDecoder(limits.maxMessageBytes(), budget);
                        ch.pipeline()
                                .addLast("slots", slots)
                                .addLast("readTimeout", new ReadTimeoutHandler(limits.readTimeout().toMillis(),
                                        TimeUnit.MILLISECONDS))
                                .addLast("decoder", decoder)
                                .addLast("deadline", new MessageDeadline(limits.messageDeadline()))
                                .addLast("handler", new SubmissionHandler(smarthost, workers, decoder));
                    }
                });
        try {
            channel = bootstrap.bind(new DomainSocketAddress(path.toString())).syncUninterruptibly().channel();
        } catch (RuntimeException e) {
            throw new IOException("cannot listen on " + path + ": " + e.getMessage(), e);
        }
        UnixSockets.apply(path, mode, socketGroup);
        LOG.info("smarthost listening on {}", path);
    }

    /** The message bytes held in memory now, over all clients. */
    long memoryInUse() {
        return budget.used();
    }

    /** The submissions served now. */
    int submissionsOpen() {
        return slots.open();
    }

    /** Blocks until the server is closed. */
    public void awaitClose() throws InterruptedException {
        channel.closeFuture().await();
    }

    @Override
    public void close() {
        ServerShutdown.close(channel, new DomainSocketAddress(path.toString()), group);
        workers.shutdown();
    }
}
