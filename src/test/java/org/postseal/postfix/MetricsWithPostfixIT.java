package org.postseal.postfix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postseal.cli.KeyFiles;
import org.postseal.dns.PowerDns;
import org.postseal.interop.Peers;
import org.postseal.interop.Peers.Peer;
import org.postseal.metrics.ScrapedMetrics;
import org.postseal.postfix.PostfixInstance.MilterDefaultAction;
import org.postseal.postfix.PostfixInstance.Options;

/**
 * {@code postseal milter --metrics-listen 127.0.0.1:PORT}, the packaged jar as a process, in Mode sv behind a real
 * Postfix, its keys for verification in a real PowerDNS: mail is sent (signed for a trusted client, left unsigned
 * for an untrusted one and for a domain with no SigningTable entry, verified when it comes from outside: dkimpy's
 * signatures, one tampered with, unsigned mail), then {@code /metrics} is scraped over HTTP as Prometheus would,
 * read as the text format, and every count must equal what was sent: messages signed by d=, not signed by reason,
 * verified by verdict, signatures by d= and result, DNS queries and cache hits, signing times, the key in use, the
 * configuration's load time. A raw connection moves the sessions gauge and a malformed packet counts as a protocol
 * error. {@code /health} and {@code /ready} answer 200, anything else 404.
 */
class MetricsWithPostfixIT {
    private static final Duration DELIVERY = Duration.ofSeconds(60);
    private static final List<String> RCPT = List.of("bob@example.net");
    private static final String INTERNAL = "127.0.0.1";
    private static final String EXTERNAL = "127.0.0.2";
    private static final int SIGNED = 3;
    private static final int UNTRUSTED = 2;
    private static final int NO_ENTRY = 1;
    private static final int VERIFIED_PASS = 2;
    private static final int TAMPERED = 1;

    @TempDir
    static Path work;
    static PowerDns dns;
    static Process milter;
    static int milterPort;
    static int metricsPort;
    static Instant started;
    static Path pyKey;
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() throws Exception {
        PostfixPrograms.require();
        Peers.require(Peer.DKIMPY);
        dns = PowerDns.start(work);
        Path keys = Files.createDirectories(work.resolve("keys"));
        Path ownKey = KeyFiles.genkey(Files.createDirectories(keys.resolve("own")), "example.com", "own");
        pyKey = KeyFiles.genkey(Files.createDirectories(keys.resolve("py")), "py.example", "py");
        dns.publish("py._domainkey.py.example", keys.resolve("py/py.txt"));
        Files.writeString(work.resolve("KeyTable"), "own example.com:own:" + ownKey + "\n");
        Files.writeString(work.resolve("SigningTable"), "*@example.com own\n");
        milterPort = PostfixInstance.freePort();
        metricsPort = PostfixInstance.freePort();
        // no Mode line: OpenDKIM's default, sv
        Path conf = Files.writeString(work.resolve("opendkim.conf"), String.join("\n",
                "Socket inet:" + milterPort + "@127.0.0.1",
                "KeyTable " + work.resolve("KeyTable"),
                "SigningTable refile:" + work.resolve("SigningTable"),
                "InternalHosts " + INTERNAL,
                "Nameservers 127.0.0.1:" + dns.port()) + "\n");
        started = Instant.now();
        milter = new ProcessBuilder("java", "-jar",
                Path.of(System.getProperty("postseal.jar", "target/postseal.jar")).toString(),
                "milter", "--opendkim-conf", conf.toString(), "--metrics-listen", "127.0.0.1:" + metricsPort)
                .redirectInput(new File("/dev/null")).redirectErrorStream(true)
                .redirectOutput(work.resolve("milter.log").toFile()).start();
        awaitReady();
    }

    @AfterAll
    static void stop() throws Exception {
        if (milter != null) {
            milter.destroy();
            milter.waitFor(10, TimeUnit.SECONDS);
        }
        if (dns != null) {
            dns.close();
        }
    }

