package org.postseal.smarthost;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postseal.keys.DkimKeyGenerator;
import org.postseal.keys.PrivateKeyWriter;
import org.postseal.metrics.ScrapedMetrics;
import org.postseal.postfix.PostfixInstance;
import org.postseal.postfix.PostfixPrograms;
import org.postseal.postfix.PostfixInstance.Options;

/**
 * {@code postseal smarthost --metrics-listen} from the packaged jar, relaying to a real Postfix through a
 * {@link TcpGate}: messages sent through {@code bin/postseal-sendmail} are counted as signed; with the upstream
 * server down they wait in the spool, and {@code postseal_spool_messages{state="queued"}} and the oldest message's
 * age say so, then fall to 0 once the server is back and has them; a recipient refused with 5xx leaves one message
 * in {@code failed/}, counted as such.
 */
class SmarthostMetricsIT {
    private static final Duration DELIVERY = Duration.ofSeconds(60);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static Path work;
    private static PostfixInstance postfix;
    private static TcpGate gate;
    private static SmarthostProcess smarthost;
    private static Path socket;
    private static int metricsPort;

    @BeforeAll
    static void start() throws Exception {
        PostfixPrograms.require();
        work = Files.createTempDirectory(Path.of("/tmp"), "metrics-smarthost-it");
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path access = Files.writeString(work.resolve("access"), "nobody@dst.test 550 5.1.1 no such user here\n");
        Files.setPosixFilePermissions(access, PosixFilePermissions.fromString("rw-r--r--"));
        postfix = PostfixInstance.start(Options.builder()
                .mainCf("smtpd_recipient_restrictions = check_recipient_access texthash:" + access
                        + ", permit_mynetworks, reject")
                .build());
        gate = new TcpGate(postfix.smtpPort());
        gate.open();
        Path keyFile = work.resolve("civi.private");
        Files.createFile(keyFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(keyFile, PrivateKeyWriter.pem(DkimKeyGenerator.ed25519()));
        Path msmtprc = Files.writeString(work.resolve("msmtprc"), String.join("\n",
                "defaults", "account default", "host 127.0.0.1", "port " + gate.port(), "auth off",
                "protocol smtp", ""));
        try (java.net.ServerSocket free = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            metricsPort = free.getLocalPort();
        }
        Path conf = Files.writeString(work.resolve("postseal.conf"), String.join("\n",
                "postseal.smarthost {",
                "  retry { first = 1s, max = 2s, lifetime = 1h }",
                "  relay-wait = 5s",
                "  queue-tick = 200ms",
                "  metrics.listen = \"127.0.0.1:" + metricsPort + "\"",
                "}", ""));
        socket = work.resolve("smarthost.sock");
        smarthost = new SmarthostProcess(socket, work.resolve("smarthost.log"), List.of("--config", conf.toString(),
                "--msmtprc", msmtprc.toString(), "--spool", work.resolve("spool").toString(), "--domain",
                "src.test", "--selector", "civi", "--key", keyFile.toString())).start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (smarthost != null) {
            smarthost.close();
        }
        if (gate != null) {
            gate.close();
        }
        if (postfix != null) {
            postfix.close();
        }
    }

    @Test
    void signedMessagesAndTheSpoolAreCountedAsTheyAre() throws Exception {
        assertEquals(200, get("/ready").statusCode());
        ScrapedMetrics s = scrape();
        assertEquals(1, s.count("postseal_signing_key_info", "d", "src.test", "s", "civi", "algorithm",
                "ed25519-sha256", "bits", "256"), s.toString());
        assertEquals(0, s.count("postseal_spool_messages", "state", "queued"), s.toString());

        for (int i = 0; i < 2; i++) {
            assertEquals(0, SmarthostProcess.sendmail(socket, message("relayed " + i), "-t", "-i").exitCode());
        }
        postfix.awaitDelivered(2, DELIVERY);

        gate.shut();
        for (int i = 0; i < 3; i++) {
            SmarthostProcess.ClientRun run = SmarthostProcess.sendmail(socket, message("while down " + i), "-t",
                    "-i");
            assertEquals(0, run.exitCode(), "queued is accepted: " + run.stderr());
        }
        Thread.sleep(1500);
        s = scrape();
        assertEquals(3, s.count("postseal_spool_messages", "state", "queued"), s.toString());
        assertTrue(s.count("postseal_spool_oldest_message_age_seconds") >= 1.0, s.toString());
        assertEquals(5, s.count("postseal_messages_signed_total", "d", "src.test", "result", "signed"));
        assertEquals(5, s.count("postseal_signing_duration_seconds_count"));
        assertEquals(0, s.sum("postseal_messages_not_signed_total"));

        gate.open();
        postfix.awaitDelivered(3, DELIVERY);
        awaitScrape(m -> m.count("postseal_spool_messages", "state", "queued") == 0
                && m.count("postseal_spool_oldest_message_age_seconds") == 0, "the queue emptied");

        SmarthostProcess.ClientRun refused = SmarthostProcess.sendmail(socket, message("refused"), "-i",
                "nobody@dst.test");
        assertEquals(69, refused.exitCode(), refused.stderr());
        awaitScrape(m -> m.count("postseal_spool_messages", "state", "failed") == 1, "one failed message");
        assertEquals(6, scrape().count("postseal_messages_signed_total", "d", "src.test", "result", "signed"));
    }

    private static byte[] message(String subject) {
        return ("To: dst@dst.test\nSubject: " + subject + "\nFrom: \"SRC\" <src@src.test>\n\nmessage\n")
                .getBytes(StandardCharsets.UTF_8);
    }

    private static void awaitScrape(Predicate<ScrapedMetrics> condition, String what) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        ScrapedMetrics last = scrape();
        while (!condition.test(last)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + ": " + last);
            }
            Thread.sleep(200);
            last = scrape();
        }
    }

    private static ScrapedMetrics scrape() throws Exception {
        HttpResponse<String> response = get("/metrics");
        assertEquals(200, response.statusCode(), response.body());
        return ScrapedMetrics.parse(response.body());
    }

    private static HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
