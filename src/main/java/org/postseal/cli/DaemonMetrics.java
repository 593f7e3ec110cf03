package org.postseal.cli;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Consumer;
import org.postseal.config.MetricsAddress;
import org.postseal.events.MailEvents;
import org.postseal.metrics.MetricsServer;
import org.postseal.metrics.PrometheusMetrics;
import org.postseal.signing.SignatureSelector;
import org.postseal.transport.ExitStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A daemon's metrics: off ({@link MailEvents#NONE}, nothing listens), or Prometheus on the listener asked for,
 * started before the mail listener so that {@code /ready} says 503 until {@link #ready(boolean)}. A host that is not
 * a loopback address is allowed, since it had to be written out, with a warning.
 */
final class DaemonMetrics implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DaemonMetrics.class);
    private static final DaemonMetrics OFF = new DaemonMetrics(null, null);

    private final PrometheusMetrics metrics;
    private final MetricsServer server;

    private DaemonMetrics(PrometheusMetrics metrics, MetricsServer server) {
        this.metrics = metrics;
        this.server = server;
    }

    /**
     * Starts the listener at {@code address}, or nothing when it is empty.
     *
     * @param loadedAt when the configuration was loaded
     * @throws CommandFailure with exit 78 if the host is unknown or the address cannot be bound
     */
    static DaemonMetrics start(Optional<MetricsAddress> address, Instant loadedAt) {
        if (address.isEmpty()) {
            return OFF;
        }
        MetricsAddress where = address.get();
        InetAddress host;
        try {
            host = InetAddress.getByName(where.host());
        } catch (UnknownHostException e) {
            throw new CommandFailure(ExitStatus.CONFIG, "metrics listen " + where + ": unknown host " + where.host());
        }
        PrometheusMetrics metrics = new PrometheusMetrics();
        metrics.configurationLoaded(loadedAt);
        MetricsServer server;
        try {
            server = MetricsServer.start(new InetSocketAddress(host, where.port()), metrics);
        } catch (IOException e) {
            throw new CommandFailure(ExitStatus.CONFIG, "metrics listen " + where + ": cannot listen: "
                    + e.getMessage());
        }
        if (!host.isLoopbackAddress()) {
            LOG.warn("metrics listen {}: not a loopback address; whoever reaches it reads the metrics (domains "
                    + "signed and verified, key sizes)", where);
        }
        LOG.info("serving {}, /health and /ready", server);
        return new DaemonMetrics(metrics, server);
    }

    /** Where the daemon tells what happens: Prometheus, or no one. */
    MailEvents events() {
        return metrics == null ? MailEvents.NONE : metrics;
    }

    /** Hands the Prometheus metrics to {@code action} when they are on (to register what they read). */
    void ifOn(Consumer<PrometheusMetrics> action) {
        if (metrics != null) {
            action.accept(metrics);
        }
    }

    /**
     * A configuration was loaded at {@code when}: its time, and the keys {@code selector} signs with (none without
     * one) as {@code postseal_signing_key_info}, in place of those listed before.
     */
    void configurationLoaded(Instant when, Optional<SignatureSelector> selector) {
        ifOn(m -> {
            m.configurationLoaded(when);
            m.forgetSigningKeys();
        });
        selector.ifPresent(this::signingKeys);
    }

    /** Lists the keys {@code selector} signs with, as {@code postseal_signing_key_info}. */
    void signingKeys(SignatureSelector selector) {
        ifOn(m -> selector.keysInUse().forEach(k -> m.signingKey(k.domain(), k.selector(), k.key().algorithm().tag(),
                k.key().bits())));
    }

    /** {@code /ready}: 200 when true, 503 when false. */
    void ready(boolean value) {
        if (server != null) {
            server.ready(value);
        }
    }

    @Override
    public void close() {
        if (server != null) {
            server.close();
        }
    }
}
