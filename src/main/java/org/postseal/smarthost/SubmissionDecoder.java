package org.postseal.smarthost;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads one {@link SubmitProtocol} request from a connection: the header lines, then the announced number of message
 * bytes, and emits a {@link Received}. A header that is not a request, or a size over the limit, is answered at once
 * (emitting an {@link SubmissionAnswer}) without reading the message. A connection that ends before the last byte
 * emits nothing: the partial message is dropped.
 */
final class SubmissionDecoder extends ByteToMessageDecoder {
    private static final Logger LOG = LoggerFactory.getLogger(SubmissionDecoder.class);

    private enum State {
        HEADER, BODY, DONE
    }

    /** A whole request. */
    record Received(SubmitProtocol.Request request, byte[] message) {
    }

    private final long maxMessageBytes;
    private final MemoryBudget budget;
    private long reserved;
    private final List<String> lines = new ArrayList<>();
    private State state = State.HEADER;
    private int headerBytes;
    private SubmitProtocol.Request request;
    private byte[] message;
    private int filled;

    SubmissionDecoder(long maxMessageBytes) {
        this(maxMessageBytes, new MemoryBudget(Long.MAX_VALUE));
    }

    /** @param budget shared by every connection: the message bytes held at once */
    SubmissionDecoder(long maxMessageBytes, MemoryBudget budget) {
        this.maxMessageBytes = maxMessageBytes;
        this.budget = budget;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        while (true) {
            switch (state) {
                case HEADER -> {
                    if (!readHeaderLine(in, out)) {
                        return;
                    }
                }
                case BODY -> {
                    int n = Math.min(in.readableBytes(), message.length - filled);
                    in.readBytes(message, filled, n);
                    filled += n;
                    if (filled < message.length) {
                        return;
                    }
                    state = State.DONE;
                    out.add(new Received(request, message));
                    message = null;
                }
                case DONE -> {
                    in.skipBytes(in.readableBytes());
                    return;
                }
                default -> throw new IllegalStateException("state " + state);
            }
        }
    }

    /** Reads one header line; false when more bytes are needed or the request ended in an answer. */
    private boolean readHeaderLine(ByteBuf in, List<Object> out) {
        int eol = in.indexOf(in.readerIndex(), in.writerIndex(), (byte) '\n');
        if (eol < 0) {
            if (headerBytes + in.readableBytes() > SubmitProtocol.MAX_HEADER_BYTES) {
                refuse(in, out, SubmissionAnswer.badMessage("request header too long"));
            }
            return false;
        }
        int length = eol - in.readerIndex();
        headerBytes += length + 1;
        if (headerBytes > SubmitProtocol.MAX_HEADER_BYTES) {
            refuse(in, out, SubmissionAnswer.badMessage("request header too long"));
            return false;
        }
        String line = in.readCharSequence(length, StandardCharsets.UTF_8).toString();
        in.skipBytes(1);
        if (line.endsWith("\r")) {
            line = line.substring(0, line.length() - 1);
        }
        if (!line.isEmpty()) {
            lines.add(line);
            return true;
        }
        try {
            request = SubmitProtocol.parse(lines);
        } catch (IllegalArgumentException e) {
            refuse(in, out, new SubmissionAnswer(554, 64, "bad request: " + e.getMessage()));
            return false;
        }
        if (request.size() > maxMessageBytes) {
            LOG.warn("submission refused: {} bytes announced, the limit is {}", request.size(), maxMessageBytes);
            refuse(in, out, SubmissionAnswer.tooBig(maxMessageBytes));
            return false;
        }
        if (!budget.reserve(request.size())) {
            LOG.warn("submission refused for now: {} bytes would go over the memory budget (busy)", request.size());
            refuse(in, out, SubmissionAnswer.tempFail("the smarthost is busy with other large messages"));
            return false;
        }
        reserved = request.size();
        message = new byte[(int) request.size()];
        filled = 0;
        state = State.BODY;
        return true;
    }

    private void refuse(ByteBuf in, List<Object> out, SubmissionAnswer answer) {
        in.skipBytes(in.readableBytes()); // nothing more of this request is read
        state = State.DONE;
        out.add(answer);
    }

    /** How much of the message arrived, for the log line when the client goes away. */
    String progress() {
        return switch (state) {
            case HEADER -> "during the request header";
            case BODY -> "after " + filled + " of " + message.length + " message bytes";
            case DONE -> "after the whole request";
        };
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        releaseBudget();
    }

    /** Gives the message's bytes back to the budget (when the connection ends). */
    void releaseBudget() {
        if (reserved > 0) {
            budget.release(reserved);
            reserved = 0;
        }
    }

    boolean complete() {
        return state == State.DONE;
    }
}
