package org.postseal.milter;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.timeout.IdleStateEvent;
import java.net.SocketAddress;
import org.nightcode.milter.codec.MilterPacket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.postseal.events.ErrorKind;
import org.postseal.events.MailEvents;
import org.postseal.logging.LogText;

/**
 * Moves commands from the wire into a {@link MilterSession} and its replies back out, flushing once per batch of
 * input so that every reply leaves in as few segments as possible (no delayed-ACK stall). At the end of a message
 * one signature is made at once, in the read that brought the end of message; several are made each in its own
 * event-loop task, with reading paused meanwhile, so that other connections are served between them; a verified
 * message's replies wait, reading paused too, until its key lookups complete, and are then made in an event-loop
 * task. A protocol error closes this connection only, with a log line; an unexpected error abandons the current
 * message (accepted unsigned or tempfailed, as configured) and keeps the connection.
 *
 * <p>When the server drains ({@link #DRAIN}), the connection is closed as soon as it is between messages: at once
 * if it is, otherwise once the message under way has had its end-of-message replies or its ABORT. Postfix then
 * applies {@code milter_default_action} to the rest of its SMTP session.
 */
final class MilterChannelHandler extends SimpleChannelInboundHandler<MilterCommand> {
    private static final Logger LOG = LoggerFactory.getLogger(MilterChannelHandler.class);

    /** The user event that tells a connection the server is stopping ({@link MilterServer#drain}). */
    static final Object DRAIN = new Object() {
        @Override
        public String toString() {
            return "DRAIN";
        }
    };

    /** Where the connection stands with respect to stopping. */
    private enum Phase {
        /** Serving messages as they come. */
        SERVING,
        /** The server is stopping: close when between messages. */
        DRAINING,
        /** Closed by the drain; commands still decoded are ignored. */
        CLOSED
    }

    private final MilterSession session;
    private final MailEvents events;
    private Phase phase = Phase.SERVING;
    /** Whether an end-of-message reply (signing or verification) is being made: the message is not finished. */
    private boolean replying;

    MilterChannelHandler(MilterSession session, MailEvents events) {
        this.session = session;
        this.events = events;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, MilterCommand command) {
        if (phase == Phase.CLOSED) {
            return;
        }
        MilterSession.Outcome outcome;
        try {
            outcome = session.handle(command);
        } catch (MilterProtocolException e) {
            throw e;
        } catch (RuntimeException e) {
            outcome = session.abandon(command.code(), e);
        }
        for (MilterPacket reply : outcome.replies()) {
            ctx.write(reply);
        }
        if (outcome.close()) {
            closeOnceWritten(ctx);
            return;
        }
        if (outcome.endOfMessage() != null && outcome.endOfMessage().steps() <= 1) {
            signNow(ctx, outcome.endOfMessage());
        } else if (outcome.endOfMessage() != null) {
            replying = true;
            ctx.channel().config().setAutoRead(false);
            sign(ctx, outcome.endOfMessage(), 0);
        } else if (outcome.verification() != null) {
            replying = true;
            ctx.channel().config().setAutoRead(false);
            MilterSession.Outcome pending = outcome;
            outcome.verification().keysReady().whenComplete((ignored, error) -> {
                try {
                    ctx.executor().execute(() -> finish(ctx, pending.verification().replies()));
                } catch (java.util.concurrent.RejectedExecutionException e) {
                    LOG.debug("event loop shut down before a verification completed");
                }
            });
        } else {
            closeIfDrainedBetweenMessages(ctx);
        }
    }

    /** Writes the end-of-message replies, then reads the next command, or closes if the server is draining. */
    private void finish(ChannelHandlerContext ctx, Iterable<MilterPacket> replies) {
        replying = false;
        for (MilterPacket reply : replies) {
            ctx.write(reply);
        }
        ctx.flush();
        if (closeIfDrainedBetweenMessages(ctx)) {
            return;
        }
        ctx.channel().config().setAutoRead(true);
        ctx.read();
    }

    /**
     * While draining, closes the connection once everything written has left, if it is between messages.
     *
     * @return whether it closes
     */
    private boolean closeIfDrainedBetweenMessages(ChannelHandlerContext ctx) {
        if (phase != Phase.DRAINING || replying || !session.betweenMessages()) {
            return false;
        }
        phase = Phase.CLOSED;
        closeOnceWritten(ctx);
        return true;
    }

    /**
     * Flushes what was written and closes the connection once it has left. The empty buffer that marks the point is
     * written from the pipeline's first context, past the frame encoder, which would otherwise send it as a
     * zero-length packet.
     */
    private static void closeOnceWritten(ChannelHandlerContext ctx) {
        ctx.pipeline().firstContext().writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER)
                .addListener(io.netty.channel.ChannelFutureListener.CLOSE);
    }

    /**
     * Makes the one signature (if any) at once and writes the replies, which leave with this read's flush: reading
     * need not pause, and no task is scheduled.
     */
    private void signNow(ChannelHandlerContext ctx, MilterSession.EndOfMessage work) {
        if (work.steps() == 1) {
            work.step(0);
        }
        for (MilterPacket reply : work.replies()) {
            ctx.write(reply);
        }
        closeIfDrainedBetweenMessages(ctx);
    }

    /** Makes signature {@code index}, then schedules the next one, then writes the replies. */
    private void sign(ChannelHandlerContext ctx, MilterSession.EndOfMessage work, int index) {
        if (index < work.steps()) {
            work.step(index);
            ctx.executor().execute(() -> sign(ctx, work, index + 1));
            return;
        }
        finish(ctx, work.replies());
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ctx.flush();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (event == DRAIN) {
            if (phase == Phase.SERVING) {
                phase = Phase.DRAINING;
                closeIfDrainedBetweenMessages(ctx);
            }
            return;
        }
        if (event instanceof IdleStateEvent) {
            SocketAddress peer = ctx.channel().remoteAddress();
            LOG.info("closing milter connection from {}: nothing received for the idle timeout "
                    + "(limits.idle-timeout)", peer == null ? "local client" : peer);
            events.error(ErrorKind.TIMEOUT);
            ctx.close();
            return;
        }
        super.userEventTriggered(ctx, event);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable reason = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        SocketAddress peer = ctx.channel().remoteAddress();
        if (reason instanceof MilterProtocolException protocol) {
            LOG.warn("closing milter connection from {}: {}", peer == null ? "local client" : peer,
                    LogText.escape(reason.getMessage()));
            events.error(protocol.kind());
        } else if (reason instanceof java.io.IOException) {
            LOG.debug("milter connection from {} failed: {}", peer, reason.toString());
        } else {
            LOG.error("closing milter connection from {} after an unexpected error", peer, reason);
            events.error(ErrorKind.INTERNAL);
        }
        ctx.close();
    }
}
