package org.postseal.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.postseal.events.MessageSigned;

/** The metrics listener over a real loopback socket, asked as Prometheus and a health checker ask. */
class MetricsServerTest {
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void readyIs503UntilToldThen200AndAgain503WhenStopping() throws Exception {
        PrometheusMetrics metrics = new PrometheusMetrics();
        try (MetricsServer server = MetricsServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                metrics)) {
            assertEquals(503, get(server, "/ready").statusCode());
            assertEquals(200, get(server, "/health").statusCode());
            server.ready(true);
            assertEquals(200, get(server, "/ready").statusCode());
            assertEquals("ready\n", get(server, "/ready").body());
            server.ready(false);
            assertEquals(503, get(server, "/ready").statusCode());
            assertEquals(200, get(server, "/health").statusCode(), "alive while stopping");
        }
    }

    @Test
    void metricsAreServedInTheTextFormatAndOtherPathsAre404() throws Exception {
        PrometheusMetrics metrics = new PrometheusMetrics();
        metrics.signed(new MessageSigned(List.of("example.com"), Duration.ofMillis(1)));
        try (MetricsServer server = MetricsServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                metrics)) {
            HttpResponse<String> response = get(server, "/metrics");
            assertEquals(200, response.statusCode());
            assertTrue(response.headers().firstValue("Content-Type").orElseThrow().startsWith("text/plain"));
            assertEquals(1, ScrapedMetrics.parse(response.body()).count("postseal_messages_signed_total", "d",
                    "example.com", "result", "signed"), response.body());
            assertEquals(404, get(server, "/").statusCode());
            assertEquals(404, get(server, "/-/healthy").statusCode(), "only postseal's paths");
        }
    }

    @Test
    void anAddressInUseIsRefused() throws Exception {
        try (MetricsServer first = MetricsServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                new PrometheusMetrics())) {
            assertThrows(IOException.class, () -> MetricsServer.start(first.address(), new PrometheusMetrics()));
        }
    }

    private HttpResponse<String> get(MetricsServer server, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.address().getPort() + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
