package org.postseal.milter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.postseal.transport.MemoryBudget;

/**
 * The milter framing on a fresh {@link EmbeddedChannel} per test: every command code split at every byte position,
 * a stream of commands split anywhere, the length prefixes at and beyond the bounds, and what is charged to the
 * memory budget meanwhile.
 */
class MilterFrameDecoderTest {
    private static final int LIMIT = 65536;
    /** Every SMFIC_* code, then codes the protocol does not have (the decoder keeps them for the session). */
    private static final byte[] CODES = {MilterCommand.ABORT, MilterCommand.BODY, MilterCommand.CONNECT,
        MilterCommand.MACRO, MilterCommand.END_OF_BODY, MilterCommand.HELO, MilterCommand.QUIT_NEW_CONNECTION,
        MilterCommand.HEADER, MilterCommand.MAIL, MilterCommand.END_OF_HEADERS, MilterCommand.OPTION_NEGOTIATION,
        MilterCommand.QUIT, MilterCommand.RECIPIENT, MilterCommand.DATA, MilterCommand.UNKNOWN, 'Z', 0, (byte) 0xff};

    private final MemoryBudget memory = new MemoryBudget(1 << 20);
    private final EmbeddedChannel channel = new EmbeddedChannel(
            new MilterFrameDecoder(LIMIT, memory, Duration.ofSeconds(30)));

    @AfterEach
    void release() {
        channel.finishAndReleaseAll();
    }

    @Test
    void everyCommandSplitAtEveryBytePosition() {
        for (byte code : CODES) {
            MilterCommand command = new MilterCommand(code, payload(code));
            byte[] frame = frame(command);
            for (int split = 0; split <= frame.length; split++) {
                channel.writeInbound(Unpooled.wrappedBuffer(frame, 0, split));
                if (split < frame.length) {
                    assertNull(channel.readInbound(), "a command before its last byte, split at " + split);
                    assertEquals(split, memory.used(), "charged while partial, split at " + split);
                }
                channel.writeInbound(Unpooled.wrappedBuffer(frame, split, frame.length - split));
                assertEquals(command, channel.readInbound(), (char) code + " split at " + split);
                assertNull(channel.readInbound());
                assertEquals(0, memory.used(), "released once whole");
            }
        }
    }

    @Test
    void aStreamOfCommandsSplitAnywhereOrByteByByteDecodesInOrder() {
        List<MilterCommand> commands = new ArrayList<>();
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        for (byte code : CODES) {
            MilterCommand command = new MilterCommand(code, payload(code));
            commands.add(command);
            stream.writeBytes(frame(command));
        }
        byte[] bytes = stream.toByteArray();
        for (int split = 0; split <= bytes.length; split++) {
            channel.writeInbound(Unpooled.wrappedBuffer(bytes, 0, split));
            channel.writeInbound(Unpooled.wrappedBuffer(bytes, split, bytes.length - split));
            assertEquals(commands, drain(), "split at " + split);
        }
        for (byte b : bytes) {
            channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
        }
        assertEquals(commands, drain(), "byte by byte");
        assertEquals(0, memory.used());
    }

    @Test
    void lengthOneIsACodeWithAnEmptyPayload() {
        channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {0, 0, 0, 1, 'Q'}));
        assertEquals(new MilterCommand(MilterCommand.QUIT, new byte[0]), channel.readInbound());
    }

    @Test
    void lengthAtTheLimitIsDecoded() {
        byte[] payload = new byte[LIMIT - 1];
        Arrays.fill(payload, (byte) 'b');
        channel.writeInbound(Unpooled.wrappedBuffer(frame(new MilterCommand(MilterCommand.BODY, payload))));
        MilterCommand command = channel.readInbound();
        assertEquals(LIMIT - 1, command.payload().length);
        assertEquals(0, memory.used());
    }

    @ParameterizedTest
    @ValueSource(longs = {0, LIMIT + 1, Integer.MAX_VALUE, 0xffffffffL})
    void lengthsOutsideOneToTheLimitAreRefusedAtThePrefix(long length) {
        ByteBuf prefix = Unpooled.buffer(4).writeInt((int) length);
        DecoderException e = assertThrows(DecoderException.class, () -> channel.writeInbound(prefix));
        assertInstanceOf(MilterProtocolException.class, e.getCause());
        assertEquals("packet length " + length + " (expected: 1 to " + LIMIT + ")", e.getCause().getMessage());
        assertEquals(0, memory.used(), "nothing of the announced packet is held");
        assertNull(channel.readInbound());
    }

    @Test
    void aPrefixAloneHoldsOnlyItsOwnBytesAndAnUnfinishedPrefixWaits() {
        channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {0, 0}));
        assertNull(channel.readInbound());
        channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {(byte) 0xff, (byte) 0xff, 'B', 'x'}));
        assertNull(channel.readInbound());
        assertEquals(6, memory.used(), "what arrived, not the 65535 bytes announced");
    }

    private List<MilterCommand> drain() {
        List<MilterCommand> out = new ArrayList<>();
        for (MilterCommand c = channel.readInbound(); c != null; c = channel.readInbound()) {
            out.add(c);
        }
        return out;
    }

    private static byte[] payload(byte code) {
        return ("payload of " + (code & 0xff) + "\0with a NUL\0").getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] frame(MilterCommand command) {
        byte[] payload = command.payload();
        return ByteBuffer.allocate(5 + payload.length).putInt(payload.length + 1).put(command.code()).put(payload)
                .array();
    }
}
