package org.postseal.smarthost;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.postseal.transport.MemoryBudget;
import org.postseal.sendmail.SendmailOptions;

class SubmissionDecoderTest {
    private static final long LIMIT = 10_000;
    private static final SendmailOptions OPTIONS = SendmailOptions.builder().extractRecipients(true)
            .ignoreDots(true).envelopeFrom("a@example.org").fullName("Jérôme ✉").recipients("b@example.net",
                    "c@example.net").build();
    /** A body that looks like the header's end and like another request, with every byte value. */
    private static final byte[] BODY = body();

    private static byte[] body() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes("Subject: x\n\n\nPOSTSEAL-SUBMIT 1\nsize: 3\n\n.\r\n".getBytes(StandardCharsets.UTF_8));
        for (int i = 0; i < 256; i++) {
            out.write(i);
        }
        return out.toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    private static byte[] request(byte[] body) {
        return concat(SubmissionProtocol.header(OPTIONS, body.length), body);
    }

    private static EmbeddedChannel channel() {
        return new EmbeddedChannel(new SubmissionDecoder(LIMIT));
    }

    private static SubmissionDecoder decoder(EmbeddedChannel channel) {
        return channel.pipeline().get(SubmissionDecoder.class);
    }

    /** Feeds the chunks; returns everything the decoder emitted, and checks the channel holds nothing more. */
    private static List<Object> feed(EmbeddedChannel channel, byte[]... chunks) {
        for (byte[] chunk : chunks) {
            channel.writeInbound(Unpooled.wrappedBuffer(chunk));
        }
        List<Object> out = new ArrayList<>();
        for (Object o; (o = channel.readInbound()) != null; ) {
            out.add(o);
        }
        return out;
    }

    private static void assertReceived(byte[] body, List<Object> out) {
        assertEquals(1, out.size(), out.toString());
        SubmissionDecoder.Received received = assertInstanceOf(SubmissionDecoder.Received.class, out.get(0));
        assertArrayEquals(body, received.message());
        assertEquals(body.length, received.request().size());
        assertEquals(OPTIONS.toString(), received.request().options().toString());
    }

    @Test
    void wholeRequestInOneChunk() {
        EmbeddedChannel channel = channel();

        assertReceived(BODY, feed(channel, request(BODY)));
        assertTrue(decoder(channel).complete());
        assertEquals("after the whole request", decoder(channel).progress());
        assertFalse(channel.finish());
    }

    @Test
    void requestSplitAtEveryPosition() {
        byte[] request = request(BODY);
        for (int split = 0; split <= request.length; split++) {
            EmbeddedChannel channel = channel();

            List<Object> out = feed(channel, Arrays.copyOfRange(request, 0, split),
                    Arrays.copyOfRange(request, split, request.length));

            assertReceived(BODY, out);
            assertFalse(channel.finish(), "split at " + split);
        }
    }

    @Test
    void requestInThreeChunksAtEveryPairOfPositions() {
        byte[] request = request("Subject: x\n\nhello\n".getBytes(StandardCharsets.US_ASCII));
        for (int a = 0; a <= request.length; a++) {
            for (int b = a; b <= request.length; b++) {
                EmbeddedChannel channel = channel();

                List<Object> out = feed(channel, Arrays.copyOfRange(request, 0, a), Arrays.copyOfRange(request, a, b),
                        Arrays.copyOfRange(request, b, request.length));

                assertReceived("Subject: x\n\nhello\n".getBytes(StandardCharsets.US_ASCII), out);
            }
        }
    }

    @Test
    void requestOneByteAtATime() {
        byte[] request = request(BODY);
        EmbeddedChannel channel = channel();
        List<Object> out = new ArrayList<>();
        for (int i = 0; i < request.length; i++) {
            out.addAll(feed(channel, new byte[] {request[i]}));
            assertEquals(i == request.length - 1 ? 1 : 0, out.size(), "after byte " + i);
        }
        assertReceived(BODY, out);
    }

    @Test
    void crlfHeaderLinesAreRead() {
        byte[] header = new String(SubmissionProtocol.header(OPTIONS, BODY.length), StandardCharsets.UTF_8)
                .replace("\n", "\r\n").getBytes(StandardCharsets.UTF_8);

        assertReceived(BODY, feed(channel(), concat(header, BODY)));
    }

    @Test
    void emptyMessage() {
        assertReceived(new byte[0], feed(channel(), request(new byte[0])));
    }

    @Test
    void messageAtTheLimitIsRead() {
        byte[] body = new byte[(int) LIMIT];
        Arrays.fill(body, (byte) 'x');

        assertReceived(body, feed(channel(), request(body)));
    }

