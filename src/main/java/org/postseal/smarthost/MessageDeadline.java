package org.postseal.smarthost;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The total time a client has to send its whole request, from the connection to the last message byte. The read
 * timeout alone lets a client keep a connection (and the memory of its partial message) for as long as it sends a
 * byte now and then; past the deadline, {@link Expired} goes down the pipeline and the submission is dropped. The
 * deadline ends as soon as the decoder has emitted the request or an answer: signing and relaying are not timed here.
 */
final class MessageDeadline extends ChannelInboundHandlerAdapter {
    /** The deadline passed before the whole request arrived. */
    static final class Expired extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Expired(Duration deadline) {
            super("the message did not arrive within " + deadline, null, false, false);
        }
    }

    private enum State {
        NEW, RUNNING, ENDED
    }

    private final Duration deadline;
    private State state = State.NEW;
    private ScheduledFuture<?> timer;

    MessageDeadline(Duration deadline) {
        this.deadline = deadline;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive() && ctx.channel().isRegistered()) {
            begin(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        begin(ctx);
        ctx.fireChannelActive();
    }

    private void begin(ChannelHandlerContext ctx) {
        if (state != State.NEW) {
            return;
        }
        state = State.RUNNING;
        timer = ctx.executor().schedule(() -> {
            if (state == State.RUNNING) {
                end();
                ctx.fireExceptionCaught(new Expired(deadline));
            }
        }, deadline.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        end(); // the decoder emits only a whole request or an answer: the client is done sending
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        end();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        end();
    }

    private void end() {
        state = State.ENDED;
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }
}
