package org.postseal.milter;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Plays the MTA's side of the milter protocol over a real socket, the way Postfix does it (Nagle left on, one
 * write per command), for tests and the benchmark driver.
 */
public final class MilterTestClient implements AutoCloseable {
    /** Postfix 3.7's actions offer. */
    public static final int POSTFIX_ACTIONS = 0x1ff;
    /** Postfix 3.7's protocol offer at version 6 (every SMFIP flag it knows). */
    public static final int POSTFIX_STEPS_V6 = 0x1fffff;
    /** Postfix 3.7's protocol offer at version 2. */
    public static final int POSTFIX_STEPS_V2 = 0x3f;

    private final Socket socket;
    private final SocketChannel channel;
    private final DataInputStream in;
    private final DataOutputStream out;

    public MilterTestClient(SocketAddress address) throws IOException {
        socket = new Socket();
        socket.connect(address, 5000);
        socket.setSoTimeout(10000);
        channel = null;
        in = new DataInputStream(socket.getInputStream());
        out = new DataOutputStream(socket.getOutputStream());
    }

    private MilterTestClient(SocketChannel channel) {
        this.socket = null;
        this.channel = channel;
        in = new DataInputStream(Channels.newInputStream(channel));
        out = new DataOutputStream(Channels.newOutputStream(channel));
    }

    /**
     * A client of a milter's unix socket ({@code local:/path}). Reads have no time limit here: bound the test with
     * {@code @Timeout}.
     */
    public static MilterTestClient unix(Path socket) throws IOException {
        SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            channel.connect(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            channel.close();
            throw e;
        }
        return new MilterTestClient(channel);
    }

    /** A reply: its code and payload. */
    public record Reply(char code, byte[] payload) {
        public String text() {
            return new String(payload, StandardCharsets.ISO_8859_1);
        }
    }

    public void send(char code, byte[] payload) throws IOException {
        ByteArrayOutputStream packet = new ByteArrayOutputStream(payload.length + 5);
        int length = payload.length + 1;
        packet.write(length >>> 24);
        packet.write(length >>> 16);
        packet.write(length >>> 8);
        packet.write(length);
        packet.write(code);
        packet.writeBytes(payload);
        out.write(packet.toByteArray());
        out.flush();
    }

    public Reply read() throws IOException {
        int length = in.readInt();
        char code = (char) in.readUnsignedByte();
        byte[] payload = new byte[length - 1];
        in.readFully(payload);
        return new Reply(code, payload);
    }

    /** Sends OPTNEG and returns the milter's answer: version, actions, steps. */
    public int[] negotiate(int version, int actions, int steps) throws IOException {
        send('O', ints(version, actions, steps));
        Reply reply = read();
        if (reply.code() != 'O') {
            throw new IOException("expected OPTNEG reply, got " + reply.code());
        }
        DataInputStream data = new DataInputStream(new java.io.ByteArrayInputStream(reply.payload()));
        return new int[] {data.readInt(), data.readInt(), data.readInt()};
    }

    public void macro(char stage, String... nameValues) throws IOException {
        ByteArrayOutputStream payload = new ByteArrayOutputStream();
        payload.write(stage);
        for (String s : nameValues) {
            payload.writeBytes(s.getBytes(StandardCharsets.ISO_8859_1));
            payload.write(0);
        }
        send('D', payload.toByteArray());
    }

    public static byte[] connectPayload(String host, char family, int port, String address) {
        ByteArrayOutputStream payload = new ByteArrayOutputStream();
        payload.writeBytes(host.getBytes(StandardCharsets.ISO_8859_1));
        payload.write(0);
        payload.write(family);
        if (family != 'U') {
            payload.write(port >>> 8);
            payload.write(port);
            payload.writeBytes(address.getBytes(StandardCharsets.ISO_8859_1));
            payload.write(0);
        }
        return payload.toByteArray();
    }

    public static byte[] strings(String... values) {
        ByteArrayOutputStream payload = new ByteArrayOutputStream();
        for (String s : values) {
            payload.writeBytes(s.getBytes(StandardCharsets.ISO_8859_1));
            payload.write(0);
        }
        return payload.toByteArray();
    }

    public static byte[] header(byte[] name, byte[] value) {
        ByteArrayOutputStream payload = new ByteArrayOutputStream();
        payload.writeBytes(name);
        payload.write(0);
        payload.writeBytes(value);
        payload.write(0);
        return payload.toByteArray();
    }

    static byte[] ints(int... values) {
        ByteArrayOutputStream payload = new ByteArrayOutputStream();
        for (int v : values) {
            payload.write(v >>> 24);
            payload.write(v >>> 16);
            payload.write(v >>> 8);
            payload.write(v);
        }
        return payload.toByteArray();
    }

    /**
     * Reads replies until a final one (anything but an INSHEADER/ADDHEADER/CHGHEADER/QUARANTINE/progress), returning
     * all of them.
     */
    public List<Reply> readUntilFinal() throws IOException {
        List<Reply> replies = new ArrayList<>();
        while (true) {
            Reply reply = read();
            replies.add(reply);
            if ("ihmqp".indexOf(reply.code()) < 0) {
                return replies;
            }
        }
    }

    /**
     * Sends one whole message as Postfix does at protocol version 6 once negotiated with
     * {@link #POSTFIX_STEPS_V6} (header values with their leading space, no replies to header fields and body
     * chunks): CONNECT from {@code clientAddress} with {@code j} = {@code mtaHostName}, MAIL, the fields, EOH, the
     * body, EOM. Returns MAIL's reply when it is final (ACCEPT), otherwise the end-of-message replies.
     */
    public List<Reply> sendMessage(String mtaHostName, String clientAddress, String queueId, byte[] message)
            throws IOException {
        macro('C', "j", mtaHostName);
        send('C', connectPayload("client.example", '4', 12345, clientAddress));
        expect('c');
        macro('M', "i", queueId);
        send('M', strings("<sender@example.org>"));
        Reply mail = read();
        if (mail.code() != 'c') {
            return List.of(mail);
        }
        String text = new String(message, StandardCharsets.ISO_8859_1);
        int end = text.indexOf("\r\n\r\n");
        for (String field : text.substring(0, end).split("\r\n(?![ \t])")) {
            int colon = field.indexOf(':');
            send('L', header(field.substring(0, colon).getBytes(StandardCharsets.ISO_8859_1),
                    field.substring(colon + 1).replace("\r\n", "\n").getBytes(StandardCharsets.ISO_8859_1)));
        }
        send('N', new byte[0]);
        expect('c');
        send('B', java.util.Arrays.copyOfRange(message, end + 4, message.length));
        send('E', new byte[0]);
        return readUntilFinal();
    }

    private void expect(char code) throws IOException {
        Reply reply = read();
        if (reply.code() != code) {
            throw new IOException("expected " + code + ", got " + reply.code() + " " + reply.text());
        }
    }

    /** The TCP socket; a client of a unix socket has none. */
    public Socket socket() {
        if (socket == null) {
            throw new IllegalStateException("a unix-socket client has no java.net.Socket");
        }
        return socket;
    }

    public static SocketAddress loopback(int port) {
        return new InetSocketAddress("127.0.0.1", port);
    }

    @Override
    public void close() throws IOException {
        if (socket != null) {
            socket.close();
        } else {
            channel.close();
        }
    }
}
