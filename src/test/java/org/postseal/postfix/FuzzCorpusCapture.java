package org.postseal.postfix;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.postseal.dkim.DkimSigner;
import org.postseal.dkim.KeyLookupException;
import org.postseal.dkim.SignatureSpec;
import org.postseal.dkim.SigningKey;
import org.postseal.dkim.SigningSession;
import org.postseal.dkim.VerificationLimits;
import org.postseal.dns.KeyRecordSource;
import org.postseal.keys.KeyRecordText;
import org.postseal.message.HeaderBlock;
import org.postseal.message.HeaderField;
import org.postseal.milter.MilterServer;
import org.postseal.milter.MilterSessions;
import org.postseal.milter.SigningPort;
import org.postseal.milter.VerificationSettings;
import org.postseal.policy.HostList;
import org.postseal.policy.KeyTable;
import org.postseal.policy.SigningPolicy;
import org.postseal.policy.SigningTable;
import org.postseal.policy.VerificationActions;
import org.postseal.signing.OnError;
import org.postseal.signing.SignatureSelector;
import org.postseal.signing.SignatureTemplate;
import org.postseal.signing.SigningKeys;

/**
 * Captures the seed corpora of the milter and SMTP fuzz targets from real traffic (docs/RELIABILITY.md): a throwaway
 * Postfix ({@link PostfixInstance}) talks to postseal's milter through a recording proxy, at milter_protocol 6 and 2,
 * over SMTP from an internal and an external client and through {@code sendmail}, with a postseal that only signs and
 * one that also verifies; every byte Postfix wrote to the milter on one connection becomes one corpus file. The
 * replies Postfix's smtpd gave an SMTP client become the SMTP reply corpus. Run by hand when the corpus should be made
 * again (it needs Postfix, so root):
 *
 * <pre>
 * mvn -o -q test-compile dependency:build-classpath -Dmdep.outputFile=target/test.classpath
 * java -cp target/test-classes:target/classes:$(cat target/test.classpath) \
 *     org.postseal.postfix.FuzzCorpusCapture src/test/resources
 * </pre>
 */
public final class FuzzCorpusCapture {
    /** The key of the test resources, so that the verifying sessions of the corpus hold signatures that pass. */
    private static final SigningKey KEY = fixedKey();

    private FuzzCorpusCapture() {
    }

    public static void main(String[] args) throws Exception {
        Path resources = Path.of(args.length > 0 ? args[0] : "src/test/resources");
        Path frames = Files.createDirectories(resources.resolve(
                "org/postseal/milter/MilterFrameDecoderFuzzTestInputs/frames"));
        Path sessions = Files.createDirectories(resources.resolve(
                "org/postseal/milter/MilterSessionFuzzTestInputs/session"));
        Path replies = Files.createDirectories(resources.resolve(
                "org/postseal/smtp/SmtpSessionFuzzTestInputs/replies"));
        Consumer<Capture> milterCorpus = c -> {
            write(frames.resolve(c.name()), c.bytes());
            write(sessions.resolve(c.name()), c.bytes());
        };
        for (int protocol : new int[] {6, 2}) {
            for (boolean verifying : new boolean[] {false, true}) {
                capture(protocol, verifying, milterCorpus,
                        c -> write(replies.resolve("postfix-3.7-" + c.name()), c.bytes()));
            }
        }
    }

