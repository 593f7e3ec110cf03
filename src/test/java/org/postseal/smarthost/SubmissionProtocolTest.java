package org.postseal.smarthost;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.postseal.sendmail.SendmailOptions;

class SubmissionProtocolTest {
    /** The header's lines without the final blank line, as the decoder hands them to parse(). */
    static List<String> lines(byte[] header) {
        String text = new String(header, StandardCharsets.UTF_8);
        assertTrue(text.endsWith("\n\n"), text);
        return Arrays.asList(text.substring(0, text.length() - 2).split("\n", -1));
    }

    private static void assertSameOptions(SendmailOptions expected, SendmailOptions actual) {
        assertEquals(expected.toString(), actual.toString());
        assertEquals(expected.extractRecipients(), actual.extractRecipients());
        assertEquals(expected.ignoreDots(), actual.ignoreDots());
        assertEquals(expected.envelopeFrom(), actual.envelopeFrom());
        assertEquals(expected.fullName(), actual.fullName());
        assertEquals(expected.readEnvelopeFrom(), actual.readEnvelopeFrom());
        assertEquals(expected.recipients(), actual.recipients());
    }

    /** Every combination of the flags, the sender forms, full names and recipient lists. */
    static List<SendmailOptions> everyCombination() {
        List<String> senders = Arrays.asList(null, "a@example.org", "", "<>", "<a@example.org>");
        List<String> names = Arrays.asList(null, "Jean Dupont", "Jérôme Lefèvre ✉ 日本", "", "O'Brien: \"the\" boss");
        List<List<String>> recipients = List.of(List.of(), List.of("b@example.net"),
                List.of("b@example.net", "Céline <c@example.net>, d@example.net", "e@example.net"));
        List<SendmailOptions> all = new ArrayList<>();
        for (int flags = 0; flags < 8; flags++) {
            for (String sender : senders) {
                for (String name : names) {
                    for (List<String> rcpts : recipients) {
                        SendmailOptions.Builder b = SendmailOptions.builder().extractRecipients((flags & 1) != 0)
                                .ignoreDots((flags & 2) != 0).readEnvelopeFrom((flags & 4) != 0).recipients(rcpts);
                        if (sender != null) {
                            b.envelopeFrom(sender);
                        }
                        if (name != null) {
                            b.fullName(name);
                        }
                        all.add(b.build());
                    }
                }
            }
        }
        return all;
    }

    @Test
    void headerParseRoundTripsEveryOptionCombination() {
        List<SendmailOptions> all = everyCombination();
        assertEquals(8 * 5 * 5 * 3, all.size());
        long size = 0;
        for (SendmailOptions options : all) {
            SubmissionProtocol.Request request = SubmissionProtocol.parse(lines(SubmissionProtocol.header(options, size)));
            assertSameOptions(options, request.options());
            assertEquals(size, request.size());
            size = (size * 7 + 1) % 10_000_000_000L;
        }
    }

    @Test
    void headerIsTheDocumentedText() {
        SendmailOptions options = SendmailOptions.builder().extractRecipients(true).ignoreDots(true)
                .envelopeFrom("<a@example.org>").fullName("Jérôme").readEnvelopeFrom(true)
                .recipients("b@example.net", "c@example.net").build();

        assertEquals("POSTSEAL-SUBMIT 1\nextract-recipients: yes\nignore-dots: yes\nenvelope-from: a@example.org\n"
                + "full-name: Jérôme\nread-envelope-from: yes\nrecipient: b@example.net\nrecipient: c@example.net\n"
                + "size: 1234\n\n", new String(SubmissionProtocol.header(options, 1234), StandardCharsets.UTF_8));
        assertEquals("POSTSEAL-SUBMIT 1\nsize: 0\n\n",
                new String(SubmissionProtocol.header(SendmailOptions.defaults(), 0), StandardCharsets.UTF_8));
    }

    @Test
    void nullSenderIsAnEmptyEnvelopeFrom() {
        for (String nullSender : List.of("", "<>", " <> ")) {
            byte[] header = SubmissionProtocol.header(SendmailOptions.builder().envelopeFrom(nullSender).build(), 1);

            assertTrue(new String(header, StandardCharsets.UTF_8).contains("\nenvelope-from: \n"), nullSender);
            assertEquals(Optional.of(""), SubmissionProtocol.parse(lines(header)).options().envelopeFrom());
        }
        assertEquals(Optional.of(""), SubmissionProtocol.parse(List.of(SubmissionProtocol.GREETING, "envelope-from: <>",
                "size: 1")).options().envelopeFrom());
        assertEquals(Optional.of(""), SubmissionProtocol.parse(List.of(SubmissionProtocol.GREETING, "envelope-from:",
                "size: 1")).options().envelopeFrom());
    }

