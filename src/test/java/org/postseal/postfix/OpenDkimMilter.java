package org.postseal.postfix;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.postseal.interop.Peers;
import org.postseal.interop.Peers.Peer;

/**
 * The real OpenDKIM milter in the foreground, signing on a TCP port of 127.0.0.1 for a Postfix instance to use:
 * {@code Mode s}, one key for {@code *@DOMAIN} (KeyTable and SigningTable), {@code OversignHeaders From},
 * {@code InternalHosts 127.0.0.1} (so a client at 127.0.0.2 is not signed for, unless it authenticated),
 * {@code Canonicalization relaxed/simple}. It stands in for postseal's own milter until there is one.
 */
final class OpenDkimMilter implements AutoCloseable {
    private static final Path OPENDKIM = Path.of("/usr/sbin/opendkim");
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(10);
    private static final int START_ATTEMPTS = 5;

    private final Process process;
    private final int port;
    private final Path output;

    private OpenDkimMilter(Process process, int port, Path output) {
        this.process = process;
        this.port = port;
        this.output = output;
    }

    /**
     * Starts OpenDKIM with its configuration, tables and log in {@code work}.
     *
     * @param keyFile a PEM private key for {@code selector._domainkey.domain}
     * @throws IllegalStateException if OpenDKIM does not start listening; the message carries its output
     */
    static OpenDkimMilter start(Path work, String domain, String selector, Path keyFile) {
        Peers.require(Peer.OPENDKIM);
        try {
            Path keyTable = Files.writeString(work.resolve("keytable"),
                    selector + " " + domain + ":" + selector + ":" + keyFile.toAbsolutePath() + "\n");
            Path signingTable = Files.writeString(work.resolve("signingtable"), "*@" + domain + " " + selector + "\n");
            for (int attempt = 1; ; attempt++) {
                int port = PostfixInstance.freePort();
                Path config = Files.writeString(work.resolve("opendkim.conf"), String.join("\n",
                        "Mode s",
                        "Socket inet:" + port + "@127.0.0.1",
                        "KeyTable " + keyTable,
                        "SigningTable refile:" + signingTable,
                        "OversignHeaders From",
                        "InternalHosts 127.0.0.1",
                        "Canonicalization relaxed/simple",
                        "RequireSafeKeys false",
                        "TemporaryDirectory " + work,
                        "Syslog no",
                        "UMask 077") + "\n");
                Path output = work.resolve("opendkim-" + attempt + ".log");
                Process process = new ProcessBuilder(OPENDKIM.toString(), "-f", "-x", config.toString())
                        .redirectInput(new File("/dev/null"))
                        .redirectErrorStream(true)
                        .redirectOutput(output.toFile())
                        .start();
                OpenDkimMilter milter = new OpenDkimMilter(process, port, output);
                if (milter.awaitListening()) {
                    return milter;
                }
                milter.close();
                String log = milter.output();
                if (attempt >= START_ATTEMPTS || !log.contains("in use")) {
                    throw new IllegalStateException("opendkim did not listen on 127.0.0.1:" + port + ":\n" + log);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The value for {@code smtpd_milters}: {@code inet:127.0.0.1:PORT}. */
    String address() {
        return "inet:127.0.0.1:" + port;
    }

    /** What OpenDKIM printed. */
    String output() {
        try {
            return Files.readString(output, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(cannot read " + output + ": " + e.getMessage() + ")";
        }
    }

    /** Stops OpenDKIM: SIGTERM, and SIGKILL if it has not gone after a moment (libmilter is slow to notice). */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(500, TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private boolean awaitListening() {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (process.isAlive() && System.nanoTime() - deadline < 0) {
            try (Socket probe = new Socket()) {
                probe.connect(new InetSocketAddress("127.0.0.1", port), 1000);
                return true;
            } catch (IOException notYet) {
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
        }
        return false;
    }
}
