package dev.dsync.topology.query;

import dev.dsync.topology.DsyncStreams;
import dev.dsync.topology.TopologyMetrics;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The instance's Prometheus metrics: query requests by route and outcome with their latency, the Kafka Streams
 * client's own metrics, the topology's counters and the JVM's.
 */
final class QueryMetrics implements AutoCloseable {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Map<String, Timer> timers = new ConcurrentHashMap<>();
    private JvmGcMetrics gc;
    private KafkaStreamsMetrics streamsMetrics;

    QueryMetrics() {
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        gc = new JvmGcMetrics();
        gc.bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
    }

    /**
     * Records one request. {@code route} is the path template; {@code scope} says whether a client or another
     * instance asked; the outcome is derived from the status, {@code ok_stale} for answers from a standby.
     */
    void request(String route, String scope, int status, boolean stale, long nanos) {
        String outcome = switch (status) {
            case 200 -> stale ? "ok_stale" : "ok";
            case 400 -> "bad_request";
            case 401 -> "unauthorized";
            case 404 -> "not_found";
            case 503 -> "unavailable";
            default -> "error";
        };
        String key = route + '|' + scope + '|' + outcome + '|' + status;
        timers.computeIfAbsent(key, k -> Timer.builder("dsync.query.requests")
                        .description("Query API requests by route, scope (client or forwarded) and outcome")
                        .tag("route", route)
                        .tag("scope", scope)
                        .tag("outcome", outcome)
                        .tag("status", Integer.toString(status))
                        .publishPercentileHistogram()
                        .minimumExpectedValue(Duration.ofMillis(1))
                        .maximumExpectedValue(Duration.ofSeconds(10))
                        .register(registry))
                .record(nanos, TimeUnit.NANOSECONDS);
    }

    /** Adds the Kafka Streams client's metrics and the topology's counters. */
    synchronized void bind(DsyncStreams topology) {
        streamsMetrics = new KafkaStreamsMetrics(topology.streams());
        streamsMetrics.bindTo(registry);
        TopologyMetrics counters = topology.metrics();
        this.counters = counters;
        for (TopologyMetrics.Counter c : TopologyMetrics.Counter.values()) {
            FunctionCounter.builder("dsync.topology." + c.metricName, counters, m -> m.get(c))
                    .description("Topology counter " + c.metricName)
                    .register(registry);
        }
        // 1 while the Streams client can process (RUNNING or REBALANCING), 0 when it is starting, failed or closed:
        // the signal to alert on, next to /health/live
        io.micrometer.core.instrument.Gauge.builder("dsync.topology.up", topology,
                        t -> t.isProcessing() ? 1 : 0)
                .description("1 while the topology processes events")
                .register(registry);
    }

    private TopologyMetrics counters;

    /** Where other components of the process register their meters, so that /metrics shows them too. */
    io.micrometer.core.instrument.MeterRegistry registry() {
        return registry;
    }

    synchronized String scrape() {
        if (counters != null) {
            // reasons appear as they happen; registering an existing meter again is a no-op
            TopologyMetrics c = counters;
            for (String reason : c.deadLettersByReason().keySet()) {
                FunctionCounter.builder("dsync.topology.dead.letters", c,
                                m -> m.deadLettersByReason().getOrDefault(reason, 0L))
                        .description("Input records sent to the dead-letter topic, by reason")
                        .tag("reason", reason)
                        .register(registry);
            }
        }
        return registry.scrape();
    }

    @Override
    public synchronized void close() {
        if (streamsMetrics != null) {
            streamsMetrics.close();
        }
        gc.close();
        registry.close();
    }
}
