package org.postseal.transport;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a listening server stops, the same for the milter and the smarthost: the listening channel is closed, its
 * unix socket file removed (a later start finds nothing stale), and the event loops shut down with a short grace.
 * The milter does it in two steps, letting the connections it has finish their messages in between.
 */
public final class ServerShutdown {
    private static final Logger LOG = LoggerFactory.getLogger(ServerShutdown.class);

    private ServerShutdown() {
    }

    /**
     * Stops a server: {@link #stopAccepting}, then {@link #stopLoops}.
     *
     * @param channel the listening channel, or null if binding never succeeded
     * @param address where it listened: a {@link DomainSocketAddress}'s file is removed
     * @param groups the event loop groups to shut down, waited for
     */
    public static void close(Channel channel, SocketAddress address, EventLoopGroup... groups) {
        stopAccepting(channel, address);
        stopLoops(groups);
    }

    /**
     * Closes the listening channel, and removes a unix socket's file, so that new clients are refused at once;
     * connections already accepted are left as they are.
     *
     * @param channel the listening channel, or null if binding never succeeded
     * @param address where it listened: a {@link DomainSocketAddress}'s file is removed
     */
    public static void stopAccepting(Channel channel, SocketAddress address) {
        if (channel == null) {
            return;
        }
        channel.close().syncUninterruptibly();
        if (address instanceof DomainSocketAddress unix) {
            try {
                Files.deleteIfExists(Path.of(unix.path()));
            } catch (IOException e) {
                LOG.warn("could not remove {}: {}", unix.path(), e.toString());
            }
        }
    }

    /** Shuts the event loops down with a grace of 2 seconds, closing every connection still open, and waits. */
    public static void stopLoops(EventLoopGroup... groups) {
        for (EventLoopGroup group : groups) {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
