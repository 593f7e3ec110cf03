package org.postseal.bench;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;

/**
 * The do-nothing milter: the floor of what a milter costs Postfix, for {@code bin/benchmark-milter} and
 * {@code bin/benchmark-postfix}. It negotiates what postseal negotiates when signing (every event but HELO, RCPT and
 * unknown commands; no replies to header fields and body chunks; header values with their leading space; the right
 * to add header fields), so Postfix exchanges with it the same packets as with postseal, and answers continue to
 * every event that wants an answer, end of message included, without looking at anything. One thread per
 * connection, blocking I/O, TCP_NODELAY, one flush per reply. Run as a program, it serves until killed.
 *
 * <pre>
 * java -cp ... org.postseal.bench.NullMilter --listen 127.0.0.1:PORT
 * </pre>
 */
public final class NullMilter implements AutoCloseable {
    /** The SMFIP_* steps postseal asks for when signing (see org.postseal.milter.Negotiation). */
    private static final int STEPS = PostfixMilterClient.NOHELO | PostfixMilterClient.NORCPT
            | PostfixMilterClient.NOUNKNOWN | PostfixMilterClient.NR_HDR | PostfixMilterClient.NR_BODY
            | PostfixMilterClient.HDR_LEADSPC;
    /** SMFIF_ADDHDRS. */
    private static final int ADD_HEADERS = 0x01;

    private final ServerSocket server;
    private final Thread acceptor;

    private NullMilter(ServerSocket server) {
        this.server = server;
        this.acceptor = new Thread(this::accept, "null-milter-accept");
    }

    /** Listens on {@code address} (port 0: any free port) and serves each connection on a thread of its own. */
    public static NullMilter listen(InetSocketAddress address) throws IOException {
        ServerSocket server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(address, 256);
        NullMilter milter = new NullMilter(server);
        milter.acceptor.start();
        return milter;
    }

    /** Where it listens. */
    public InetSocketAddress address() {
        return (InetSocketAddress) server.getLocalSocketAddress();
    }

    /** Stops accepting; connections being served end when their MTA closes them. */
    @Override
    public void close() throws IOException {
        server.close();
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 2 || !"--listen".equals(args[0]) || args[1].lastIndexOf(':') < 1) {
            System.err.println("usage: NullMilter --listen HOST:PORT");
            System.exit(64);
        }
        int colon = args[1].lastIndexOf(':');
        NullMilter milter = listen(new InetSocketAddress(args[1].substring(0, colon),
                Integer.parseInt(args[1].substring(colon + 1))));
        System.err.println("NullMilter: listening on " + args[1]);
        milter.acceptor.join();
    }

    private void accept() {
        try {
            while (true) {
                Socket connection = server.accept();
                Thread thread = new Thread(() -> serve(connection), "null-milter");
                thread.setDaemon(true);
                thread.start();
            }
        } catch (SocketException closed) {
            // close(): stop accepting
        } catch (IOException e) {
            System.err.println("NullMilter: " + e);
        }
    }

    private static void serve(Socket connection) {
        try (Socket socket = connection) {
            socket.setTcpNoDelay(true);
            DataInputStream in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 65536));
            DataOutputStream out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream(), 256));
            int steps = 0;
            while (true) {
                int length = in.readInt();
                if (length < 1 || length > (1 << 20)) {
                    throw new IOException("command length " + length);
                }
                char code = (char) in.readUnsignedByte();
                byte[] payload = new byte[length - 1];
                in.readFully(payload);
                switch (code) {
                    case 'O' -> {
                        DataInputStream offer = new DataInputStream(new java.io.ByteArrayInputStream(payload));
                        int version = Math.min(6, offer.readInt());
                        offer.readInt(); // actions offered
                        steps = offer.readInt() & STEPS;
                        out.writeInt(13);
                        out.writeByte('O');
                        out.writeInt(version);
                        out.writeInt(ADD_HEADERS);
                        out.writeInt(steps);
                        out.flush();
                    }
                    case 'D', 'A', 'K' -> { // macros, abort, quit-new-connection: never answered
                    }
                    case 'L' -> continueUnless(out, steps, PostfixMilterClient.NR_HDR);
                    case 'B' -> continueUnless(out, steps, PostfixMilterClient.NR_BODY);
                    case 'Q' -> {
                        return;
                    }
                    default -> continueUnless(out, steps, 0); // CONNECT, HELO, MAIL, RCPT, DATA, EOH, EOB, unknown
                }
            }
        } catch (EOFException closed) {
            // the MTA went away
        } catch (IOException e) {
            System.err.println("NullMilter: " + e);
        }
    }

    private static void continueUnless(DataOutputStream out, int steps, int noReply) throws IOException {
        if (noReply != 0 && (steps & noReply) != 0) {
            return;
        }
        out.writeInt(1);
        out.writeByte('c');
        out.flush();
    }
}
