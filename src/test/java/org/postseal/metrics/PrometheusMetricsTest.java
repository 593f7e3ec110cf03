package org.postseal.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.postseal.events.ErrorKind;
import org.postseal.events.KeyLookup;
import org.postseal.events.MessageNotSigned;
import org.postseal.events.MessageSigned;
import org.postseal.events.MessageVerified;
import org.postseal.events.MessageVerified.SignatureChecked;
import org.postseal.events.MessageVerified.Verdict;
import org.postseal.events.NotSignedReason;

class PrometheusMetricsTest {
    private static final Instant NOW = Instant.parse("2025-06-01T12:00:00Z");

    private final PrometheusMetrics metrics = new PrometheusMetrics(2, Clock.fixed(NOW, ZoneOffset.UTC));

    private ScrapedMetrics scrape() {
        return ScrapedMetrics.parse(metrics.scrape());
    }

    @Test
    void signedMessagesCountByDomainAndFeedTheHistogram() {
        metrics.signed(new MessageSigned(List.of("example.com"), Duration.ofMillis(2)));
        metrics.signed(new MessageSigned(List.of("example.com", "example.org"), Duration.ofMillis(300)));
        metrics.notSigned(new MessageNotSigned(NotSignedReason.KEY_ERROR, List.of("example.net")));
        ScrapedMetrics s = scrape();
        assertEquals(2, s.count("postseal_messages_signed_total", "d", "example.com", "result", "signed"));
        assertEquals(1, s.count("postseal_messages_signed_total", "d", "example.org", "result", "signed"));
        assertEquals(1, s.count("postseal_messages_signed_total", "d", "example.net", "result", "failed"));
        assertEquals(1, s.count("postseal_messages_not_signed_total", "reason", "key_error"));
        assertEquals(Optional.of("counter"), s.type("postseal_messages_signed_total"));
        assertEquals(2, s.count("postseal_signing_duration_seconds_count"));
        assertEquals(0.302, s.count("postseal_signing_duration_seconds_sum"), 1e-9);
        assertEquals(1, s.count("postseal_signing_duration_seconds_bucket", "le", "0.0025"));
        assertEquals(1, s.count("postseal_signing_duration_seconds_bucket", "le", "0.25"));
        assertEquals(2, s.count("postseal_signing_duration_seconds_bucket", "le", "0.5"));
        assertEquals(2, s.count("postseal_signing_duration_seconds_bucket", "le", "+Inf"));
    }

    @Test
    void everyReasonErrorKindAndVerdictIsExposedFromTheStart() {
        ScrapedMetrics s = scrape();
        for (NotSignedReason reason : NotSignedReason.values()) {
            assertEquals(Optional.of(0.0), s.value("postseal_messages_not_signed_total", "reason", reason.label()));
        }
        for (ErrorKind kind : ErrorKind.values()) {
            assertEquals(Optional.of(0.0), s.value("postseal_errors_total", "kind", kind.label()));
        }
        for (Verdict verdict : Verdict.values()) {
            assertEquals(Optional.of(0.0), s.value("postseal_messages_verified_total", "verdict", verdict.label()));
        }
        assertEquals(Optional.of(0.0), s.value("postseal_dns_cache_hits_total"));
    }

    @Test
    void verifiedDomainsAreBoundedThenOther() {
        metrics.verified(new MessageVerified(Verdict.PASS, List.of(new SignatureChecked("A.example", "pass"),
                new SignatureChecked("b.example", "fail"))));
        for (int i = 0; i < 50; i++) {
            metrics.verified(new MessageVerified(Verdict.BAD_SIGNATURE,
                    List.of(new SignatureChecked("spam" + i + ".example", "fail"))));
        }
        metrics.verified(new MessageVerified(Verdict.PASS, List.of(new SignatureChecked("a.example", "pass"))));
        metrics.verified(new MessageVerified(Verdict.NO_SIGNATURE, List.of()));
        ScrapedMetrics s = scrape();
        assertEquals(2, s.count("postseal_signatures_verified_total", "d", "a.example", "result", "pass"));
        assertEquals(1, s.count("postseal_signatures_verified_total", "d", "b.example", "result", "fail"));
        assertEquals(50, s.count("postseal_signatures_verified_total", "d", "other", "result", "fail"));
        assertEquals(3, s.samples("postseal_signatures_verified_total").size(), s.toString());
        assertEquals(2, s.count("postseal_messages_verified_total", "verdict", "pass"));
        assertEquals(50, s.count("postseal_messages_verified_total", "verdict", "bad_signature"));
        assertEquals(1, s.count("postseal_messages_verified_total", "verdict", "no_signature"));
    }