    private static void capture(int protocol, boolean verifying, Consumer<Capture> milterCorpus,
            Consumer<Capture> replyCorpus) throws Exception {
        String label = "postfix-v" + protocol + (verifying ? "-sv" : "-s");
        try (MilterServer milter = MilterServer.start(new InetSocketAddress("127.0.0.1", 0), sessions(verifying),
                Optional.empty(), Optional.empty());
                Proxy toMilter = new Proxy((InetSocketAddress) milter.localAddress(), true);
                PostfixInstance postfix = PostfixInstance.start(PostfixInstance.Options.builder()
                        .milter("inet:127.0.0.1:" + toMilter.port()).milterProtocol(protocol).build());
                Proxy toSmtpd = new Proxy(new InetSocketAddress("127.0.0.1", postfix.smtpPort()), false)) {
            byte[] plain = message("Joe <joe@example.com>", "Capture " + label, false);
            byte[] eightBit = message("\"Doe, Jane\" <jane@lists.example.org>", "Caf\u00e9 cr\u00e8me " + label, true);
            int sent = 0;
            SmtpClient.send(new InetSocketAddress("127.0.0.1", toSmtpd.port()), "127.0.0.1", Optional.empty(),
                    "joe@example.com", List.of("bob@example.net", "carol@example.net"), plain,
                    PostfixInstance.REPLY_TIMEOUT);
            sent++;
            postfix.sendSmtp("jane@lists.example.org", List.of("bob@example.net"), eightBit, "127.0.0.1");
            sent++;
            postfix.sendSmtp("mallory@example.net", List.of("bob@example.net"), signed(message(
                    "Mallory <mallory@example.com>", "External " + label, false)), "127.0.0.2");
            sent++;
            postfix.sendmail(message("root <root@example.com>", "Local " + label, false));
            sent++;
            postfix.awaitDelivered(sent, Duration.ofSeconds(60));
            int n = 0;
            for (byte[] connection : toMilter.captured()) {
                milterCorpus.accept(new Capture(label + "-" + ++n, connection));
            }
            n = 0;
            for (byte[] connection : toSmtpd.captured()) {
                replyCorpus.accept(new Capture(label + "-" + ++n, connection));
            }
        }
    }

    private static MilterSessions sessions(boolean verifying) {
        SigningPolicy policy = SigningPolicy.builder().internalHosts(HostList.of(List.of("127.0.0.1")))
                .tables(KeyTable.of(List.of(new KeyTable.Entry("k", "example.com", "sel", "/keys/k"),
                                new KeyTable.Entry("any", "%", "ed", "/keys/%"))),
                        SigningTable.ofPatterns(List.of(
                                new SigningTable.Entry("*@example.com", "k", Optional.empty()),
                                new SigningTable.Entry("*@*.example.org", "any", Optional.of("@%")))))
                .build();
        SigningPort port = SigningPort.of(SignatureSelector.byPolicy(policy, SigningKeys.of(path -> KEY),
                SignatureTemplate.DEFAULT));
        MilterSessions sessions = new MilterSessions(port, OnError.ACCEPT,
                org.postseal.milter.MilterLimits.DEFAULTS, 1, Clock.systemUTC());
        if (!verifying) {
            return sessions;
        }
        Map<String, String> records = Map.of("sel._domainkey.example.com", KeyRecordText.of(KEY).value());
        return sessions.withVerification(new VerificationSettings(KeyRecordSource.of((selector, domain) -> {
            String record = records.get((selector + "._domainkey." + domain).toLowerCase(Locale.ROOT));
            if (record == null) {
                throw KeyLookupException.notFound("NXDOMAIN");
            }
            return List.of(record);
        }), Optional.empty(), "mta.postseal.test", VerificationActions.DEFAULTS, new VerificationLimits(3, 8192)));
    }

    private static byte[] message(String from, String subject, boolean eightBit) {
        String text = "From: " + from + "\r\n"
                + "To: Bob <bob@example.net>,\r\n\tCarol <carol@example.net>\r\n"
                + "Subject: " + subject + "\r\n"
                + "Date: Tue, 01 Dec 2026 10:00:00 +0000\r\n"
                + "Message-ID: <" + Math.abs(subject.hashCode()) + "@example.com>\r\n"
                + (eightBit ? "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
                        + "Content-Transfer-Encoding: 8bit\r\n" : "")
                + "\r\n"
                + "Hello,\r\n\r\n  two spaces  and a tab\there.\r\n.a line starting with a dot\r\n"
                + (eightBit ? "\u00e9t\u00e9\r\n" : "") + "\r\n\r\n";
        return text.getBytes(eightBit ? StandardCharsets.UTF_8 : StandardCharsets.US_ASCII);
    }

