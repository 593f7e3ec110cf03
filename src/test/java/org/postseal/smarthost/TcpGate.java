package org.postseal.smarthost;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A port in front of a real server that a test can shut: {@link #open()} forwards connections to the server,
 * {@link #close()} stops listening (connection refused, as for a server that is down), {@link #blackhole()} accepts
 * and never answers (a hung server). The server behind it stays real; only the path to it is cut.
 */
final class TcpGate implements AutoCloseable {
    private final int port;
    private final int target;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private volatile ServerSocket server;
    private volatile boolean forward;

    TcpGate(int port, int target) {
        this.port = port;
        this.target = target;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    int port() {
        return port;
    }

    synchronized void open() throws IOException {
        listen(true);
    }

    synchronized void blackhole() throws IOException {
        listen(false);
    }

    private void listen(boolean forwarding) throws IOException {
        shut();
        forward = forwarding;
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        try {
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        } catch (IOException e) {
            Process ss = new ProcessBuilder("ss", "-tanp").redirectErrorStream(true).start();
            String table = new String(ss.getInputStream().readAllBytes());
            throw new IOException(e.getMessage() + " " + port + "\n" + table.lines()
                    .filter(l -> l.contains(":" + port + " ")).collect(java.util.stream.Collectors.joining("\n")), e);
        }
        server = s;
        Thread accept = new Thread(() -> acceptLoop(s), "tcp-gate-" + port);
        accept.setDaemon(true);
        accept.start();
    }

    private void acceptLoop(ServerSocket s) {
        while (!s.isClosed()) {
            try {
                Socket client = s.accept();
                sockets.add(client);
                if (forward) {
                    Socket upstream = new Socket(InetAddress.getLoopbackAddress(), target);
                    sockets.add(upstream);
                    pump(client, upstream);
                    pump(upstream, client);
                }
            } catch (IOException e) {
                return;
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

    /** Stops listening and cuts every connection: the server is "down". */
    synchronized void shut() throws IOException {
        if (server != null) {
            server.close();
            server = null;
        }
        for (Socket s : sockets) {
            try {
                s.setSoLinger(true, 0); // reset: no socket lingers on the port, so it can listen again at once
            } catch (IOException e) {
                // already closed
            }
            s.close();
        }
        sockets.clear();
    }

    @Override
    public void close() throws IOException {
        shut();
    }
}
