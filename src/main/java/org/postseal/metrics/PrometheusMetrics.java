package org.postseal.metrics;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.core.metrics.Info;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import org.postseal.events.ErrorKind;
import org.postseal.events.KeyLookup;
import org.postseal.events.MailEvents;
import org.postseal.events.MessageNotSigned;
import org.postseal.events.MessageSigned;
import org.postseal.events.MessageVerified;
import org.postseal.events.NotSignedReason;

/**
 * postseal's Prometheus metrics, in a registry of their own (docs/METRICS.md lists them): it hears
 * {@link MailEvents} from the milter, the smarthost and DNS, and reads the state the command line hands it
 * (sessions open, the spool, the keys in use, when the configuration was loaded) at each scrape. Labels from a
 * closed set are made once; domains are bounded ({@link BoundedLabels}): those of signatures verified, which
 * strangers choose, to {@link #DEFAULT_MAX_VERIFIED_DOMAINS}, those signed for, which the configuration gives (or a
 * KeyTable {@code %} takes from an internal sender's From), to {@link #MAX_SIGNING_DOMAINS}. Thread-safe.
 */
public final class PrometheusMetrics implements MailEvents {
    /** Distinct {@code d=} values of verified signatures kept as labels; the others count as "other". */
    public static final int DEFAULT_MAX_VERIFIED_DOMAINS = 100;
    /** Distinct signing domains kept as labels; the others count as "other". */
    static final int MAX_SIGNING_DOMAINS = 1000;
    /** Bounds of the signing-time histogram, in seconds: Ed25519 signs in tens of microseconds, RSA in milliseconds. */
    private static final double[] SIGNING_SECONDS = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
        1, 2.5, 5};

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Clock clock;
    private final BoundedLabels signingDomains = new BoundedLabels(MAX_SIGNING_DOMAINS);
    private final BoundedLabels verifiedDomains;
    private final Counter signed;
    private final Map<NotSignedReason, CounterDataPoint> notSigned = new EnumMap<>(NotSignedReason.class);
    private final Histogram signingTime;
    private final Map<MessageVerified.Verdict, CounterDataPoint> verified =
            new EnumMap<>(MessageVerified.Verdict.class);
    private final Counter signaturesVerified;
    private final Map<ErrorKind, CounterDataPoint> errors = new EnumMap<>(ErrorKind.class);
    private final Map<KeyLookup, CounterDataPoint> dnsQueries = new EnumMap<>(KeyLookup.class);
    private final CounterDataPoint cacheHits;
    private final Info signingKeys;
    private final Set<List<String>> keysShown = new HashSet<>();
    private volatile Instant configurationLoaded;

    /** Metrics with the default bound on verified domains and the system clock. */
    public PrometheusMetrics() {
        this(DEFAULT_MAX_VERIFIED_DOMAINS, Clock.systemUTC());
    }

    /**
     * @param maxVerifiedDomains distinct {@code d=} of verified signatures kept as labels
     * @param clock for the spool's age
     */
    public PrometheusMetrics(int maxVerifiedDomains, Clock clock) {
        this.verifiedDomains = new BoundedLabels(maxVerifiedDomains);
        this.clock = clock;
        signed = Counter.builder().name("postseal_messages_signed_total")
                .help("Messages signed, or whose signing failed once keys were chosen, by d= and result "
                        + "(signed, failed)")
                .labelNames("d", "result").withoutExemplars().register(registry);
        Counter notSignedCounter = Counter.builder().name("postseal_messages_not_signed_total")
                .help("Messages not signed, by reason").labelNames("reason").withoutExemplars().register(registry);
        for (NotSignedReason reason : NotSignedReason.values()) {
            notSigned.put(reason, notSignedCounter.labelValues(reason.label()));
        }
        signingTime = Histogram.builder().name("postseal_signing_duration_seconds").unit(Unit.SECONDS)
                .help("Time signing held a message: in the milter from the end of the message to the reply, in "
                        + "the smarthost the whole signing")
                .classicOnly().classicUpperBounds(SIGNING_SECONDS).withoutExemplars().register(registry);
        Counter verifiedCounter = Counter.builder().name("postseal_messages_verified_total")
                .help("Messages verified, by verdict (OpenDKIM's On-* cases, or pass)").labelNames("verdict")
                .withoutExemplars().register(registry);
        for (MessageVerified.Verdict verdict : MessageVerified.Verdict.values()) {
            verified.put(verdict, verifiedCounter.labelValues(verdict.label()));
        }
        signaturesVerified = Counter.builder().name("postseal_signatures_verified_total")
                .help("DKIM signatures checked, by d= (the first " + maxVerifiedDomains + " distinct, then other) "
                        + "and RFC 8601 result")
                .labelNames("d", "result").withoutExemplars().register(registry);
        Counter errorCounter = Counter.builder().name("postseal_errors_total")
                .help("Errors, by kind (protocol, timeout, limit, internal)").labelNames("kind")
                .withoutExemplars().register(registry);
        for (ErrorKind kind : ErrorKind.values()) {
            errors.put(kind, errorCounter.labelValues(kind.label()));
        }
        Counter queries = Counter.builder().name("postseal_dns_queries_total")
                .help("DNS queries for DKIM key records, by result (found, not_found, temporary_failure)")
                .labelNames("result").withoutExemplars().register(registry);
        for (KeyLookup outcome : KeyLookup.values()) {
            if (outcome != KeyLookup.CACHED) {
                dnsQueries.put(outcome, queries.labelValues(outcome.label()));
            }
        }
        cacheHits = Counter.builder().name("postseal_dns_cache_hits_total")
                .help("DKIM key record lookups answered from the cache").withoutExemplars().register(registry);
        signingKeys = Info.builder().name("postseal_signing_key")
                .help("The keys signing uses: d=, s=, algorithm, bits").labelNames("d", "s", "algorithm", "bits")
                .register(registry);
        GaugeWithCallback.builder().name("postseal_config_load_timestamp_seconds").unit(Unit.SECONDS)
                .help("When the configuration in use was loaded, in seconds since the epoch")
                .callback(callback -> {
                    Instant loaded = configurationLoaded;
                    if (loaded != null) {
                        callback.call(loaded.toEpochMilli() / 1000.0);
                    }
                }).register(registry);
    }

    @Override
    public void signed(MessageSigned event) {
        for (String domain : event.domains()) {
            signed.labelValues(signingDomains.of(domain), "signed").inc();
        }
        signingTime.observe(seconds(event.elapsed()));
    }

    @Override
    public void notSigned(MessageNotSigned event) {
        notSigned.get(event.reason()).inc();
        for (String domain : event.domains()) {
            signed.labelValues(signingDomains.of(domain), "failed").inc();
        }
    }

    @Override
    public void verified(MessageVerified event) {
        verified.get(event.verdict()).inc();
        for (MessageVerified.SignatureChecked signature : event.signatures()) {
            signaturesVerified.labelValues(verifiedDomains.of(signature.domain()), signature.result()).inc();
        }
    }

    @Override
    public void error(ErrorKind kind) {
        errors.get(kind).inc();
    }

    @Override
    public void keyLookup(KeyLookup outcome) {
        if (outcome == KeyLookup.CACHED) {
            cacheHits.inc();
        } else {
            dnsQueries.get(outcome).inc();
        }
    }

    /** {@code postseal_milter_sessions_open}: the milter's connections now, read from {@code open} at each scrape. */
    public void milterSessions(IntSupplier open) {
        GaugeWithCallback.builder().name("postseal_milter_sessions_open")
                .help("Milter connections open now (one per Postfix smtpd or cleanup process talking to postseal)")
                .callback(callback -> callback.call(open.getAsInt())).register(registry);
    }

    /**
     * The smarthost's spool, read at each scrape: {@code postseal_spool_messages} by state and
     * {@code postseal_spool_oldest_message_age_seconds}.
     *
     * @param queued messages waiting for delivery
     * @param failed messages kept in failed/ until deleted
     * @param oldest when the oldest queued message came, empty when none is queued
     */
    public void spool(IntSupplier queued, IntSupplier failed, Supplier<Optional<Instant>> oldest) {
        GaugeWithCallback.builder().name("postseal_spool_messages")
                .help("Messages in the smarthost's spool, by state (queued: waiting for delivery, failed: refused "
                        + "or expired, kept until deleted)")
                .labelNames("state").callback(callback -> {
                    callback.call(queued.getAsInt(), "queued");
                    callback.call(failed.getAsInt(), "failed");
                }).register(registry);
        GaugeWithCallback.builder().name("postseal_spool_oldest_message_age_seconds").unit(Unit.SECONDS)
                .help("Age of the oldest queued message; 0 when none is queued")
                .callback(callback -> callback.call(oldest.get()
                        .map(t -> Math.max(0, seconds(Duration.between(t, clock.instant())))).orElse(0.0)))
                .register(registry);
    }

    /** A key in use: {@code postseal_signing_key_info{d, s, algorithm, bits} 1}. */
    public synchronized void signingKey(String domain, String selector, String algorithm, int bits) {
        String[] labels = {domain, selector, algorithm, Integer.toString(bits)};
        signingKeys.addLabelValues(labels);
        keysShown.add(List.of(labels));
    }

    /** Forgets the keys listed so far: a reload is about to list the keys it signs with. */
    public synchronized void forgetSigningKeys() {
        keysShown.forEach(labels -> signingKeys.remove(labels.toArray(String[]::new)));
        keysShown.clear();
    }

    /** When the configuration in use was loaded: {@code postseal_config_load_timestamp_seconds}. */
    public void configurationLoaded(Instant when) {
        configurationLoaded = when;
    }

    /** The registry the server exposes. */
    PrometheusRegistry registry() {
        return registry;
    }

    /** Everything, in the Prometheus text format, as {@code /metrics} serves it. */
    public String scrape() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            PrometheusTextFormatWriter.create().write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static double seconds(Duration d) {
        return d.toNanos() / 1e9;
    }

    @Override
    public String toString() {
        return "Prometheus metrics";
    }
}