    /** The message with postseal's DKIM-Signature on top (example.com, selector sel), for the verifying milter. */
    private static byte[] signed(byte[] message) throws Exception {
        int bodyStart = indexOfBody(message);
        SigningSession session = new DkimSigner(Clock.systemUTC()).newSession(List.of(
                SignatureSpec.builder("example.com", "sel", KEY).build()));
        for (HeaderField field : HeaderBlock.parseFields(java.util.Arrays.copyOf(message, bodyStart))) {
            session.header(field);
        }
        session.body(message, bodyStart, message.length - bodyStart);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (HeaderField signature : session.finish()) {
            out.writeBytes(signature.raw());
            out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        out.writeBytes(message);
        return out.toByteArray();
    }

    private static int indexOfBody(byte[] m) {
        for (int i = 0; i + 3 < m.length; i++) {
            if (m[i] == '\r' && m[i + 1] == '\n' && m[i + 2] == '\r' && m[i + 3] == '\n') {
                return i + 4;
            }
        }
        return m.length;
    }

    private static void write(Path file, byte[] bytes) {
        try {
            Files.write(file, bytes);
            System.out.println(file + " (" + bytes.length + " bytes)");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private record Capture(String name, byte[] bytes) {
    }

    /**
     * A TCP proxy on a loopback port that records one direction of each connection: what the client wrote
     * ({@code clientToServer}) or what the server answered.
     */
    private static final class Proxy implements AutoCloseable {
        private final ServerSocket listener;
        private final List<ByteArrayOutputStream> connections = new ArrayList<>();
        private final Thread acceptor;

        Proxy(InetSocketAddress target, boolean clientToServer) throws IOException {
            listener = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
            acceptor = new Thread(() -> {
                while (!listener.isClosed()) {
                    try {
                        Socket client = listener.accept();
                        Socket server = new Socket(target.getAddress(), target.getPort());
                        ByteArrayOutputStream record = new ByteArrayOutputStream();
                        synchronized (connections) {
                            connections.add(record);
                        }
                        pump(client.getInputStream(), server.getOutputStream(), clientToServer ? record : null,
                                client, server);
                        pump(server.getInputStream(), client.getOutputStream(), clientToServer ? null : record,
                                server, client);
                    } catch (IOException e) {
                        return;
                    }
                }
            }, "capture-proxy");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port() {
            return listener.getLocalPort();
        }

        List<byte[]> captured() throws InterruptedException {
            Thread.sleep(2000); // Postfix closes its milter connections a moment after the last message
            synchronized (connections) {
                List<byte[]> out = new ArrayList<>();
                for (ByteArrayOutputStream record : connections) {
                    synchronized (record) {
                        if (record.size() > 0) {
                            out.add(record.toByteArray());
                        }
                    }
                }
                return out;
            }
        }

        private static void pump(InputStream in, OutputStream out, ByteArrayOutputStream record, Socket from,
                Socket to) {
            Thread thread = new Thread(() -> {
                byte[] buffer = new byte[65536];
                try (from; to) {
                    for (int n; (n = in.read(buffer)) >= 0; ) {
                        if (record != null) {
                            synchronized (record) {
                                record.write(buffer, 0, n);
                            }
                        }
                        out.write(buffer, 0, n);
                        out.flush();
                    }
                } catch (IOException ignored) {
                    // either side closed
                }
            }, "capture-pump");
            thread.setDaemon(true);
            thread.start();
        }

        @Override
        public void close() throws IOException {
            listener.close();
        }
    }

    private static SigningKey fixedKey() {
        try (java.io.InputStream in = FuzzCorpusCapture.class.getResourceAsStream("/keys/ed25519-pkcs8.pem")) {
            return org.postseal.keys.PrivateKeyReader.read("ed25519-pkcs8.pem", in.readAllBytes());
        } catch (java.io.IOException | org.postseal.keys.KeyFileException e) {
            throw new IllegalStateException(e);
        }
    }

}
