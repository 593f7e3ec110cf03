package org.postseal.postfix;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * The SMTP server Postfix relays everything to ({@code relayhost = [127.0.0.1]:PORT}): it accepts every
 * transaction (or refuses the recipients it was told to, see {@link #start(Function)}) and keeps each message's
 * envelope and exact bytes.
 *
 * <p>Postfix's own {@code smtp-sink -d} was considered and left aside: its dump files end lines in LF only, prepend
 * its own {@code Received:} field, append an empty line and give no sign of when a message is complete, so the
 * bytes Postfix sent cannot be recovered exactly.
 *
 * <p>It announces {@code 8BITMIME} (so Postfix never converts 8-bit bodies to quoted-printable, which would break
 * signatures) and {@code SMTPUTF8}, but not {@code PIPELINING}, {@code DSN} or {@code CHUNKING}: Postfix then sends
 * one command at a time and the message as a dot-stuffed DATA section.
 */
public final class SmtpSink implements AutoCloseable {
    private static final String HOSTNAME = "sink.postseal.test";
    private static final int MAX_COMMAND_LINE = 4096;
    private static final long MAX_MESSAGE_BYTES = 64L << 20;
    private static final Duration SESSION_TIMEOUT = Duration.ofSeconds(120);

    private final ServerSocket server;
    private final ExecutorService threads;
    private final Set<Socket> sessions = ConcurrentHashMap.newKeySet();
    private final AtomicInteger transactions = new AtomicInteger();
    private final Object lock = new Object();
    private final List<DeliveredMessage> delivered = new ArrayList<>(); // guarded by lock
    private final List<String> failures = new ArrayList<>(); // guarded by lock
    private int taken; // guarded by lock
    private boolean holding; // guarded by lock
    private final Function<String, Optional<String>> refusals;
    private volatile boolean closed;

    private SmtpSink(ServerSocket server, Function<String, Optional<String>> refusals) {
        this.server = server;
        this.refusals = refusals;
        this.threads = Executors.newCachedThreadPool(task -> {
            Thread thread = new Thread(task, "postfix-sink-" + server.getLocalPort());
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Listens on a free port of 127.0.0.1 and accepts every recipient. */
    public static SmtpSink start() {
        return start(recipient -> Optional.empty());
    }

    /**
     * Listens on a free port of 127.0.0.1; {@code refusals} is asked at each RCPT and answers the reply line that
     * refuses that recipient ({@code 550 5.1.1 no such user}, {@code 451 4.3.0 later}), or empty to accept it. It is
     * called on session threads, one RCPT at a time per session.
     */
    public static SmtpSink start(Function<String, Optional<String>> refusals) {
        try {
            ServerSocket server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
            SmtpSink sink = new SmtpSink(server, refusals);
            sink.threads.execute(sink::acceptLoop);
            return sink;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int port() {
        return server.getLocalPort();
    }

    /** Every message received so far, in the order their DATA ended. */
    public List<DeliveredMessage> delivered() {
        synchronized (lock) {
            return List.copyOf(delivered);
        }
    }

    /** What went wrong in sessions that ended abnormally, for diagnostics. */
    List<String> failures() {
        synchronized (lock) {
            return List.copyOf(failures);
        }
    }

    /**
     * The next {@code count} messages no earlier call returned, waiting up to {@code timeout} for them to arrive;
     * empty, and nothing taken, if they did not.
     */
    public Optional<List<DeliveredMessage>> take(int count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            while (delivered.size() < taken + count) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return Optional.empty();
                }
                lock.wait(Math.max(1, left / 1_000_000));
            }
            List<DeliveredMessage> next = List.copyOf(delivered.subList(taken, taken + count));
            taken += count;
            return Optional.of(next);
        }
    }

    /**
     * From now on, the reply to the end of a message's data waits until {@link #releaseDataReplies}: the message is
     * kept already, and the client does not know it yet (the moment a crash makes a duplicate).
     */
    public void holdDataReplies() {
        synchronized (lock) {
            holding = true;
        }
    }

    /** Sends the replies {@link #holdDataReplies} held, and holds no more. */
    public void releaseDataReplies() {
        synchronized (lock) {
            holding = false;
            lock.notifyAll();
        }
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
                if (!closed) {
                    fail("accept: " + e);
                }
                return;
            }
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            socket.setSoTimeout((int) SESSION_TIMEOUT.toMillis());
            new Session(new BufferedInputStream(socket.getInputStream()),
                    new BufferedOutputStream(socket.getOutputStream())).run();
        } catch (IOException | RuntimeException e) {
            if (!closed && !(e instanceof SocketException)) {
                fail("session from " + socket.getRemoteSocketAddress() + ": " + e);
            }
        } finally {
            sessions.remove(socket);
        }
    }

    private void fail(String why) {
        synchronized (lock) {
            failures.add(why);
        }
    }

    private void deliver(DeliveredMessage message) {
        synchronized (lock) {
            delivered.add(message);
            lock.notifyAll();
        }
    }

    /** One SMTP connection, one transaction at a time. */
    private final class Session {
        private final InputStream in;
        private final OutputStream out;
        private State state = State.READY;
        private String sender;
        private final List<String> recipients = new ArrayList<>();

        Session(InputStream in, OutputStream out) {
            this.in = in;
            this.out = out;
        }

        void run() throws IOException {
            reply("220 " + HOSTNAME + " ESMTP postseal test sink");
            while (true) {
                byte[] raw = readLine(in, MAX_COMMAND_LINE);
                if (raw == null) {
                    return;
                }
                String line = new String(raw, StandardCharsets.UTF_8).replaceFirst("\r?\n$", "");
                String verb = line.split(" ", 2)[0].toUpperCase(Locale.ROOT);
                switch (verb) {
                    case "EHLO" -> {
                        reset();
                        reply("250-" + HOSTNAME, "250-8BITMIME", "250 SMTPUTF8");
                    }
                    case "HELO" -> {
                        reset();
                        reply("250 " + HOSTNAME);
                    }
                    case "MAIL" -> mail(line);
                    case "RCPT" -> rcpt(line);
                    case "DATA" -> data();
                    case "RSET" -> {
                        reset();
                        reply("250 2.0.0 Ok");
                    }
                    case "NOOP" -> reply("250 2.0.0 Ok");
                    case "QUIT" -> {
                        reply("221 2.0.0 Bye");
                        return;
                    }
                    default -> reply("502 5.5.2 Command not recognized: " + verb);
                }
            }
        }

        private void mail(String line) throws IOException {
            if (state != State.READY) {
                reply("503 5.5.1 Nested MAIL command");
                return;
            }
            Optional<String> address = address(line, "MAIL FROM:");
            if (address.isEmpty()) {
                reply("501 5.5.4 Syntax: MAIL FROM:<address>");
                return;
            }
            sender = address.get();
            state = State.MAIL;
            reply("250 2.1.0 Ok");
        }

        private void rcpt(String line) throws IOException {
            if (state == State.READY) {
                reply("503 5.5.1 Need MAIL command");
                return;
            }
            Optional<String> address = address(line, "RCPT TO:");
            if (address.isEmpty() || address.get().isEmpty()) {
                reply("501 5.5.4 Syntax: RCPT TO:<address>");
                return;
            }
            Optional<String> refusal = refusals.apply(address.get());
            if (refusal.isPresent()) {
                reply(refusal.get());
                return;
            }
            recipients.add(address.get());
            state = State.RCPT;
            reply("250 2.1.5 Ok");
        }

        private void data() throws IOException {
            if (state != State.RCPT) {
                reply("503 5.5.1 Need RCPT command");
                return;
            }
            reply("354 End data with <CR><LF>.<CR><LF>");
            ByteArrayOutputStream message = new ByteArrayOutputStream();
            while (true) {
                byte[] line = readLine(in, Integer.MAX_VALUE);
                if (line == null) {
                    throw new EOFException("connection closed in DATA after " + message.size() + " bytes");
                }
                if (isEndOfData(line)) {
                    break;
                }
                int stuffing = line[0] == '.' ? 1 : 0;
                message.write(line, stuffing, line.length - stuffing);
                if (message.size() > MAX_MESSAGE_BYTES) {
                    throw new IOException("message: more than " + MAX_MESSAGE_BYTES + " bytes");
                }
            }
            deliver(DeliveredMessage.of(sender, recipients, message.toByteArray()));
            awaitRelease();
            reset();
            reply("250 2.0.0 Ok: queued as sink" + transactions.incrementAndGet());
        }

        private void awaitRelease() throws IOException {
            synchronized (lock) {
                while (holding && !closed) {
                    try {
                        lock.wait(100);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IOException("interrupted while holding the reply to DATA", e);
                    }
                }
            }
        }

        private void reset() {
            state = State.READY;
            sender = null;
            recipients.clear();
        }

        private void reply(String... lines) throws IOException {
            for (String line : lines) {
                out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
            }
            out.flush();
        }
    }

    /** Where a session is in its transaction. */
    private enum State {
        /** No transaction: MAIL is next. */
        READY,
        /** MAIL given: RCPT is next. */
        MAIL,
        /** At least one RCPT given: more RCPT, or DATA. */
        RCPT
    }

    /** The address after {@code prefix} ({@code MAIL FROM:}), without angle brackets or parameters. */
    static Optional<String> address(String line, String prefix) {
        if (!line.regionMatches(true, 0, prefix, 0, prefix.length())) {
            return Optional.empty();
        }
        String rest = line.substring(prefix.length()).stripLeading();
        if (rest.startsWith("<")) {
            int close = rest.indexOf('>');
            return close < 0 ? Optional.empty() : Optional.of(rest.substring(1, close));
        }
        String bare = rest.split(" ", 2)[0];
        return bare.isEmpty() ? Optional.empty() : Optional.of(bare);
    }

    private static boolean isEndOfData(byte[] line) {
        return line.length >= 2 && line[0] == '.'
                && (line.length == 2 && line[1] == '\n' || line.length == 3 && line[1] == '\r' && line[2] == '\n');
    }

    /** One line with its line end; {@code null} at end of stream before any byte. */
    static byte[] readLine(InputStream in, int limit) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(128);
        while (true) {
            int b = in.read();
            if (b < 0) {
                if (line.size() == 0) {
                    return null;
                }
                throw new EOFException("connection closed in the middle of a line");
            }
            line.write(b);
            if (b == '\n') {
                return line.toByteArray();
            }
            if (line.size() > limit) {
                throw new IOException("line: more than " + limit + " bytes (expected: an SMTP command)");
            }
        }
    }
}
