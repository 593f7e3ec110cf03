/**
 * Prometheus metrics: {@link org.postseal.metrics.PrometheusMetrics} hears {@code org.postseal.events} and keeps the
 * counters, and {@link org.postseal.metrics.MetricsServer} serves them at {@code /metrics}, with {@code /health} and
 * {@code /ready}, on an opt-in listener (docs/METRICS.md). The only package that imports {@code io.prometheus}; it
 * imports {@code events} and nothing else of postseal, and only the command line builds it.
 */
package org.postseal.metrics;