    @Test
    void bytesAfterTheMessageAreIgnored() {
        EmbeddedChannel channel = channel();

        List<Object> out = feed(channel, concat(request(BODY), request(BODY)), "more\n\n".getBytes());

        assertReceived(BODY, out);
        assertTrue(decoder(channel).complete());
        assertFalse(channel.finish());
    }

    @Test
    void tooBigIsAnsweredWithoutReadingTheBody() {
        EmbeddedChannel channel = channel();

        List<Object> out = feed(channel, SubmissionProtocol.header(OPTIONS, LIMIT + 1));

        assertEquals(List.of(SubmissionAnswer.tooBig(LIMIT)), out);
        assertEquals("552 65 message refused: larger than the limit of 10000 bytes", out.get(0).toString());
        assertTrue(decoder(channel).complete());
        assertEquals(List.of(), feed(channel, new byte[(int) LIMIT + 1]), "the body that follows is skipped");
        assertFalse(channel.finish());
    }

    @Test
    void tooBigAnnouncedWithAHugeSizeIsAnsweredToo() {
        List<Object> out = feed(channel(), SubmissionProtocol.header(OPTIONS, Long.MAX_VALUE));

        assertEquals(List.of(SubmissionAnswer.tooBig(LIMIT)), out);
    }

    @Test
    void badGreetingIsRefused() {
        EmbeddedChannel channel = channel();

        List<Object> out = feed(channel, "EHLO localhost\r\nsize: 3\r\n\r\nabc".getBytes(StandardCharsets.US_ASCII));

        assertEquals(1, out.size(), out.toString());
        SubmissionAnswer answer = assertInstanceOf(SubmissionAnswer.class, out.get(0));
        assertEquals(554, answer.code());
        assertEquals(64, answer.exitStatus());
        assertEquals("bad request: not a postseal submission (expected \"POSTSEAL-SUBMIT 1\")", answer.text());
        assertTrue(decoder(channel).complete());
        assertFalse(channel.finish());
    }

    @Test
    void unknownFieldIsRefused() {
        List<Object> out = feed(channel(), "POSTSEAL-SUBMIT 1\npriority: high\nsize: 3\n\nabc".getBytes());

        assertEquals(List.of(new SubmissionAnswer(554, 64, "bad request: unknown request field: priority")), out);
    }

    /** Feeds the chunks, failing if the pipeline reports an exception instead of only the answer. */
    private static List<Object> feedCleanly(EmbeddedChannel channel, byte[]... chunks) {
        return assertDoesNotThrow(() -> feed(channel, chunks), "the refusal must be the only outcome");
    }

    private static void assertHeaderTooLong(List<Object> out) {
        assertEquals(List.of(SubmissionAnswer.badMessage("request header too long")), out);
    }

    @Test
    void headerOverTheLimitInManyLinesIsRefused() {
        StringBuilder header = new StringBuilder(SubmissionProtocol.GREETING).append('\n');
        while (header.length() <= SubmissionProtocol.MAX_HEADER_BYTES) {
            header.append("recipient: someone@example.net\n");
        }
        header.append("size: 3\n\nabc");
        byte[] bytes = header.toString().getBytes(StandardCharsets.US_ASCII);
        EmbeddedChannel channel = channel();
        List<Object> out = new ArrayList<>();
        for (int i = 0; i < bytes.length; i += 1000) {
            out.addAll(feed(channel, Arrays.copyOfRange(bytes, i, Math.min(bytes.length, i + 1000))));
        }

        assertHeaderTooLong(out);
        assertTrue(decoder(channel).complete());
    }

    /**
     * One header line longer than the limit, arriving in 4 KB chunks: the decoder never consumes the unfinished
     * line, so the chunk that crosses the limit is refused without a byte read, which Netty's ByteToMessageDecoder
     * reports as a DecoderException ("decode() did not read anything but decoded a message").
     */
    @Test
    void headerLineOverTheLimitArrivingInSmallChunksIsRefused() {
        EmbeddedChannel channel = channel();
        List<Object> out = new ArrayList<>(feed(channel, "POSTSEAL-SUBMIT 1\nrecipient: ".getBytes()));
        byte[] chunk = new byte[4096];
        Arrays.fill(chunk, (byte) 'x');
        for (int i = 0; i < 20 && out.isEmpty(); i++) {
            out.addAll(feedCleanly(channel, chunk));
        }

        assertHeaderTooLong(out);
        assertEquals(List.of(), feed(channel, chunk, "\nsize: 1\n\nx".getBytes()), "the rest is skipped");
    }

