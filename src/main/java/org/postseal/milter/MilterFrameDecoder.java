package org.postseal.milter;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * Splits the byte stream into milter commands: a 4-byte network-order length, then that many bytes (the command
 * code and its payload). A length of zero or above the limit is refused before any of it is buffered, so one
 * client announcing a 2 GB packet cannot take the memory every session shares.
 */
public final class MilterFrameDecoder extends ByteToMessageDecoder {
    /** Postfix sends body chunks of at most 65535 bytes; headers are bounded by header_size_limit (100 KB). */
    public static final int DEFAULT_MAX_FRAME = 1 << 20;

    private final int maxFrame;

    /**
     * @throws IllegalArgumentException if {@code maxFrame} is below 65536 (Postfix's body chunk plus its code)
     */
    public MilterFrameDecoder(int maxFrame) {
        if (maxFrame < 65536) {
            throw new IllegalArgumentException("maxFrame: " + maxFrame + " (expected: >= 65536)");
        }
        this.maxFrame = maxFrame;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        while (in.readableBytes() >= 4) {
            long length = in.getUnsignedInt(in.readerIndex());
            if (length < 1 || length > maxFrame) {
                in.skipBytes(in.readableBytes());
                throw new MilterProtocolException("packet length " + length + " (expected: 1 to " + maxFrame + ")");
            }
            if (in.readableBytes() < 4 + length) {
                return;
            }
            in.skipBytes(4);
            byte code = in.readByte();
            byte[] payload = new byte[(int) length - 1];
            in.readBytes(payload);
            out.add(new MilterCommand(code, payload));
        }
    }
}