    @Test
    void flagsOtherThanYesAreOff() {
        SendmailOptions options = SubmissionProtocol.parse(List.of(SubmissionProtocol.GREETING, "extract-recipients: no",
                "ignore-dots: YES", "read-envelope-from: 1", "size: 5")).options();

        assertEquals(false, options.extractRecipients());
        assertEquals(false, options.ignoreDots());
        assertEquals(false, options.readEnvelopeFrom());
    }

    @Test
    void largeSizesParse() {
        assertEquals(Long.MAX_VALUE, SubmissionProtocol.parse(List.of(SubmissionProtocol.GREETING,
                "size: " + Long.MAX_VALUE)).size());
    }

    private static String refusal(String... lines) {
        return assertThrows(IllegalArgumentException.class, () -> SubmissionProtocol.parse(List.of(lines)))
                .getMessage();
    }

    @Test
    void aSenderOrNameGivenTwiceIsRefusedAsABadRequest() {
        // a fuzz finding: the options builder's IllegalStateException escaped the decoder as an unexpected error
        assertEquals("envelope-from given twice", refusal(SubmissionProtocol.GREETING, "envelope-from: a@example.com",
                "envelope-from: b@example.com", "size: 1"));
        assertEquals("full-name given twice", refusal(SubmissionProtocol.GREETING, "full-name: A", "full-name: B",
                "size: 1"));
    }

    @Test
    void unknownFieldIsRefused() {
        assertEquals("unknown request field: priority",
                refusal(SubmissionProtocol.GREETING, "priority: high", "size: 1"));
        assertEquals("unknown request field: Size", refusal(SubmissionProtocol.GREETING, "Size: 1"));
    }

    @Test
    void lineWithoutColonIsRefused() {
        assertEquals("bad request line: size 1", refusal(SubmissionProtocol.GREETING, "size 1"));
    }

    @Test
    void missingSizeIsRefused() {
        assertEquals("request has no size", refusal(SubmissionProtocol.GREETING));
        assertEquals("request has no size", refusal(SubmissionProtocol.GREETING, "recipient: b@example.net"));
    }

    @Test
    void badSizeIsRefused() {
        for (String bad : List.of("", "-1", "1k", "0x10", "1 2", "99999999999999999999", "+-1")) {
            assertEquals("bad size: " + bad.strip(), refusal(SubmissionProtocol.GREETING, "size: " + bad), bad);
        }
    }

    @Test
    void missingOrWrongGreetingIsRefused() {
        String expected = "not a postseal submission (expected \"POSTSEAL-SUBMIT 1\")";
        assertEquals(expected, refusal());
        assertEquals(expected, refusal("size: 1"));
        assertEquals(expected, refusal("POSTSEAL-SUBMIT 2", "size: 1"));
        assertEquals(expected, refusal("postseal-submit 1", "size: 1"));
        assertEquals(expected, refusal("EHLO localhost"));
    }

    @Test
    void badValuesAreRefusedAsTheBuilderRefusesThem() {
        assertThrows(IllegalArgumentException.class,
                () -> SubmissionProtocol.parse(List.of(SubmissionProtocol.GREETING, "recipient:", "size: 1")));
        assertThrows(IllegalArgumentException.class,
                () -> SubmissionProtocol.parse(List.of(SubmissionProtocol.GREETING, "envelope-from: a b@c", "size: 1")));
    }

    @Test
    void lineBreakInAValueIsRefused() {
        for (String broken : List.of("a\nb", "a\rb", "a\r\nsize: 9")) {
            assertThrows(IllegalArgumentException.class, () -> SubmissionProtocol.header(
                    SendmailOptions.builder().recipient(broken).build(), 1), broken);
            assertThrows(IllegalArgumentException.class, () -> SubmissionProtocol.header(
                    SendmailOptions.builder().fullName(broken).build(), 1), broken);
            assertThrows(IllegalArgumentException.class, () -> SubmissionProtocol.header(
                    SendmailOptions.builder().envelopeFrom(broken).build(), 1), broken);
        }
    }
}
