package org.postseal.sendmail;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.postseal.smtp.Envelope;

class MessagePreparerTest {
    /** Saturday 7 November 2026, 10:15 in Paris (UTC+1). */
    private static final Clock CLOCK =
            Clock.fixed(Instant.parse("2026-11-07T09:15:00Z"), ZoneId.of("Europe/Paris"));
    private static final String DATE = "Date: Sat, 07 Nov 2026 10:15:00 +0100\r\n";
    private static final String MSGID = "Message-ID: <id1@web.example>\r\n";

    private final MessagePreparer preparer = new MessagePreparer(CLOCK, "web.example", "www-data", () -> "id1");

    private static final SendmailOptions T_I = SendmailOptions.builder()
            .extractRecipients(true).ignoreDots(true).build();

    private PreparedMessage prepare(String raw, SendmailOptions options) throws PreparationException {
        return preparer.prepare(raw.getBytes(StandardCharsets.UTF_8), options);
    }

    private static String text(PreparedMessage message) {
        return new String(message.message(), StandardCharsets.UTF_8);
    }

    // --- the seed's PHP example ---

    @Test
    void phpMailExample() throws Exception {
        String raw = "To: dst@dst.test\nSubject: subject\nFrom: \"SRC\" <src@src.test>\n\nmessage\n";
        PreparedMessage prepared = prepare(raw, SendmailOptions.phpMail());
        assertEquals(new Envelope("src@src.test", List.of("dst@dst.test")), prepared.envelope());
        assertEquals(DATE + MSGID
                + "To: dst@dst.test\r\nSubject: subject\r\nFrom: \"SRC\" <src@src.test>\r\n\r\nmessage\r\n",
                text(prepared));
        assertEquals(List.of("Date", "Message-ID"), prepared.addedHeaders());
        assertEquals(List.of(), prepared.removedHeaders());
    }

    @Test
    void messageAccessorsAgree() throws Exception {
        PreparedMessage prepared = prepare("To: a@x.test\nFrom: b@y.test\n\nbody\n", SendmailOptions.phpMail());
        byte[] copy = prepared.message();
        copy[0] = 'X';
        assertEquals('D', prepared.message()[0]);
        assertArrayEquals(prepared.message(), prepared.openStream().readAllBytes());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        prepared.writeTo(out);
        assertArrayEquals(prepared.message(), out.toByteArray());
        assertEquals(prepared.message().length, prepared.size());
    }

    // --- recipients with -t ---

    @Test
    void groupsCommentsQuotedNamesAndSeveralFields() throws Exception {
        String raw = "From: s@s.test\nDate: x\nMessage-ID: <m@s.test>\n"
                + "To: undisclosed-recipients:;\n"
                + "To: team: a@x.test, b@y.test;, \"Doe, John\" <john@x.test>\n"
                + "Cc: jane@y.test (Jane, \"the boss\"), =?UTF-8?B?w6l0w6k=?= <ete@z.test>\n"
                + "\nbody\n";
        PreparedMessage prepared = prepare(raw, T_I);
        assertEquals(List.of("a@x.test", "b@y.test", "john@x.test", "jane@y.test", "ete@z.test"),
                prepared.envelope().recipients());
        assertEquals(List.of(), prepared.addedHeaders());
    }

    @Test
    void foldedToSpanningLines() throws Exception {
        String raw = "From: s@s.test\nTo: a@x.test,\n  \"Long, Name\"\n\t<b@y.test>,\n c@z.test\nSubject: s\n\nbody\n";
        PreparedMessage prepared = prepare(raw, T_I);
        assertEquals(List.of("a@x.test", "b@y.test", "c@z.test"), prepared.envelope().recipients());
        assertTrue(text(prepared).contains(
                "To: a@x.test,\r\n  \"Long, Name\"\r\n\t<b@y.test>,\r\n c@z.test\r\nSubject: s\r\n"));
    }

    @Test
    void bccRemovedButDelivered() throws Exception {
        String raw = "From: s@s.test\nTo: a@x.test\nBcc: hidden@x.test,\n  other@y.test\nbcc: third@z.test\n"
                + "Subject: s\n\nbody\n";
        PreparedMessage prepared = prepare(raw, T_I);
        assertEquals(List.of("a@x.test", "hidden@x.test", "other@y.test", "third@z.test"),
                prepared.envelope().recipients());
        assertEquals(DATE + MSGID + "From: s@s.test\r\nTo: a@x.test\r\nSubject: s\r\n\r\nbody\r\n", text(prepared));
        assertEquals(List.of("Bcc", "bcc"), prepared.removedHeaders());
    }

