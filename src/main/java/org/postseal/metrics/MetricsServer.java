package org.postseal.metrics;

import com.sun.net.httpserver.HttpExchange;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * The metrics listener: Prometheus's own HTTP server (the JDK's {@code com.sun.net.httpserver}) serving
 * {@code /metrics} in the text format, {@code /health} (200 while the process runs) and {@code /ready} (200 once the
 * configuration is loaded and the mail listener bound, 503 before that and from the start of shutdown); any other
 * path is 404. It binds where it is told; the command line decides that only a loopback address is the default.
 */
public final class MetricsServer implements Closeable {
    private final HTTPServer server;
    private final InetSocketAddress address;
    private volatile boolean ready;

    private MetricsServer(HTTPServer server, InetSocketAddress address) {
        this.server = server;
        this.address = address;
    }

    /**
     * Binds {@code address} and serves {@code metrics}; not ready until {@link #ready(boolean)} says so.
     *
     * @param address an address with a port; port 0 takes a free one ({@link #address()} tells which)
     * @throws IOException if the address cannot be bound
     */
    public static MetricsServer start(InetSocketAddress address, PrometheusMetrics metrics) throws IOException {
        MetricsServer[] self = new MetricsServer[1];
        HTTPServer http = HTTPServer.builder()
                .inetAddress(address.getAddress())
                .port(address.getPort())
                .registry(metrics.registry())
                .registerHealthHandler(false)
                .defaultHandler(exchange -> self[0].handle(exchange))
                .buildAndStart();
        self[0] = new MetricsServer(http, new InetSocketAddress(address.getAddress(), http.getPort()));
        return self[0];
    }

    /** Where it listens (with the port taken, when 0 was asked). */
    public InetSocketAddress address() {
        return address;
    }

    /** Says whether {@code /ready} answers 200 (serving mail) or 503 (starting or stopping). */
    public void ready(boolean value) {
        ready = value;
    }

    private void handle(HttpExchange exchange) throws IOException {
        try {
            String path = exchange.getRequestURI().getPath();
            switch (path) {
                case "/health" -> send(exchange, 200, "alive\n");
                case "/ready" -> send(exchange, ready ? 200 : 503, ready ? "ready\n" : "not ready\n");
                default -> send(exchange, 404, "not found; try /metrics, /health or /ready\n");
            }
        } finally {
            exchange.close();
        }
    }

    private static void send(HttpExchange exchange, int status, String text) throws IOException {
        byte[] body = text.getBytes(StandardCharsets.US_ASCII);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=us-ascii");
        if ("HEAD".equals(exchange.getRequestMethod())) {
            exchange.sendResponseHeaders(status, -1);
            return;
        }
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    /** Stops serving (at once: a scrape in progress is cut). */
    @Override
    public void close() {
        ready = false;
        server.close();
    }

    @Override
    public String toString() {
        return "metrics on http://" + (address.getAddress().getHostAddress().contains(":")
                ? "[" + address.getAddress().getHostAddress() + "]" : address.getAddress().getHostAddress())
                + ":" + address.getPort() + "/metrics";
    }
}
