package org.postseal.smarthost;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Timeout;
import org.postseal.fuzz.FuzzSupport;
import org.postseal.transport.MemoryBudget;

/**
 * Fuzzes the smarthost's request decoder, which reads whatever a local user writes to its socket. The byte stream
 * gives the same outcome whether it arrives whole or cut anywhere; the decoder never throws (the client always gets
 * an answer or a whole request); it emits at most one thing: an answer (a refusal with a code and text) or a request
 * whose message has exactly the announced size and that reads back the same when its header is written out by
 * {@link SubmissionProtocol#header}; memory taken from the budget is never more than twice the bytes sent and is all
 * given back when the connection ends. (Only with room for any message: with a tight budget a message sent in small
 * pieces may be refused as "busy" where the same bytes at once are not, as the buffer doubles while it grows.)
 */
@Timeout(10)
class SubmissionDecoderFuzzTest {
    private static final long MAX_MESSAGE = 4096;
    /** Small enough that a large message in small pieces runs out (the buffer doubles as it grows). */
    private static final long TIGHT_BUDGET = 3000;

    @FuzzTest(maxDuration = "30s")
    void request(byte[] input) {
        // with room for any message the outcome cannot depend on the cuts; a tight budget may refuse one later
        List<String> whole = decode(List.of(input), MAX_MESSAGE);
        assertEquals(whole, decode(FuzzSupport.chunks(input), MAX_MESSAGE), "in chunks");
        decode(FuzzSupport.chunks(input), TIGHT_BUDGET);
    }

    /** What the decoder emitted for these chunks, described; checks each emission and the budget on the way. */
    private static List<String> decode(List<byte[]> chunks, long budgetBytes) {
        MemoryBudget budget = new MemoryBudget(budgetBytes);
        SubmissionDecoder decoder = new SubmissionDecoder(MAX_MESSAGE, budget);
        EmbeddedChannel channel = new EmbeddedChannel(decoder);
        List<Object> out = new ArrayList<>();
        long sent = 0;
        for (byte[] chunk : chunks) {
            channel.writeInbound(Unpooled.wrappedBuffer(chunk));
            sent += chunk.length;
            for (Object o; (o = channel.readInbound()) != null; ) {
                out.add(o);
            }
            assertTrue(budget.used() <= 2 * sent, budget.used() + " bytes held after " + sent + " sent");
        }
        channel.checkException();
        assertTrue(out.size() <= 1, out.toString());
        List<String> described = new ArrayList<>();
        for (Object o : out) {
            if (o instanceof SubmissionAnswer answer) {
                assertTrue(answer.code() >= 400, answer.toString());
                FuzzSupport.explained(new IllegalArgumentException(answer.text()));
                described.add(answer.line());
            } else {
                SubmissionDecoder.Received received = assertInstanceOf(SubmissionDecoder.Received.class, o);
                assertEquals(received.request().size(), received.message().length);
                assertTrue(received.message().length <= MAX_MESSAGE);
                checkRoundTrip(received);
                described.add(received.request().options() + " " + received.request().size() + " "
                        + java.util.Arrays.hashCode(received.message()));
            }
        }
        channel.finishAndReleaseAll();
        assertEquals(0, budget.used(), "budget given back when the connection ends");
        return described;
    }

    /** The request written out by the client's own code and read again is the same request. */
    private static void checkRoundTrip(SubmissionDecoder.Received received) {
        ByteArrayOutputStream again = new ByteArrayOutputStream();
        again.writeBytes(SubmissionProtocol.header(received.request().options(), received.request().size()));
        again.writeBytes(received.message());
        EmbeddedChannel channel = new EmbeddedChannel(new SubmissionDecoder(MAX_MESSAGE));
        channel.writeInbound(Unpooled.wrappedBuffer(again.toByteArray()));
        SubmissionDecoder.Received reread = assertInstanceOf(SubmissionDecoder.Received.class, channel.readInbound());
        assertEquals(received.request().options().toString(), reread.request().options().toString());
        assertEquals(received.request().size(), reread.request().size());
        assertArrayEquals(received.message(), reread.message());
        channel.finishAndReleaseAll();
    }
}