    @Test
    void bccOnlyRecipients() throws Exception {
        PreparedMessage prepared = prepare("From: s@s.test\nBcc: only@x.test\n\nbody\n", T_I);
        assertEquals(List.of("only@x.test"), prepared.envelope().recipients());
        assertEquals(DATE + MSGID + "From: s@s.test\r\n\r\nbody\r\n", text(prepared));
    }

    @Test
    void bccRemovedWithoutDashT() throws Exception {
        SendmailOptions options = SendmailOptions.builder().recipients("arg@x.test").build();
        PreparedMessage prepared = prepare("From: s@s.test\nTo: a@x.test\nBcc: b@x.test\n\nbody\n", options);
        assertEquals(List.of("arg@x.test"), prepared.envelope().recipients());
        assertEquals(DATE + MSGID + "From: s@s.test\r\nTo: a@x.test\r\n\r\nbody\r\n", text(prepared));
    }

    @Test
    void argumentsAddedToHeaderRecipientsAndDuplicatesRemoved() throws Exception {
        SendmailOptions options = SendmailOptions.builder().extractRecipients(true).ignoreDots(true)
                .recipients("arg@x.test", "Other <a@X.TEST>, b@y.test").build();
        String raw = "From: s@s.test\nTo: a@x.test, A@x.test, arg@x.test\nCc: b@Y.test, c@z.test\n\nbody\n";
        PreparedMessage prepared = prepare(raw, options);
        // local parts are case-sensitive (A@ differs from a@), domains are not
        assertEquals(List.of("arg@x.test", "a@X.TEST", "b@y.test", "A@x.test", "c@z.test"),
                prepared.envelope().recipients());
    }

    @Test
    void resentBlockReplacesToCcBcc() throws Exception {
        String raw = "Resent-From: r@r.test\nResent-To: new@x.test\nResent-Bcc: secret@x.test\n"
                + "Resent-Date: x\nReceived: by somewhere\nResent-To: older@x.test\n"
                + "From: s@s.test\nTo: original@x.test\n\nbody\n";
        PreparedMessage prepared = prepare(raw, T_I);
        assertEquals(List.of("new@x.test", "secret@x.test"), prepared.envelope().recipients());
        assertEquals(List.of("Resent-Bcc"), prepared.removedHeaders());
    }

    @Test
    void quotedLocalPartStaysQuoted() throws Exception {
        PreparedMessage prepared = prepare("From: s@s.test\nTo: \"john doe\"@x.test, \"q\\\"x\"@y.test\n\nb\n", T_I);
        assertEquals(List.of("\"john doe\"@x.test", "\"q\\\"x\"@y.test"), prepared.envelope().recipients());
    }

    @Test
    void nonAsciiAddresses() throws Exception {
        PreparedMessage prepared = prepare("From: s@s.test\nTo: Jürgen <jürgen@bücher.test>, {x}@y.test\n\nb\n", T_I);
        assertEquals(List.of("jürgen@bücher.test", "{x}@y.test"), prepared.envelope().recipients());
    }

    @Test
    void unqualifiedRecipientKeptAsMsmtpDoes() throws Exception {
        PreparedMessage prepared = prepare("From: s@s.test\nTo: root\n\nb\n", T_I);
        assertEquals(List.of("root"), prepared.envelope().recipients());
    }

    @Test
    void unreadableAddressList() {
        PreparationException e = assertThrows(PreparationException.class,
                () -> prepare("From: s@s.test\nTo: a@x.test; b@y.test <c@z.test>\n\nb\n", T_I));
        assertEquals(PreparationException.Reason.MALFORMED_MESSAGE, e.reason());
        assertTrue(e.getMessage().startsWith("To field: cannot read the address list"), e.getMessage());
    }

