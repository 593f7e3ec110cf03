package org.postseal.milter;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.postseal.events.ErrorKind;
import org.postseal.events.MailEvents;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes a connection as soon as it is accepted when the server already serves as many as it may, so that a client
 * opening connections without end costs a bounded number of them. The refusals are logged when the limit is first
 * reached and then at most once a minute, with their count, so that the same client cannot flood the log.
 */
@ChannelHandler.Sharable
final class ConnectionLimit extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionLimit.class);
    private static final long LOG_INTERVAL_NANOS = 60_000_000_000L;

    private final int max;
    private final MailEvents events;
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong lastLogged = new AtomicLong(System.nanoTime() - LOG_INTERVAL_NANOS);

    ConnectionLimit(int max, MailEvents events) {
        this.max = max;
        this.events = events;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        if (open.incrementAndGet() > max) {
            open.decrementAndGet();
            refuse(ctx);
            return;
        }
        ctx.channel().closeFuture().addListener(f -> open.decrementAndGet());
        super.channelActive(ctx);
    }

    private void refuse(ChannelHandlerContext ctx) {
        events.error(ErrorKind.LIMIT);
        long count = refused.incrementAndGet();
        long now = System.nanoTime();
        long last = lastLogged.get();
        if (now - last >= LOG_INTERVAL_NANOS && lastLogged.compareAndSet(last, now)) {
            refused.addAndGet(-count);
            LOG.warn("milter connection limit reached ({} at once, limits.max-connections): refused {} "
                    + "connection(s), the latest from {}", max, count, ctx.channel().remoteAddress());
        }
        ctx.close();
    }

    /** Connections served now. */
    int open() {
        return open.get();
    }
}
