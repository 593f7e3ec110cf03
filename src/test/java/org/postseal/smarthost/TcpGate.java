package org.postseal.smarthost;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A port in front of a real server that a test can shut: {@link #open()} forwards connections to the server,
 * {@link #shut()} resets every connection as soon as it is made and cuts those under way (the server is down),
 * {@link #blackhole()} accepts and never answers (a hung server). The server behind it stays real; only the path to
 * it is cut.
 *
 * <p>The gate keeps one listening socket for its whole life: closing and binding the port again fails now and then
 * while connections it accepted are in TIME_WAIT.
 */
final class TcpGate implements AutoCloseable {
    private enum Mode {
        OPEN, DOWN, BLACKHOLE
    }

    private final int target;
    private final ServerSocket server;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private volatile Mode mode = Mode.DOWN;

    /** Listens on a free loopback port, shut until {@link #open()}. */
    TcpGate(int target) throws IOException {
        this.target = target;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread accept = new Thread(this::acceptLoop, "tcp-gate-" + server.getLocalPort());
        accept.setDaemon(true);
        accept.start();
    }

    int port() {
        return server.getLocalPort();
    }

    void open() throws IOException {
        cutAll();
        mode = Mode.OPEN;
    }

    void blackhole() throws IOException {
        cutAll();
        mode = Mode.BLACKHOLE;
    }

    /** The server is "down": every connection is reset at once, those under way too. */
    void shut() throws IOException {
        mode = Mode.DOWN;
        cutAll();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                switch (mode) {
                    case DOWN -> reset(client);
                    case BLACKHOLE -> sockets.add(client);
                    case OPEN -> {
                        sockets.add(client);
                        Socket upstream = new Socket(InetAddress.getLoopbackAddress(), target);
                        sockets.add(upstream);
                        pump(client, upstream);
                        pump(upstream, client);
                    }
                    default -> throw new IllegalStateException("mode " + mode);
                }
            } catch (IOException e) {
                if (server.isClosed()) {
                    return;
                }
            }
        }
    }

    private static void pump(Socket from, Socket to) {
        Thread t = new Thread(() -> {
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                in.transferTo(out);
            } catch (IOException e) {
                // one side closed
            } finally {
                try {
                    to.close();
                    from.close();
                } catch (IOException e) {
                    // closing
                }
            }
        }, "tcp-gate-pump");
        t.setDaemon(true);
        t.start();
    }

    private void cutAll() throws IOException {
        for (Socket s : sockets) {
            reset(s);
        }
        sockets.clear();
    }

    private static void reset(Socket s) throws IOException {
        try {
            s.setSoLinger(true, 0);
        } catch (IOException e) {
            // already closed
        }
        s.close();
    }

    @Override
    public void close() throws IOException {
        server.close();
        cutAll();
    }
}