    /**
     * A client that sends more than 64 KB without a line break at once (a binary file piped to the socket, say)
     * must get the same refusal, and only that. The decoder refuses without consuming a byte, which Netty's
     * ByteToMessageDecoder reports as "decode() did not read anything but decoded a message" (a DecoderException
     * after the answer): SubmissionHandler then logs a connection failure and closes the channel right behind the
     * answer it is writing.
     */
    @Test
    void headerOverTheLimitInOneChunkIsRefusedCleanly() {
        byte[] blob = new byte[SubmissionProtocol.MAX_HEADER_BYTES + 100];
        Arrays.fill(blob, (byte) 'x');
        EmbeddedChannel channel = channel();

        List<Object> out = feedCleanly(channel, blob);

        assertHeaderTooLong(out);
        assertFalse(channel.finish());
    }

    /** Same, a single too-long line that ends in the chunk: it is not consumed either. */
    @Test
    void firstLineOverTheLimitInOneChunkIsRefusedCleanly() {
        byte[] blob = new byte[SubmissionProtocol.MAX_HEADER_BYTES + 100];
        Arrays.fill(blob, (byte) 'x');
        blob[blob.length - 1] = '\n';
        EmbeddedChannel channel = channel();

        List<Object> out = feedCleanly(channel, blob);

        assertHeaderTooLong(out);
        assertFalse(channel.finish());
    }

    @Test
    void headerAtTheLimitIsRead() {
        String start = SubmissionProtocol.GREETING + "\nsize: 3\nrecipient: ";
        String end = "@example.net\n\n";
        String header = start + "x".repeat(SubmissionProtocol.MAX_HEADER_BYTES - start.length() - end.length()) + end;
        assertEquals(SubmissionProtocol.MAX_HEADER_BYTES, header.length());

        List<Object> out = feed(channel(), (header + "abc").getBytes(StandardCharsets.US_ASCII));

        assertEquals(1, out.size(), out.toString());
        assertArrayEquals("abc".getBytes(), ((SubmissionDecoder.Received) out.get(0)).message());
    }

    @Test
    void partialBodyEmitsNothingAndSaysHowFarItGot() {
        EmbeddedChannel channel = channel();
        byte[] header = SubmissionProtocol.header(OPTIONS, BODY.length);

        assertEquals(List.of(), feed(channel, Arrays.copyOf(header, 5)));
        assertEquals("during the request header", decoder(channel).progress());
        assertEquals(List.of(), feed(channel, Arrays.copyOfRange(header, 5, header.length)));
        assertEquals("after 0 of " + BODY.length + " message bytes", decoder(channel).progress());
        assertEquals(List.of(), feed(channel, Arrays.copyOf(BODY, 17)));
        assertEquals("after 17 of " + BODY.length + " message bytes", decoder(channel).progress());
        assertFalse(decoder(channel).complete());

        assertFalse(channel.finish(), "the partial message is dropped when the client goes away");
        assertNull(channel.readInbound());
    }

    @Test
    void inputBuffersAreReleased() {
        EmbeddedChannel channel = channel();
        ByteBuf first = Unpooled.copiedBuffer(request(BODY));
        ByteBuf extra = Unpooled.copiedBuffer("trailing".getBytes());

        channel.writeInbound(first);
        channel.writeInbound(extra);
        channel.finishAndReleaseAll();

        assertEquals(0, first.refCnt());
        assertEquals(0, extra.refCnt());
    }

    @Test
    void messagesOverTheSharedMemoryBudgetAreTemporarilyRefusedUntilItFrees() {
        MemoryBudget budget = new MemoryBudget(BODY.length + 10);
        EmbeddedChannel first = new EmbeddedChannel(new SubmissionDecoder(LIMIT, budget));
        EmbeddedChannel second = new EmbeddedChannel(new SubmissionDecoder(LIMIT, budget));
        assertReceived(BODY, feed(first, request(BODY)));
        assertEquals(BODY.length, budget.used());

        List<Object> refused = feed(second, request(BODY));
        assertEquals(1, refused.size(), refused.toString());
        SubmissionAnswer answer = assertInstanceOf(SubmissionAnswer.class, refused.get(0));
        assertEquals(451, answer.code());
        assertEquals(75, answer.exitStatus());

        first.close(); // the first connection ends: its bytes go back to the budget
        assertEquals(0, budget.used());
        EmbeddedChannel third = new EmbeddedChannel(new SubmissionDecoder(LIMIT, budget));
        assertReceived(BODY, feed(third, request(BODY)));
        third.close();
        second.close();
        assertEquals(0, budget.used());
    }
}
