package org.postseal.postfix;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Submits one message over SMTP from a chosen local address, as a mail client or a neighbouring host would: EHLO,
 * optionally AUTH PLAIN, MAIL, RCPT, DATA, QUIT, one command at a time.
 *
 * <p>The message bytes go out as given, with two changes SMTP requires: a line starting with {@code .} gets a
 * second one, and a message that does not end in a line end gets CRLF. Bare LF is sent as is (Postfix's smtpd
 * accepts it as a line end).
 */
final class SmtpClient {
    /** The name the client gives in EHLO. */
    static final String HELO_NAME = "client.postseal.test";

    private static final Pattern QUEUE_ID = Pattern.compile("queued as ([0-9A-Za-z]+)");
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

    private final InputStream in;
    private final OutputStream out;

    private SmtpClient(InputStream in, OutputStream out) {
        this.in = in;
        this.out = out;
    }

    /** A user name and password for AUTH PLAIN. */
    record Credentials(String user, String password) {
    }

    /**
     * Sends one message and returns the queue ID Postfix reported (the whole reply text if it named none).
     *
     * @param replyTimeout how long to wait for each reply; the end of DATA waits for the milter, too
     * @throws SmtpReplyException when a step is refused
     */
    static String send(InetSocketAddress server, String clientAddress, Optional<Credentials> credentials,
            String mailFrom, List<String> recipients, byte[] message, Duration replyTimeout) {
        if (recipients.isEmpty()) {
            throw new IllegalArgumentException("recipients: [] (expected: at least one)");
        }
        try (Socket socket = new Socket()) {
            socket.bind(new InetSocketAddress(InetAddress.getByName(clientAddress), 0));
            socket.connect(server, (int) CONNECT_TIMEOUT.toMillis());
            socket.setSoTimeout((int) replyTimeout.toMillis());
            SmtpClient client = new SmtpClient(new BufferedInputStream(socket.getInputStream()),
                    new BufferedOutputStream(socket.getOutputStream()));
            return client.transaction(credentials, mailFrom, recipients, message);
        } catch (IOException e) {
            throw new UncheckedIOException("SMTP to " + server + " from " + clientAddress + ": " + e.getMessage(), e);
        }
    }

    private String transaction(Optional<Credentials> credentials, String mailFrom, List<String> recipients,
            byte[] message) throws IOException {
        expect("CONNECT", 2);
        command("EHLO " + HELO_NAME, "EHLO", 2);
        if (credentials.isPresent()) {
            String token = "\0" + credentials.get().user() + "\0" + credentials.get().password();
            command("AUTH PLAIN " + Base64.getEncoder().encodeToString(token.getBytes(StandardCharsets.UTF_8)),
                    "AUTH", 2);
        }
        command("MAIL FROM:<" + mailFrom + ">" + (isEightBit(message) ? " BODY=8BITMIME" : ""), "MAIL", 2);
        for (String recipient : recipients) {
            command("RCPT TO:<" + recipient + ">", "RCPT", 2);
        }
        command("DATA", "DATA", 3);
        writeData(message);
        Reply accepted = expect(".", 2);
        quit();
        Matcher id = QUEUE_ID.matcher(accepted.text());
        return id.find() ? id.group(1) : accepted.text();
    }

    private void command(String line, String name, int expectedClass) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
        expect(name, expectedClass);
    }

    private Reply expect(String command, int expectedClass) throws IOException {
        Reply reply = readReply();
        if (reply.code() / 100 != expectedClass) {
            quit();
            throw new SmtpReplyException(command, reply.code(), reply.text());
        }
        return reply;
    }

    private void quit() {
        try {
            out.write("QUIT\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            readReply();
        } catch (IOException ignored) {
            // the server may have gone already; the transaction's outcome is known
        }
    }

    private void writeData(byte[] message) throws IOException {
        boolean lineStart = true;
        for (byte b : message) {
            if (lineStart && b == '.') {
                out.write('.');
            }
            out.write(b);
            lineStart = b == '\n';
        }
        if (!lineStart) {
            out.write(new byte[] {'\r', '\n'});
        }
        out.write(new byte[] {'.', '\r', '\n'});
        out.flush();
    }

    private record Reply(int code, String text) {
    }

    private Reply readReply() throws IOException {
        StringBuilder text = new StringBuilder();
        while (true) {
            byte[] raw = SmtpSink.readLine(in, 4096);
            if (raw == null) {
                throw new EOFException("connection closed before a reply" + (text.length() > 0 ? ": " + text : ""));
            }
            String line = new String(raw, StandardCharsets.UTF_8).replaceFirst("\r?\n$", "");
            if (line.length() < 3 || !line.substring(0, 3).chars().allMatch(Character::isDigit)) {
                throw new IOException("not an SMTP reply: " + line);
            }
            if (text.length() > 0) {
                text.append('\n');
            }
            text.append(line.length() > 4 ? line.substring(4) : "");
            if (line.length() == 3 || line.charAt(3) == ' ') {
                return new Reply(Integer.parseInt(line.substring(0, 3)), text.toString());
            }
        }
    }

    private static boolean isEightBit(byte[] message) {
        for (byte b : message) {
            if (b < 0) {
                return true;
            }
        }
        return false;
    }
}