    @Test
    void theCountsScrapedEqualTheMailSent() throws Exception {
        ScrapedMetrics before = scrape();
        assertEquals(0, before.sum("postseal_messages_signed_total"), before.toString());
        assertEquals(0, before.sum("postseal_messages_not_signed_total"), before.toString());
        assertEquals(0, before.sum("postseal_messages_verified_total"), before.toString());

        Options options = Options.builder().milter("inet:127.0.0.1:" + milterPort).milterProtocol(6)
                .milterDefaultAction(MilterDefaultAction.TEMPFAIL).build();
        try (PostfixInstance postfix = PostfixInstance.start(options)) {
            for (int i = 0; i < SIGNED; i++) {
                postfix.sendSmtp("joe@example.com", RCPT, message("joe@example.com", "signed " + i, ""), INTERNAL);
            }
            for (int i = 0; i < UNTRUSTED; i++) {
                postfix.sendSmtp("joe@example.com", RCPT, message("joe@example.com", "untrusted " + i, ""),
                        EXTERNAL);
            }
            for (int i = 0; i < NO_ENTRY; i++) {
                postfix.sendSmtp("joe@example.net", RCPT, message("joe@example.net", "no entry " + i, ""), INTERNAL);
            }
            for (int i = 0; i < VERIFIED_PASS; i++) {
                postfix.sendSmtp("ann@py.example", RCPT, Peers.dkimpySign(message("ann@py.example", "dkimpy " + i,
                        ""), "py", "py.example", pyKey, "rsa-sha256", "relaxed/simple"), EXTERNAL);
            }
            for (int i = 0; i < TAMPERED; i++) {
                postfix.sendSmtp("ann@py.example", RCPT, new String(Peers.dkimpySign(message("ann@py.example",
                        "tampered " + i, ""), "py", "py.example", pyKey, "rsa-sha256", "relaxed/simple"),
                        StandardCharsets.UTF_8).replace("this is tampered", "this is TAMPERED")
                        .getBytes(StandardCharsets.UTF_8), EXTERNAL);
            }
            int sent = SIGNED + UNTRUSTED + NO_ENTRY + VERIFIED_PASS + TAMPERED;
            List<DeliveredMessage> delivered = postfix.awaitDelivered(sent, DELIVERY);
            assertEquals(SIGNED, delivered.stream().filter(m -> !m.headerFields("DKIM-Signature").isEmpty()
                    && m.headerValue("Subject").startsWith("signed")).count(), "what the sink saw");
        }

        ScrapedMetrics s = scrape();
        assertEquals(SIGNED, s.count("postseal_messages_signed_total", "d", "example.com", "result", "signed"),
                s.toString());
        assertEquals(SIGNED, s.sum("postseal_messages_signed_total"), s.toString());
        assertEquals(SIGNED, s.count("postseal_signing_duration_seconds_count"));
        assertEquals(SIGNED, s.count("postseal_signing_duration_seconds_bucket", "le", "+Inf"));
        assertTrue(s.count("postseal_signing_duration_seconds_sum") > 0, s.toString());

        // mail from outside is not signed (client not trusted) and is verified, as is mail no entry signs
        assertEquals(UNTRUSTED + VERIFIED_PASS + TAMPERED, s.count("postseal_messages_not_signed_total", "reason",
                "client_not_trusted"), s.toString());
        assertEquals(NO_ENTRY, s.count("postseal_messages_not_signed_total", "reason", "no_signing_entry"));
        assertEquals(UNTRUSTED + VERIFIED_PASS + TAMPERED + NO_ENTRY, s.sum("postseal_messages_not_signed_total"));
        assertEquals(VERIFIED_PASS, s.count("postseal_messages_verified_total", "verdict", "pass"));
        assertEquals(TAMPERED, s.count("postseal_messages_verified_total", "verdict", "bad_signature"));
        assertEquals(UNTRUSTED + NO_ENTRY, s.count("postseal_messages_verified_total", "verdict", "no_signature"));
        assertEquals(UNTRUSTED + VERIFIED_PASS + TAMPERED + NO_ENTRY, s.sum("postseal_messages_verified_total"));
        assertEquals(VERIFIED_PASS, s.count("postseal_signatures_verified_total", "d", "py.example", "result",
                "pass"));
        assertEquals(TAMPERED, s.count("postseal_signatures_verified_total", "d", "py.example", "result", "fail"));

        // one query to PowerDNS; every later lookup of the same key from the cache
        assertEquals(1, s.count("postseal_dns_queries_total", "result", "found"), s.toString());
        assertEquals(1, s.sum("postseal_dns_queries_total"));
        assertEquals(VERIFIED_PASS + TAMPERED - 1, s.count("postseal_dns_cache_hits_total"));

        assertEquals(1, s.count("postseal_signing_key_info", "d", "example.com", "s", "own", "algorithm",
                "rsa-sha256", "bits", "2048"), s.toString());
        double loaded = s.count("postseal_config_load_timestamp_seconds");
        assertTrue(loaded >= started.getEpochSecond() - 1 && loaded <= Instant.now().getEpochSecond(),
                "loaded at " + loaded + ", started " + started);
        for (String kind : List.of("internal", "timeout", "limit")) {
            assertEquals(0, s.count("postseal_errors_total", "kind", kind), s.toString());
        }
    }

