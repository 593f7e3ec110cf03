package org.postseal.smtp;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A one-connection SMTP server on loopback that plays a script and records what it got: every command line, the
 * DATA section as sent (dot-stuffed) and whether the client sent more right after MAIL FROM without waiting for its
 * reply (pipelining).
 *
 * <p>Replies are chosen by the longest key the command line starts with (ignoring case), falling back to defaults:
 * EHLO gives {@code 250} with the {@code ehlo} keywords, DATA {@code 354}, QUIT {@code 221}, anything else
 * {@code 250}. Special keys: {@code GREETING} and {@code EOD} (the reply to the end of DATA). A reply of
 * {@link #SILENT} is never sent (the server waits until the client goes away); {@link #HANG_UP} closes the
 * connection.
 */
final class ScriptedSmtpServer implements AutoCloseable {
    static final String SILENT = "<silent>";
    static final String HANG_UP = "<hang up>";

    private final ServerSocket server;
    private final Map<String, String> script = new LinkedHashMap<>();
    private final List<String> ehlo = new ArrayList<>();
    private final List<String> commands = Collections.synchronizedList(new ArrayList<>());
    private final ByteArrayOutputStream data = new ByteArrayOutputStream();
    private final CountDownLatch done = new CountDownLatch(1);
    private volatile int bytesAfterMail = -1;
    private volatile Throwable failure;
    private volatile Socket socket;

    private ScriptedSmtpServer(InetAddress address) throws IOException {
        server = new ServerSocket(0, 1, address);
    }

    static ScriptedSmtpServer create() {
        try {
            return new ScriptedSmtpServer(InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ScriptedSmtpServer create(InetAddress address) {
        try {
            return new ScriptedSmtpServer(address);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** EHLO keywords to announce, e.g. {@code PIPELINING}, {@code SIZE 1000}. */
    ScriptedSmtpServer ehlo(String... keywords) {
        ehlo.addAll(List.of(keywords));
        return this;
    }

    /** The reply (lines joined by {@code \r\n}, complete with codes) to commands starting with {@code prefix}. */
    ScriptedSmtpServer on(String prefix, String reply) {
        script.put(prefix.toUpperCase(Locale.ROOT), reply);
        return this;
    }

    /** Starts serving one connection in a daemon thread. */
    ScriptedSmtpServer start() {
        Thread thread = new Thread(this::serve, "scripted-smtp-" + port());
        thread.setDaemon(true);
        thread.start();
        return this;
    }

    int port() {
        return server.getLocalPort();
    }

    /** The command lines received, without CRLF, in order (AUTH continuation lines included). */
    List<String> commands() {
        return List.copyOf(commands);
    }

    /** The DATA section as received, still dot-stuffed, without the final {@code .CRLF}. */
    byte[] data() {
        synchronized (data) {
            return data.toByteArray();
        }
    }

    /** Bytes the client had sent 300 ms after MAIL FROM without waiting for its reply; -1 if no MAIL came. */
    int bytesAfterMail() {
        return bytesAfterMail;
    }

    /** Waits for the client to end the session (or the server to hang up). */
    void awaitEnd() throws InterruptedException {
        if (!done.await(10, TimeUnit.SECONDS)) {
            throw new AssertionError("the session did not end; commands: " + commands);
        }
        if (failure != null) {
            throw new AssertionError("the scripted server failed", failure);
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        Socket s = socket;
        if (s != null) {
            s.close();
        }
    }

    private void serve() {
        try (Socket s = server.accept()) {
            socket = s;
            s.setSoTimeout(20_000);
            InputStream in = new BufferedInputStream(s.getInputStream());
            OutputStream out = s.getOutputStream();
            if (!reply(out, script.getOrDefault("GREETING", "220 scripted.test ESMTP"))) {
                awaitClose(in);
                return;
            }
            while (true) {
                byte[] raw = readLine(in);
                if (raw == null) {
                    return;
                }
                String line = new String(raw, StandardCharsets.UTF_8).replaceFirst("\r?\n$", "");
                commands.add(line);
                String upper = line.toUpperCase(Locale.ROOT);
                if (upper.startsWith("MAIL FROM:")) {
                    Thread.sleep(300);
                    bytesAfterMail = in.available();
                }
                String reply = replyFor(upper);
                if (!reply(out, reply)) {
                    if (reply.equals(SILENT)) {
                        awaitClose(in);
                    }
                    return;
                }
                if (upper.equals("QUIT")) {
                    return;
                }
                if (upper.equals("DATA") && reply.startsWith("354")) {
                    readData(in);
                    if (!reply(out, script.getOrDefault("EOD", "250 2.0.0 Ok: queued as SCRIPTED"))) {
                        awaitClose(in);
                        return;
                    }
                }
            }
        } catch (IOException e) {
            if (!server.isClosed()) {
                failure = e;
            }
        } catch (InterruptedException | RuntimeException e) {
            failure = e;
        } finally {
            done.countDown();
        }
    }

    private String replyFor(String upper) {
        String best = null;
        for (String key : script.keySet()) {
            if (upper.startsWith(key) && (best == null || key.length() > best.length())) {
                best = key;
            }
        }
        if (best != null) {
            return script.get(best);
        }
        if (upper.startsWith("EHLO")) {
            StringBuilder text = new StringBuilder("250");
            text.append(ehlo.isEmpty() ? " " : "-").append("scripted.test");
            for (int i = 0; i < ehlo.size(); i++) {
                text.append("\r\n250").append(i == ehlo.size() - 1 ? " " : "-").append(ehlo.get(i));
            }
            return text.toString();
        }
        if (upper.equals("DATA")) {
            return "354 End data with <CR><LF>.<CR><LF>";
        }
        if (upper.equals("QUIT")) {
            return "221 2.0.0 Bye";
        }
        return "250 2.0.0 Ok";
    }

    /** Sends the reply; false when it was {@link #SILENT} or {@link #HANG_UP}. */
    private static boolean reply(OutputStream out, String reply) throws IOException {
        if (reply.equals(SILENT) || reply.equals(HANG_UP)) {
            return false;
        }
        out.write((reply + "\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
        return true;
    }

    private void readData(InputStream in) throws IOException {
        while (true) {
            byte[] line = readLine(in);
            if (line == null) {
                throw new IOException("connection closed in DATA");
            }
            if (line.length == 3 && line[0] == '.' && line[1] == '\r' && line[2] == '\n') {
                return;
            }
            synchronized (data) {
                data.write(line);
            }
        }
    }

    private static void awaitClose(InputStream in) throws IOException {
        try {
            while (in.read() >= 0) {
                // discard until the client closes
            }
        } catch (IOException e) {
            // closed
        }
    }

    /** One line with its LF, or null at the end of the stream. */
    private static byte[] readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            line.write(b);
            if (b == '\n') {
                return line.toByteArray();
            }
        }
        return line.size() == 0 ? null : line.toByteArray();
    }
}