    @Test
    void errorsAndDnsLookupsCountByKind() {
        metrics.error(ErrorKind.PROTOCOL);
        metrics.error(ErrorKind.TIMEOUT);
        metrics.error(ErrorKind.TIMEOUT);
        metrics.keyLookup(KeyLookup.FOUND);
        metrics.keyLookup(KeyLookup.CACHED);
        metrics.keyLookup(KeyLookup.CACHED);
        metrics.keyLookup(KeyLookup.TEMPORARY_FAILURE);
        ScrapedMetrics s = scrape();
        assertEquals(1, s.count("postseal_errors_total", "kind", "protocol"));
        assertEquals(2, s.count("postseal_errors_total", "kind", "timeout"));
        assertEquals(1, s.count("postseal_dns_queries_total", "result", "found"));
        assertEquals(1, s.count("postseal_dns_queries_total", "result", "temporary_failure"));
        assertEquals(0, s.count("postseal_dns_queries_total", "result", "not_found"));
        assertEquals(2, s.count("postseal_dns_cache_hits_total"));
    }

    @Test
    void stateIsReadAtEachScrape() {
        int[] open = {3};
        metrics.milterSessions(() -> open[0]);
        Instant[] oldest = {NOW.minusSeconds(90)};
        metrics.spool(() -> 4, () -> 1, () -> Optional.ofNullable(oldest[0]));
        metrics.signingKey("example.com", "mail", "rsa-sha256", 2048);
        metrics.signingKey("example.com", "ed", "ed25519-sha256", 256);
        metrics.configurationLoaded(Instant.parse("2025-06-01T11:00:00.500Z"));
        ScrapedMetrics s = scrape();
        assertEquals(3, s.count("postseal_milter_sessions_open"));
        assertEquals(4, s.count("postseal_spool_messages", "state", "queued"));
        assertEquals(1, s.count("postseal_spool_messages", "state", "failed"));
        assertEquals(90, s.count("postseal_spool_oldest_message_age_seconds"));
        assertEquals(1, s.count("postseal_signing_key_info", "d", "example.com", "s", "mail", "algorithm",
                "rsa-sha256", "bits", "2048"));
        assertEquals(1, s.count("postseal_signing_key_info", "d", "example.com", "s", "ed", "algorithm",
                "ed25519-sha256", "bits", "256"));
        assertEquals(1748775600.5, s.count("postseal_config_load_timestamp_seconds"), 1e-6);
        open[0] = 0;
        oldest[0] = null;
        s = scrape();
        assertEquals(0, s.count("postseal_milter_sessions_open"));
        assertEquals(0, s.count("postseal_spool_oldest_message_age_seconds"));
    }

    @Test
    void boundedLabelsKeepTheFirstValuesAndFoldCase() {
        BoundedLabels labels = new BoundedLabels(2);
        assertEquals("x.example", labels.of("X.Example"));
        assertEquals("y.example", labels.of("y.example"));
        assertEquals("other", labels.of("z.example"));
        assertEquals("x.example", labels.of("x.EXAMPLE"));
        assertEquals("none", labels.of(""));
        assertEquals("other", new BoundedLabels(5).of("a".repeat(254)));
        assertEquals(2, labels.size());
        assertTrue(new BoundedLabels(0).of("a.example").equals("other"));
    }
}
