package org.postseal.milter;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.postseal.transport.MemoryBudget;

/**
 * Splits the byte stream into milter commands: a 4-byte network-order length, then that many bytes (the command
 * code and its payload).
 *
 * <p>Three bounds keep a client from holding memory every session shares. A length of zero or above the packet limit
 * is refused before any of it is buffered. The bytes of a packet not yet complete are charged to the server's
 * {@link MemoryBudget} as they arrive (the buffer grows with what came, not with what the prefix announced); a
 * connection whose bytes would exceed it is closed. And a packet must arrive whole within the command timeout of its
 * first byte; one that does not closes the connection. Each refusal is a {@link MilterProtocolException}, which closes
 * this connection only.
 */
public final class MilterFrameDecoder extends ByteToMessageDecoder {
    private final int maxFrame;
    private final MemoryBudget memory;
    private final long timeoutNanos;

    private long charged;
    private long partialSince = -1;
    private ScheduledFuture<?> deadline;

    /**
     * @throws IllegalArgumentException if {@code maxFrame} is below 65536 (Postfix's body chunk plus its code)
     */
    MilterFrameDecoder(int maxFrame, MemoryBudget memory, Duration commandTimeout) {
        if (maxFrame < 65536) {
            throw new IllegalArgumentException("maxFrame: " + maxFrame + " (expected: >= 65536)");
        }
        this.maxFrame = maxFrame;
        this.memory = memory;
        this.timeoutNanos = commandTimeout.toNanos();
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        boolean completed = false;
        while (in.readableBytes() >= 4) {
            long length = in.getUnsignedInt(in.readerIndex());
            if (length < 1 || length > maxFrame) {
                in.skipBytes(in.readableBytes());
                String problem = "packet length " + length + " (expected: 1 to " + maxFrame + ")";
                throw length < 1 ? new MilterProtocolException(problem) : MilterProtocolException.limit(problem);
            }
            if (in.readableBytes() < 4 + length) {
                break;
            }
            in.skipBytes(4);
            byte code = in.readByte();
            byte[] payload = new byte[(int) length - 1];
            in.readBytes(payload);
            out.add(new MilterCommand(code, payload));
            completed = true;
        }
        if (!hold(ctx, in.readableBytes(), completed)) {
            // dropped with the refusal: the decode that closing the connection runs finds nothing to refuse again
            in.skipBytes(in.readableBytes());
            hold(ctx, 0, completed);
            throw MilterProtocolException.limit("partial packets of all connections would exceed "
                    + memory.limit() + " bytes (limits.buffer-memory)");
        }
    }

    /**
     * Charges what is left of a packet still arriving, and watches its deadline.
     *
     * @return false, with nothing charged or changed, when the budget has no room for it
     */
    private boolean hold(ChannelHandlerContext ctx, int partial, boolean completed) {
        if (partial > charged) {
            if (!memory.reserve(partial - charged)) {
                return false;
            }
        } else {
            memory.release(charged - partial);
        }
        charged = partial;
        if (partial == 0) {
            partialSince = -1;
            cancelDeadline();
        } else if (partialSince < 0 || completed) {
            partialSince = System.nanoTime();
            cancelDeadline();
            deadline = ctx.executor().schedule(() -> checkDeadline(ctx), timeoutNanos, TimeUnit.NANOSECONDS);
        }
        return true;
    }

    private void checkDeadline(ChannelHandlerContext ctx) {
        deadline = null;
        if (partialSince < 0 || !ctx.channel().isActive()) {
            return;
        }
        long left = partialSince + timeoutNanos - System.nanoTime();
        if (left > 0) {
            deadline = ctx.executor().schedule(() -> checkDeadline(ctx), left, TimeUnit.NANOSECONDS);
            return;
        }
        ctx.fireExceptionCaught(MilterProtocolException.timeout("a packet did not arrive whole within "
                + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms (limits.command-timeout)"));
    }

    private void cancelDeadline() {
        if (deadline != null) {
            deadline.cancel(false);
            deadline = null;
        }
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        cancelDeadline();
        memory.release(charged);
        charged = 0;
        partialSince = -1;
    }
}