    @Test
    void noRecipients() {
        PreparationException e = assertThrows(PreparationException.class,
                () -> prepare("From: s@s.test\nTo: undisclosed-recipients:;\n\nbody\n", T_I));
        assertEquals(PreparationException.Reason.NO_RECIPIENTS, e.reason());
        assertEquals(64, e.reason().exitCode());
        assertTrue(e.getMessage().startsWith("no recipients"), e.getMessage());
        PreparationException withoutT = assertThrows(PreparationException.class,
                () -> prepare("From: s@s.test\nTo: a@x.test\n\nbody\n", SendmailOptions.defaults()));
        assertEquals("no recipients: none on the command line (and -t not given)", withoutT.getMessage());
    }

    // --- envelope sender ---

    @Test
    void dashFOverridesFromHeader() throws Exception {
        SendmailOptions options = SendmailOptions.builder().extractRecipients(true).readEnvelopeFrom(true)
                .envelopeFrom("<bounce@src.test>").build();
        PreparedMessage prepared = prepare("From: \"SRC\" <src@src.test>\nTo: a@x.test\n\nb\n", options);
        assertEquals("bounce@src.test", prepared.envelope().sender());
        assertTrue(text(prepared).contains("From: \"SRC\" <src@src.test>\r\n"));
    }

    @Test
    void nullSenderOnlyThroughDashF() throws Exception {
        for (String nullSender : List.of("<>", "")) {
            SendmailOptions options = SendmailOptions.builder().extractRecipients(true)
                    .envelopeFrom(nullSender).build();
            PreparedMessage prepared = prepare("To: a@x.test\n\nb\n", options);
            assertEquals("", prepared.envelope().sender());
            // the From field cannot be empty: it names the local user
            assertTrue(text(prepared).startsWith("From: www-data@web.example\r\n"), text(prepared));
        }
    }

    @Test
    void readEnvelopeFromTakesFirstMailboxOfFrom() throws Exception {
        SendmailOptions options = SendmailOptions.builder().extractRecipients(true).readEnvelopeFrom(true).build();
        PreparedMessage prepared = prepare(
                "Sender: other@s.test\nFrom: \"A, B\" <first@s.test>, second@s.test\nTo: a@x.test\n\nb\n", options);
        assertEquals("first@s.test", prepared.envelope().sender());
    }

    @Test
    void resentFromBeforeFromWins() throws Exception {
        SendmailOptions options = SendmailOptions.builder().recipients("a@x.test").readEnvelopeFrom(true).build();
        PreparedMessage prepared = prepare("Resent-From: r@r.test\nFrom: s@s.test\n\nb\n", options);
        assertEquals("r@r.test", prepared.envelope().sender());
    }

    @Test
    void defaultSenderIsUserAtHost() throws Exception {
        SendmailOptions options = SendmailOptions.builder().extractRecipients(true).build();
        PreparedMessage prepared = prepare("From: s@s.test\nTo: a@x.test\n\nb\n", options);
        assertEquals("www-data@web.example", prepared.envelope().sender());
    }

    @Test
    void readEnvelopeFromWithoutFromFallsBackAndAddsFrom() throws Exception {
        PreparedMessage prepared = prepare("To: a@x.test\n\nb\n", SendmailOptions.phpMail());
        assertEquals("www-data@web.example", prepared.envelope().sender());
        assertEquals("From: www-data@web.example\r\n" + DATE + MSGID + "To: a@x.test\r\n\r\nb\r\n", text(prepared));
        assertEquals(List.of("From", "Date", "Message-ID"), prepared.addedHeaders());
    }

    // --- added fields ---

    @Test
    void fromAddedWithEnvelopeSenderAndFullName() throws Exception {
        assertEquals("From: Paroisse <p@src.test>\r\n", addedFrom("Paroisse"));
        assertEquals("From: \"Doe, John\" <p@src.test>\r\n", addedFrom("Doe, John"));
        assertEquals("From: \"J. \\\"Q\\\" Public\" <p@src.test>\r\n", addedFrom("J. \"Q\" Public"));
        assertEquals("From: =?UTF-8?Q?Paroisse_Saint-=C3=89tienne?= <p@src.test>\r\n",
                addedFrom("Paroisse Saint-Étienne"));
        assertEquals("From: p@src.test\r\n", addedFrom("  "));
    }

