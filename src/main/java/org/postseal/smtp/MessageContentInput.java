package org.postseal.smtp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.smtp.DefaultLastSmtpContent;
import io.netty.handler.codec.smtp.DefaultSmtpContent;
import io.netty.handler.codec.smtp.SmtpContent;
import io.netty.handler.stream.ChunkedInput;
import java.io.IOException;
import java.io.InputStream;

/**
 * The DATA section of one message as {@link SmtpContent} chunks for Netty's {@code ChunkedWriteHandler}, which reads
 * the next chunk only while the channel is writable: the message is streamed from its {@link InputStream} in
 * {@value #CHUNK}-byte reads and dot-stuffed on the way ({@link DotStuffer}); the last chunk is a
 * {@code LastSmtpContent}, after which {@code SmtpRequestEncoder} writes {@code .CRLF}.
 */
final class MessageContentInput implements ChunkedInput<SmtpContent> {
    static final int CHUNK = 64 * 1024;

    private final InputStream in;
    private final DotStuffer stuffer = new DotStuffer();
    private final byte[] buffer = new byte[CHUNK];
    private volatile long progress;
    private boolean ended;

    MessageContentInput(InputStream in) {
        this.in = in;
    }

    @Override
    public boolean isEndOfInput() {
        return ended;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }

    @Deprecated
    @Override
    public SmtpContent readChunk(ChannelHandlerContext ctx) throws IOException {
        return readChunk(ctx.alloc());
    }

    @Override
    public SmtpContent readChunk(ByteBufAllocator allocator) throws IOException {
        if (ended) {
            return null;
        }
        int n;
        do {
            n = in.read(buffer);
        } while (n == 0);
        ByteBuf out = allocator.buffer(n < 0 ? 2 : n + n / 16 + 2);
        try {
            if (n < 0) {
                stuffer.finish(out);
                ended = true;
                return new DefaultLastSmtpContent(out);
            }
            stuffer.stuff(buffer, 0, n, out);
            progress += n;
            return new DefaultSmtpContent(out);
        } catch (RuntimeException e) {
            out.release();
            throw e;
        }
    }

    @Override
    public long length() {
        return -1;
    }

    /** Message bytes read so far. */
    @Override
    public long progress() {
        return progress;
    }
}
