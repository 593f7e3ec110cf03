package org.postseal.smarthost;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.timeout.ReadTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import org.postseal.transport.ExitStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection: hands the decoded submission to the {@link Smarthost} on a worker thread (signing, the
 * spool's fsync and the first delivery attempt block), writes its answer line and closes.
 */
final class SubmissionHandler extends SimpleChannelInboundHandler<Object> {
    private static final Logger LOG = LoggerFactory.getLogger(SubmissionHandler.class);

    private final Smarthost smarthost;
    private final ExecutorService workers;
    private final SubmissionDecoder decoder;
    private boolean answered;
    private boolean working;

    SubmissionHandler(Smarthost smarthost, ExecutorService workers, SubmissionDecoder decoder) {
        this.smarthost = smarthost;
        this.workers = workers;
        this.decoder = decoder;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof SubmissionAnswer answer) {
            answer(ctx, answer);
            return;
        }
        SubmissionDecoder.Received received = (SubmissionDecoder.Received) msg;
        if (ctx.pipeline().get("readTimeout") != null) {
            ctx.pipeline().remove("readTimeout");
        }
        working = true;
        try {
            workers.execute(() -> {
                SubmissionAnswer answer;
                try {
                    answer = smarthost.submit(received.request().options(), received.message());
                } catch (RuntimeException e) {
                    LOG.error("submission failed", e);
                    answer = new SubmissionAnswer(451, ExitStatus.SOFTWARE, "internal error: " + e);
                }
                SubmissionAnswer result = answer;
                ctx.executor().execute(() -> {
                    working = false;
                    decoder.releaseBudget(); // the smarthost is done with the bytes
                    answer(ctx, result);
                });
            });
        } catch (RejectedExecutionException e) {
            LOG.warn("submission refused for now: no worker free, or the smarthost is shutting down (busy)");
            working = false;
            decoder.releaseBudget();
            answer(ctx, SubmissionAnswer.tempFail("the smarthost is busy or shutting down"));
        }
    }

    private void answer(ChannelHandlerContext ctx, SubmissionAnswer answer) {
        if (answered) {
            return;
        }
        answered = true;
        ctx.writeAndFlush(Unpooled.copiedBuffer(answer.line() + "\n", StandardCharsets.UTF_8))
                .addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (!decoder.complete()) {
            LOG.warn("client went away {}; nothing relayed", decoder.progress());
        }
        if (!working) {
            decoder.releaseBudget();
        }
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof ReadTimeoutException) {
            LOG.warn("client too slow: no data for the read timeout {}; nothing relayed", decoder.progress());
            answer(ctx, SubmissionAnswer.tempFail("read timeout"));
            return;
        }
        if (cause instanceof MessageDeadline.Expired expired) {
            LOG.warn("client too slow: {} {}; nothing relayed", expired.getMessage(), decoder.progress());
            answer(ctx, SubmissionAnswer.tempFail(expired.getMessage()));
            return;
        }
        LOG.warn("client connection failed {}: {}", decoder.progress(), cause.toString());
        ctx.close();
    }
}
