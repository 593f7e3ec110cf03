package org.postseal.smarthost;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bounds the submissions served at once ({@code max-submissions}): a connection past the bound is answered "busy, try
 * again" (451, exit 75 for {@code postseal sendmail}) and closed as soon as it is accepted, before anything of it is
 * read, so that a local user opening connections without end holds a bounded number of file descriptors and the
 * spool can still be written. Refusals are logged when the bound is first reached and then at most once a minute,
 * with their count, so that the same client cannot flood the log.
 */
@ChannelHandler.Sharable
final class SubmissionSlots extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(SubmissionSlots.class);
    private static final long LOG_INTERVAL_NANOS = 60_000_000_000L;

    private final int max;
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong lastLogged = new AtomicLong(System.nanoTime() - LOG_INTERVAL_NANOS);

    SubmissionSlots(int max) {
        this.max = max;
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
        long count = refused.incrementAndGet();
        long now = System.nanoTime();
        long last = lastLogged.get();
        if (now - last >= LOG_INTERVAL_NANOS && lastLogged.compareAndSet(last, now)) {
            refused.addAndGet(-count);
            LOG.warn("submission limit reached ({} at once, max-submissions): refused {} submission(s) as busy",
                    max, count);
        }
        ctx.channel().config().setAutoRead(false); // nothing of a refused client is read
        SubmissionAnswer answer = SubmissionAnswer.tempFail("the smarthost is busy: " + max
                + " submissions at once (max-submissions)");
        ctx.writeAndFlush(Unpooled.copiedBuffer(answer.line() + "\n", StandardCharsets.UTF_8))
                .addListener(ChannelFutureListener.CLOSE);
    }

    /** Submissions served now. */
    int open() {
        return open.get();
    }
}
