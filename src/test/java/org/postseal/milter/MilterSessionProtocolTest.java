package org.postseal.milter;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nightcode.milter.codec.MilterPacket;
import org.postseal.dkim.DkimSigner;
import org.postseal.signing.OnError;
import org.postseal.signing.SignatureChoice;
import org.postseal.transport.MemoryBudget;

/**
 * The session's protocol rules on an {@link EmbeddedChannel} holding the decoder and the channel handler as the
 * server has them (no socket, no encoders: replies are read as packets): OPTNEG first and once, unknown commands
 * refused, and each refusal closes the connection.
 */
class MilterSessionProtocolTest {
    private static final SigningPort NEVER_ASKED = new SigningPort() {
        @Override
        public Optional<SignatureChoice.Skip> mayClientSign(MessageContext context) {
            throw new AssertionError("no message gets this far");
        }

        @Override
        public SignatureChoice select(MessageContext context) {
            throw new AssertionError("no message gets this far");
        }
    };

    private final EmbeddedChannel channel = new EmbeddedChannel(
            new MilterFrameDecoder(65536, new MemoryBudget(1 << 20), Duration.ofSeconds(30)),
            new MilterChannelHandler(newSession(), org.postseal.events.MailEvents.NONE));

    @AfterEach
    void release() {
        channel.finishAndReleaseAll();
    }

    @ParameterizedTest
    @ValueSource(chars = {'A', 'B', 'C', 'E', 'H', 'K', 'L', 'M', 'N', 'Q', 'R', 'T', 'U', 'Z'})
    void aCommandBeforeOptnegClosesTheConnection(char code) {
        send(code, new byte[0]);
        assertNull(channel.readOutbound(), "no reply");
        assertFalse(channel.isOpen());
    }

    @Test
    void macrosMayComeBeforeOptneg() {
        send('D', new byte[] {'C', 'j', 0, 'h', 0});
        assertTrue(channel.isOpen());
        assertEquals('O', optneg().command());
    }

    @Test
    void aSecondOptnegClosesTheConnection() {
        MilterPacket answer = optneg();
        assertEquals('O', answer.command());
        assertArrayEquals(Negotiation.answer(6, MilterTestClient.POSTFIX_ACTIONS, MilterTestClient.POSTFIX_STEPS_V6)
                .payload(), answer.payload());
        send('O', MilterTestClient.ints(6, MilterTestClient.POSTFIX_ACTIONS, MilterTestClient.POSTFIX_STEPS_V6));
        assertNull(channel.readOutbound());
        assertFalse(channel.isOpen());
    }

    @Test
    void anUnknownCommandAfterOptnegClosesTheConnection() {
        optneg();
        send('Z', new byte[] {1, 2, 3});
        assertNull(channel.readOutbound());
        assertFalse(channel.isOpen());
    }

    @Test
    void theSessionThrowsWhatTheHandlerTurnsIntoAClose() {
        MilterSession session = newSession();
        assertEquals("command 'M' before option negotiation", assertThrows(MilterProtocolException.class,
                () -> session.handle(new MilterCommand(MilterCommand.MAIL, new byte[] {'<', '>', 0}))).getMessage());
        session.handle(new MilterCommand(MilterCommand.OPTION_NEGOTIATION,
                MilterTestClient.ints(2, MilterTestClient.POSTFIX_ACTIONS, MilterTestClient.POSTFIX_STEPS_V2)));
        assertEquals("option negotiation repeated", assertThrows(MilterProtocolException.class,
                () -> session.handle(new MilterCommand(MilterCommand.OPTION_NEGOTIATION,
                        MilterTestClient.ints(2, MilterTestClient.POSTFIX_ACTIONS, 0)))).getMessage());
    }

    private MilterPacket optneg() {
        send('O', MilterTestClient.ints(6, MilterTestClient.POSTFIX_ACTIONS, MilterTestClient.POSTFIX_STEPS_V6));
        assertTrue(channel.isOpen());
        return channel.readOutbound();
    }

    private void send(char code, byte[] payload) {
        channel.writeInbound(Unpooled.wrappedBuffer(ByteBuffer.allocate(5 + payload.length)
                .putInt(payload.length + 1).put((byte) code).put(payload).array()));
    }

    private static MilterSession newSession() {
        return new MilterSession(NEVER_ASKED, new DkimSigner(Clock.systemUTC()), OnError.ACCEPT, 65536);
    }
}
