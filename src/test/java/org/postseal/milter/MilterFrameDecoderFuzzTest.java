package org.postseal.milter;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Timeout;
import org.postseal.fuzz.FuzzSupport;
import org.postseal.transport.MemoryBudget;

/**
 * Fuzzes the milter framing, the first code every byte from the MTA's socket meets. The commands decoded, and the
 * refusal that ends the stream, are the same whether the bytes come whole or cut anywhere; the commands framed again
 * are exactly the bytes they came from, and what is left is a packet not yet complete; a refusal is a
 * {@link MilterProtocolException} with a message; the decoder never holds more than one packet's worth of partial
 * bytes (4 + the packet limit) or, with a tight shared budget, more than that budget; and it gives everything back to
 * the budget when the connection ends.
 */
@Timeout(10)
class MilterFrameDecoderFuzzTest {
    private static final int MAX_FRAME = 65536;

    @FuzzTest(maxDuration = "30s")
    void frames(byte[] input) {
        // a budget no single connection can exhaust (a partial packet is below 4 + MAX_FRAME bytes)
        Decoded whole = decode(List.of(input), 4 + MAX_FRAME);
        assertEquals(whole, decode(FuzzSupport.chunks(input), 4 + MAX_FRAME), "in chunks");

        ByteArrayOutputStream framed = new ByteArrayOutputStream();
        for (MilterCommand command : whole.commands()) {
            framed.writeBytes(frame(command));
        }
        byte[] consumed = framed.toByteArray();
        assertArrayEquals(Arrays.copyOf(input, consumed.length), consumed, "framed again");
        if (whole.refusal() == null) {
            int left = input.length - consumed.length;
            assertTrue(left < 4 || left < 4 + ByteBuffer.wrap(input, consumed.length, 4).getInt(),
                    "a whole packet left undecoded");
        }

        // a budget smaller than a packet: refused when exceeded, never exceeded
        decode(FuzzSupport.chunks(input), 1000);
    }

    /** The commands decoded and the refusal that ended the stream, if any. */
    record Decoded(List<MilterCommand> commands, String refusal) {
    }

    private static Decoded decode(List<byte[]> chunks, long budget) {
        MemoryBudget memory = new MemoryBudget(budget);
        EmbeddedChannel channel = new EmbeddedChannel(new MilterFrameDecoder(MAX_FRAME, memory,
                Duration.ofSeconds(30)));
        List<MilterCommand> commands = new ArrayList<>();
        String refusal = null;
        for (byte[] chunk : chunks) {
            try {
                channel.writeInbound(Unpooled.wrappedBuffer(chunk));
            } catch (DecoderException e) {
                MilterProtocolException cause = assertInstanceOf(MilterProtocolException.class, e.getCause());
                refusal = FuzzSupport.explained(cause).getMessage();
            }
            assertTrue(memory.used() < 4 + MAX_FRAME && memory.used() <= budget, memory.used() + " bytes held");
            for (Object o; (o = channel.readInbound()) != null; ) {
                commands.add((MilterCommand) o);
            }
            if (refusal != null) {
                break;
            }
        }
        channel.finishAndReleaseAll();
        assertEquals(0, memory.used(), "given back when the connection ends");
        return new Decoded(commands, refusal);
    }

    private static byte[] frame(MilterCommand command) {
        byte[] payload = command.payload();
        return ByteBuffer.allocate(5 + payload.length).putInt(payload.length + 1).put(command.code()).put(payload)
                .array();
    }
}