    @Test
    void longNonAsciiFullNameIsFolded() throws Exception {
        String from = addedFrom("Paroisse Saint-Étienne de la très longue dénomination officielle du diocèse");
        assertEquals("From: =?UTF-8?Q?Paroisse_Saint-=C3=89tienne_de_la_tr=C3=A8s_lo?=\r\n"
                + " =?UTF-8?Q?ngue_d=C3=A9nomination_officielle_du_dioc=C3=A8se?= <p@src.test>\r\n", from);
        for (String line : from.split("\r\n")) {
            assertTrue(line.length() <= 78, line);
        }
    }

    private String addedFrom(String fullName) throws Exception {
        SendmailOptions options = SendmailOptions.builder().extractRecipients(true).ignoreDots(true)
                .envelopeFrom("p@src.test").fullName(fullName).build();
        String out = text(prepare("To: a@x.test\n\nb\n", options));
        return out.substring(0, out.indexOf(DATE));
    }

    @Test
    void presentFieldsNeverDuplicatedWhateverTheirCase() throws Exception {
        String raw = "FROM: s@s.test\ndate: Fri, 06 Nov 2026 08:00:00 +0000\nmessage-id: <x@s.test>\nTo: a@x.test\n\nb\n";
        PreparedMessage prepared = prepare(raw, T_I);
        assertEquals(List.of(), prepared.addedHeaders());
        assertEquals(raw.replace("\n", "\r\n"), text(prepared));
    }

    @Test
    void eachMissingFieldAddedOnce() throws Exception {
        assertEquals(List.of("Date"), prepare("From: s@s.test\nMessage-ID: <m@s>\nTo: a@x.test\n\nb\n", T_I)
                .addedHeaders());
        assertEquals(List.of("Message-ID"), prepare("From: s@s.test\nDate: d\nTo: a@x.test\n\nb\n", T_I)
                .addedHeaders());
        assertEquals(List.of("From"), prepare("Message-ID: <m@s>\nDate: d\nTo: a@x.test\n\nb\n", T_I)
                .addedHeaders());
        // Resent-Date and Resent-Message-ID are other fields
        assertEquals(List.of("Date", "Message-ID"),
                prepare("From: s@s.test\nResent-Date: d\nResent-Message-ID: <m@s>\nTo: a@x.test\n\nb\n",
                        SendmailOptions.builder().recipients("a@x.test").build()).addedHeaders());
    }

    @Test
    void dateInUtcUsesPlusZeroZeroAndEnglishNames() throws Exception {
        MessagePreparer utc = new MessagePreparer(
                Clock.fixed(Instant.parse("2026-01-01T00:00:05Z"), ZoneOffset.UTC), "h.test", "u", () -> "x");
        String out = new String(utc.prepare("From: s@s.test\nTo: a@x.test\n\nb\n".getBytes(StandardCharsets.US_ASCII),
                T_I).message(), StandardCharsets.US_ASCII);
        assertTrue(out.startsWith("Date: Thu, 01 Jan 2026 00:00:05 +0000\r\nMessage-ID: <x@h.test>\r\n"), out);
    }

    @Test
    void defaultMessageIdIsRandomHex() throws Exception {
        MessagePreparer real = new MessagePreparer(CLOCK, "web.example", "www-data");
        String a = new String(real.prepare("From: s@s.test\nDate: d\nTo: a@x.test\n\nb\n".getBytes(
                StandardCharsets.US_ASCII), T_I).message(), StandardCharsets.US_ASCII);
        String b = new String(real.prepare("From: s@s.test\nDate: d\nTo: a@x.test\n\nb\n".getBytes(
                StandardCharsets.US_ASCII), T_I).message(), StandardCharsets.US_ASCII);
        assertTrue(a.matches("(?s)Message-ID: <[0-9a-f]{32}@web\\.example>\r\n.*"), a);
        assertTrue(!a.equals(b));
    }

    @Test
    void badUniquePartRefused() {
        MessagePreparer bad = new MessagePreparer(CLOCK, "h.test", "u", () -> "a b");
        assertThrows(IllegalStateException.class, () -> bad.prepare(
                "From: s@s.test\nTo: a@x.test\n\nb\n".getBytes(StandardCharsets.US_ASCII), T_I));
    }

    @Test
    void constructorChecksNames() {
        assertThrows(IllegalArgumentException.class, () -> new MessagePreparer(CLOCK, "bad host", "u"));
        assertThrows(IllegalArgumentException.class, () -> new MessagePreparer(CLOCK, "", "u"));
        assertThrows(IllegalArgumentException.class, () -> new MessagePreparer(CLOCK, "h.test", "a b"));
    }