    @Test
    void aConnectionMovesTheSessionsGaugeAndGarbageCountsAsAProtocolError() throws Exception {
        awaitScrape(m -> m.count("postseal_milter_sessions_open") == 0, "no session open");
        double protocolErrors = scrape().count("postseal_errors_total", "kind", "protocol");
        try (Socket client = new Socket("127.0.0.1", milterPort)) {
            awaitScrape(m -> m.count("postseal_milter_sessions_open") == 1, "one session open");
            OutputStream out = client.getOutputStream();
            out.write(new byte[] {0, 0, 0, 0}); // a packet of length 0: not the milter protocol
            out.flush();
            assertEquals(-1, client.getInputStream().read(), "the milter closes the connection");
        }
        awaitScrape(m -> m.count("postseal_milter_sessions_open") == 0, "the session closed");
        assertEquals(protocolErrors + 1, scrape().count("postseal_errors_total", "kind", "protocol"));
    }

    @Test
    void healthAndReadyAnswer200AndOtherPaths404() throws Exception {
        assertEquals(200, get("/health").statusCode());
        HttpResponse<String> ready = get("/ready");
        assertEquals(200, ready.statusCode(), ready.body());
        assertEquals(404, get("/nothing-here").statusCode());
        HttpResponse<String> metrics = get("/metrics");
        assertEquals(200, metrics.statusCode());
        assertTrue(metrics.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"),
                metrics.headers().toString());
    }

    private static void awaitReady() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!milter.isAlive()) {
                throw new AssertionError("milter exited:\n" + Files.readString(work.resolve("milter.log")));
            }
            try {
                if (get("/ready").statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new AssertionError("metrics never ready:\n" + Files.readString(work.resolve("milter.log")));
    }

    private static void awaitScrape(Predicate<ScrapedMetrics> condition, String what) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        ScrapedMetrics last = scrape();
        while (!condition.test(last)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + ": " + last);
            }
            Thread.sleep(100);
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

    private static byte[] message(String from, String subject, String extraFields) {
        return (extraFields + "From: " + from + "\r\nTo: Bob <bob@example.net>\r\nSubject: " + subject + "\r\n"
                + "Date: Sun, 22 Nov 2026 10:00:00 +0100\r\nMessage-ID: <" + subject.replace(' ', '.')
                + "@example.test>\r\n\r\nHello Bob,\r\n\r\nthis is " + subject + ".\r\n")
                .getBytes(StandardCharsets.UTF_8);
    }
}
