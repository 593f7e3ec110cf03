package org.postseal.postfix;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A stand-in for Dovecot's authentication service, so that Postfix's smtpd can offer SMTP AUTH
 * ({@code smtpd_sasl_type = dovecot}) without Dovecot or Cyrus SASL installed: it speaks the server side of the
 * Dovecot authentication protocol 1.x, offers only {@code PLAIN}, and accepts the users it was given.
 *
 * <p>Postfix (the client) and this server each announce themselves ({@code VERSION}, {@code CPID}; {@code VERSION},
 * {@code MECH}, {@code SPID}, {@code CUID}, {@code COOKIE}, {@code DONE}); then each {@code AUTH} request, with the
 * initial response in {@code resp=} or after an empty {@code CONT} challenge, gets {@code OK user=...} or
 * {@code FAIL}. Lines are tab-separated and end in LF.
 */
final class DovecotAuthServer implements AutoCloseable {
    private final ServerSocket server;
    private final Map<String, String> users;
    private final ExecutorService threads;
    private final Set<Socket> sessions = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    private DovecotAuthServer(ServerSocket server, Map<String, String> users) {
        this.server = server;
        this.users = Map.copyOf(users);
        this.threads = Executors.newCachedThreadPool(task -> {
            Thread thread = new Thread(task, "dovecot-auth-" + server.getLocalPort());
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Listens on a free port of 127.0.0.1 and accepts {@code users} (name to password). */
    static DovecotAuthServer start(Map<String, String> users) {
        try {
            ServerSocket server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
            DovecotAuthServer auth = new DovecotAuthServer(server, users);
            auth.threads.execute(auth::acceptLoop);
            return auth;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The value for {@code smtpd_sasl_path}. */
    String path() {
        return "inet:127.0.0.1:" + server.getLocalPort();
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        for (Socket session : sessions) {
            try {
                session.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        threads.shutdownNow();
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket socket = server.accept();
                sessions.add(socket);
                threads.execute(() -> serve(socket));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                    StandardCharsets.UTF_8));
            OutputStream out = socket.getOutputStream();
            send(out, "VERSION\t1\t2", "MECH\tPLAIN\tplaintext", "SPID\t" + ProcessHandle.current().pid(),
                    "CUID\t" + socket.getPort(), "COOKIE\t" + "0".repeat(32), "DONE");
            String line;
            while ((line = in.readLine()) != null) {
                String[] fields = line.split("\t", -1);
                if (fields[0].equals("AUTH") && fields.length >= 3) {
                    authenticate(fields, in, out);
                }
                // VERSION and CPID from Postfix need no answer
            }
        } catch (IOException e) {
            // Postfix hung up, or we are closing
        } finally {
            sessions.remove(socket);
        }
    }

    private void authenticate(String[] request, BufferedReader in, OutputStream out) throws IOException {
        String id = request[1];
        if (!request[2].equalsIgnoreCase("PLAIN")) {
            send(out, "FAIL\t" + id + "\treason=unsupported mechanism");
            return;
        }
        String response = null;
        for (int i = 3; i < request.length; i++) {
            if (request[i].startsWith("resp=")) {
                response = request[i].substring("resp=".length());
            }
        }
        if (response == null) {
            send(out, "CONT\t" + id + "\t");
            String[] continuation = String.valueOf(in.readLine()).split("\t", -1);
            if (continuation.length < 3 || !continuation[0].equals("CONT") || !continuation[1].equals(id)) {
                send(out, "FAIL\t" + id + "\treason=protocol error");
                return;
            }
            response = continuation[2];
        }
        String[] token;
        try {
            token = new String(Base64.getDecoder().decode(response), StandardCharsets.UTF_8).split("\0", -1);
        } catch (IllegalArgumentException e) {
            send(out, "FAIL\t" + id + "\treason=invalid base64");
            return;
        }
        if (token.length == 3 && (token[0].isEmpty() || token[0].equals(token[1]))
                && token[2].equals(users.get(token[1]))) {
            send(out, "OK\t" + id + "\tuser=" + token[1]);
        } else {
            send(out, "FAIL\t" + id + (token.length == 3 ? "\tuser=" + token[1] : ""));
        }
    }

    private static void send(OutputStream out, String... lines) throws IOException {
        StringBuilder text = new StringBuilder();
        for (String line : lines) {
            text.append(line).append('\n');
        }
        out.write(text.toString().getBytes(StandardCharsets.UTF_8));
        out.flush();
    }
}