    // --- the "." line ---

    @Test
    void dotLineEndsMessageWithoutDashI() throws Exception {
        SendmailOptions t = SendmailOptions.builder().extractRecipients(true).build();
        String raw = "From: s@s.test\nTo: a@x.test\n\nfirst\n.\nnot sent\n";
        assertEquals(DATE + MSGID + "From: s@s.test\r\nTo: a@x.test\r\n\r\nfirst\r\n", text(prepare(raw, t)));
        assertEquals(DATE + MSGID + "From: s@s.test\r\nTo: a@x.test\r\n\r\nfirst\r\n",
                text(prepare("From: s@s.test\r\nTo: a@x.test\r\n\r\nfirst\r\n.\r\nnot sent\r\n", t)));
        assertEquals(DATE + MSGID + "From: s@s.test\r\nTo: a@x.test\r\n\r\nfirst\r\n",
                text(prepare("From: s@s.test\nTo: a@x.test\n\nfirst\n.", t)));
        // ".." and ". " are ordinary lines
        assertEquals(DATE + MSGID + "From: s@s.test\r\nTo: a@x.test\r\n\r\n..\r\n. \r\n.x\r\n",
                text(prepare("From: s@s.test\nTo: a@x.test\n\n..\n. \n.x\n", t)));
    }

    @Test
    void dotLineInHeaderMakesHeaderOnlyMessage() throws Exception {
        SendmailOptions t = SendmailOptions.builder().extractRecipients(true).build();
        assertEquals(DATE + MSGID + "From: s@s.test\r\nTo: a@x.test\r\n",
                text(prepare("From: s@s.test\nTo: a@x.test\n.\nBcc: late@x.test\n\nbody\n", t)));
    }

    @Test
    void dotLineIsOrdinaryWithDashI() throws Exception {
        String raw = "From: s@s.test\nTo: a@x.test\n\nfirst\n.\nstill sent\n";
        assertEquals(DATE + MSGID + "From: s@s.test\r\nTo: a@x.test\r\n\r\nfirst\r\n.\r\nstill sent\r\n",
                text(prepare(raw, T_I)));
    }

    // --- line endings and bytes ---

    @Test
    void bareLfCrlfAndMixedGiveTheSameOutput() throws Exception {
        String expected = DATE + MSGID + "From: s@s.test\r\nTo: a@x.test,\r\n b@y.test\r\n\r\nline 1\r\n\r\nline 3\r\n";
        assertEquals(expected, text(prepare("From: s@s.test\nTo: a@x.test,\n b@y.test\n\nline 1\n\nline 3\n", T_I)));
        assertEquals(expected, text(prepare(
                "From: s@s.test\r\nTo: a@x.test,\r\n b@y.test\r\n\r\nline 1\r\n\r\nline 3\r\n", T_I)));
        assertEquals(expected, text(prepare(
                "From: s@s.test\nTo: a@x.test,\r\n b@y.test\n\r\nline 1\r\n\nline 3\n", T_I)));
        assertEquals(expected, text(prepare("From: s@s.test\nTo: a@x.test,\n b@y.test\n\nline 1\n\nline 3", T_I)));
        assertEquals(expected, text(prepare("From: s@s.test\nTo: a@x.test,\n b@y.test\n\nline 1\n\nline 3\r", T_I)));
    }

    @Test
    void loneCrKept() throws Exception {
        assertEquals(DATE + MSGID + "From: s@s.test\r\nTo: a@x.test\r\n\r\na\rb\r\n\r\rc\r\n",
                text(prepare("From: s@s.test\nTo: a@x.test\n\na\rb\n\r\rc\n", T_I)));
    }

    @Test
    void eightBitBytesUnchanged() throws Exception {
        byte[] latin1 = "From: s@s.test\nTo: a@x.test\nSubject: caf\u00e9\n\nd\u00e9j\u00e0 \u00ff\n"
                .getBytes(StandardCharsets.ISO_8859_1);
        byte[] out = preparer.prepare(latin1, T_I).message();
        assertArrayEquals((DATE + MSGID + "From: s@s.test\r\nTo: a@x.test\r\nSubject: caf\u00e9\r\n\r\n"
                + "d\u00e9j\u00e0 \u00ff\r\n").getBytes(StandardCharsets.ISO_8859_1), out);
    }

