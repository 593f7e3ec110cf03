package org.postseal.smtp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.smtp.SmtpRequestEncoder;
import io.netty.handler.codec.smtp.SmtpResponseDecoder;
import io.netty.handler.stream.ChunkedWriteHandler;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.junit.jupiter.api.Timeout;
import org.postseal.fuzz.FuzzSupport;

/**
 * Fuzzes the smarthost's SMTP client with whatever a relay server might answer: the replies are read by Netty's
 * {@code SmtpResponseDecoder} as the client reads them, and drive {@link SmtpSession}'s state machine (EHLO
 * extensions, PIPELINING, RCPT outcomes, DATA) on an {@link EmbeddedChannel}. Beyond not crashing: the delivery report
 * always completes, when the replies run out or the connection ends, and never with an internal error; it is the
 * same, and so are the commands the client wrote, whether the replies arrive whole or cut anywhere; and every
 * recipient gets exactly one outcome. The EHLO keyword parser is fed the same lines: it never fails, keeps keywords
 * in upper case and never reads a negative SIZE.
 */
@Timeout(10)
class SmtpSessionFuzzTest {
    private static final byte[] MESSAGE = ("From: a@example.org\r\nTo: b@example.net\r\nSubject: fuzz\r\n\r\n"
            + "Hello.\r\n.leading dot\r\n").getBytes(StandardCharsets.US_ASCII);
    private static final Envelope ENVELOPE = new Envelope("a@example.org", List.of("b@example.net", "c@example.net"));

    @FuzzTest(maxDuration = "30s")
    void replies(byte[] input) {
        String whole = deliver(List.of(input));
        // Netty's decoder names the line it choked on, which can differ with the cut (fuzz findings): the outcome
        // and the commands written must not
        assertEquals(withoutInvalidLine(whole), withoutInvalidLine(deliver(FuzzSupport.chunks(input))), "in chunks");

        ServerExtensions extensions = ServerExtensions.parse(List.of(
                new String(input, StandardCharsets.UTF_8).split("\r?\n", -1)));
        assertTrue(extensions.sizeLimit() >= 0);
        for (String keyword : extensions.keywords()) {
            assertEquals(keyword.toUpperCase(Locale.ROOT), keyword);
            assertFalse(keyword.isEmpty());
        }
    }

    private static boolean serverSaid(List<byte[]> chunks, String words) {
        StringBuilder all = new StringBuilder();
        chunks.forEach(chunk -> all.append(new String(chunk, StandardCharsets.ISO_8859_1)));
        return all.toString().contains(words);
    }

    private static String withoutInvalidLine(String report) {
        // and when it fails inside a reply, its message describes the buffer it read from, which the cut changes
        return report.replaceAll("Received invalid line: '[^\\]]*?'(?=\\])", "Received invalid line: ...")
                .replaceAll("exceeds writerIndex\\(\\d+\\): [^\\]]*?(?=\\])", "exceeds writerIndex: ...");
    }

    /** The commands written and the report, for replies arriving in these chunks and then the connection closing. */
    private static String deliver(List<byte[]> chunks) {
        SmtpSession session = new SmtpSession(SmtpEndpoint.plain("mx.example.net", 25), ENVELOPE,
                MessageSource.of(MESSAGE), MESSAGE.length, false, Optional.empty(), null);
        EmbeddedChannel channel = new EmbeddedChannel(new SmtpResponseDecoder(8192), new SmtpRequestEncoder(),
                new ChunkedWriteHandler(), session);
        StringBuilder written = new StringBuilder();
        for (byte[] chunk : chunks) {
            if (!channel.isOpen()) {
                break;
            }
            channel.writeInbound(Unpooled.wrappedBuffer(chunk));
            channel.runPendingTasks();
            drain(channel, written);
        }
        channel.close();
        channel.runPendingTasks();
        drain(channel, written);
        channel.checkException();
        assertTrue(session.report().isDone(), "no report once the connection ended");
        DeliveryReport report = session.report().join();
        assertEquals(ENVELOPE.recipients(), report.results().stream().map(RecipientResult::recipient).toList());
        for (RecipientResult result : report.results()) {
            // the client's own failure, unless the server's reply said those words (a fuzz finding)
            assertFalse(result.reply().text().contains("internal error") && !serverSaid(chunks, "internal error"),
                    result.reply().toString());
        }
        channel.finishAndReleaseAll();
        return written + "=> " + report;
    }

    private static void drain(EmbeddedChannel channel, StringBuilder written) {
        for (Object o; (o = channel.readOutbound()) != null; ) {
            if (o instanceof ByteBuf buf) {
                written.append(buf.toString(StandardCharsets.ISO_8859_1));
                buf.release();
            }
        }
    }
}
