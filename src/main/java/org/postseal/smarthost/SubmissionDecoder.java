package org.postseal.smarthost;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.postseal.transport.MemoryBudget;

/**
 * Reads one {@link SubmissionProtocol} request from a connection: the header lines, then the announced number of message
 * bytes, and emits a {@link Received}. A header that is not a request, or a size over the limit, is answered at once
 * (emitting an {@link SubmissionAnswer}) without reading the message. The message's memory is taken from the shared
 * budget as its bytes arrive ({@link MessageBuffer}); when the budget is spent, the request is answered with a
 * temporary failure. A connection that ends before the last byte emits nothing: the partial message is dropped.
 */
final class SubmissionDecoder extends ByteToMessageDecoder {
    private static final Logger LOG = LoggerFactory.getLogger(SubmissionDecoder.class);

    private enum State {
        HEADER, BODY, DONE
    }

    /** A whole request. */
    record Received(SubmissionProtocol.Request request, byte[] message) {
    }

    private final long maxMessageBytes;
    private final MemoryBudget budget;
    private final List<String> lines = new ArrayList<>();
    private State state = State.HEADER;
    private int headerBytes;
    private SubmissionProtocol.Request request;
    private MessageBuffer message;

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
                    if (!message.read(in)) {
                        LOG.warn("submission refused for now {}: the memory budget is spent (busy)",
                                message.progress());
                        refuse(in, out, SubmissionAnswer.tempFail(
                                "the smarthost is busy with other large messages"));
                        return;
                    }
                    if (!message.complete()) {
                        return;
                    }
                    state = State.DONE;
                    out.add(new Received(request, message.message()));
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
            if (headerBytes + in.readableBytes() > SubmissionProtocol.MAX_HEADER_BYTES) {
                refuse(in, out, SubmissionAnswer.badMessage("request header too long"));
            }
            return false;
        }
        int length = eol - in.readerIndex();
        headerBytes += length + 1;
        if (headerBytes > SubmissionProtocol.MAX_HEADER_BYTES) {
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
            request = SubmissionProtocol.parse(lines);
        } catch (IllegalArgumentException e) {
            refuse(in, out, new SubmissionAnswer(554, 64, "bad request: " + e.getMessage()));
            return false;
        }
        if (request.size() > maxMessageBytes) {
            LOG.warn("submission refused: {} bytes announced, the limit is {}", request.size(), maxMessageBytes);
            refuse(in, out, SubmissionAnswer.tooBig(maxMessageBytes));
            return false;
        }
        message = new MessageBuffer(budget, request.size()); // charged as the bytes arrive, not as announced
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
            case BODY -> message.progress();
            case DONE -> "after the whole request";
        };
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        releaseBudget();
    }

    /** Gives the message's bytes back to the budget (when the connection ends). */
    void releaseBudget() {
        if (message != null) {
            message.release();
        }
    }

    boolean complete() {
        return state == State.DONE;
    }
}