    @Test
    void inputNotChanged() throws Exception {
        byte[] raw = "From: s@s.test\nTo: a@x.test\nBcc: b@x.test\n\nbody\n".getBytes(StandardCharsets.US_ASCII);
        byte[] copy = raw.clone();
        preparer.prepare(raw, T_I);
        assertArrayEquals(copy, raw);
    }

    @Test
    void largeBodyKeptExactly() throws Exception {
        StringBuilder body = new StringBuilder();
        for (int i = 0; i < 50_000; i++) {
            body.append("line ").append(i).append(i % 3 == 0 ? "\r\n" : "\n");
        }
        PreparedMessage prepared = prepare("From: s@s.test\nTo: a@x.test\n\n" + body, T_I);
        String expected = DATE + MSGID + "From: s@s.test\r\nTo: a@x.test\r\n\r\n"
                + body.toString().replace("\r\n", "\n").replace("\n", "\r\n");
        assertEquals(expected, text(prepared));
    }

    // --- header shapes ---

    @Test
    void headerOnlyMessage() throws Exception {
        assertEquals(DATE + MSGID + "From: s@s.test\r\nTo: a@x.test\r\n",
                text(prepare("From: s@s.test\nTo: a@x.test\n", T_I)));
        assertEquals(DATE + MSGID + "From: s@s.test\r\nTo: a@x.test\r\n",
                text(prepare("From: s@s.test\nTo: a@x.test", T_I)));
        assertEquals(DATE + MSGID + "From: s@s.test\r\nTo: a@x.test\r\n\r\n",
                text(prepare("From: s@s.test\nTo: a@x.test\n\n", T_I)));
    }

    @Test
    void emptyHeaderOrEmptyInput() throws Exception {
        SendmailOptions options = SendmailOptions.builder().recipients("a@x.test").build();
        assertEquals("From: www-data@web.example\r\n" + DATE + MSGID + "\r\nbody only\r\n",
                text(prepare("\nbody only\n", options)));
        assertEquals("From: www-data@web.example\r\n" + DATE + MSGID,
                text(prepare("", options)));
    }

    @Test
    void mboxFromLineDropped() throws Exception {
        assertEquals(DATE + MSGID + "From: s@s.test\r\nTo: a@x.test\r\n\r\nb\r\n",
                text(prepare("From someone@host Sat Nov  7 10:15:00 2026\nFrom: s@s.test\nTo: a@x.test\n\nb\n", T_I)));
        // but "From :" is a field (obsolete syntax), not an mbox line
        assertEquals(DATE + MSGID + "From : s@s.test\r\nTo: a@x.test\r\n\r\nb\r\n",
                text(prepare("From : s@s.test\nTo: a@x.test\n\nb\n", T_I)));
    }

    @Test
    void firstLineNotAField() {
        PreparationException e = assertThrows(PreparationException.class,
                () -> prepare("Hello, this is the body\n\nmore\n", T_I));
        assertEquals(PreparationException.Reason.MALFORMED_MESSAGE, e.reason());
        assertEquals(65, e.reason().exitCode());
        assertEquals("line 1 is not a header field: \"Hello, this is the body\"", e.getMessage());
    }

    @Test
    void laterLineNotAField() {
        PreparationException e = assertThrows(PreparationException.class,
                () -> prepare("From: s@s.test\nTo: a@x.test\nno colon here\n\nbody\n", T_I));
        assertEquals("line 3 is not a header field: \"no colon here\"", e.getMessage());
        PreparationException badName = assertThrows(PreparationException.class,
                () -> prepare("From: s@s.test\nbad name: x\n\nbody\n", T_I));
        assertEquals("line 2 is not a header field: \"bad name: x\"", badName.getMessage());
        PreparationException emptyName = assertThrows(PreparationException.class,
                () -> prepare(": x\n\nbody\n", T_I));
        assertEquals("line 1 is not a header field: \": x\"", emptyName.getMessage());
    }

    @Test
    void continuationBeforeAnyField() {
        PreparationException e = assertThrows(PreparationException.class,
                () -> prepare(" To: a@x.test\n\nbody\n", T_I));
        assertEquals("line 1 is a continuation line with no header field above it: \" To: a@x.test\"",
                e.getMessage());
    }
}
