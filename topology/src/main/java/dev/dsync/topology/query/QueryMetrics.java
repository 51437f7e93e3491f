package dev.dsync.topology.query;

import dev.dsync.topology.DsyncStreams;
import dev.dsync.topology.TopologyMetrics;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The instance's own metrics: query requests by route and outcome with their latency, and the topology's counters
 * (the Kafka Streams client's and the JVM's are bound beside them, see {@link QueryServer}).
 */
final class QueryMetrics {

    private final MeterRegistry registry;
    private final Map<String, Timer> timers = new ConcurrentHashMap<>();

    QueryMetrics(MeterRegistry registry) {
        this.registry = registry;
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

    /** Adds the topology's counters. */
    void bind(DsyncStreams topology) {
        TopologyMetrics counters = topology.metrics();
        for (TopologyMetrics.Counter c : TopologyMetrics.Counter.values()) {
            FunctionCounter.builder("dsync.topology." + c.metricName, counters, m -> m.get(c))
                    .description("Topology counter " + c.metricName)
                    .register(registry);
        }
        // reasons appear as they happen
        counters.onDeadLetterReason(reason -> FunctionCounter.builder("dsync.topology.dead.letters", counters,
                        m -> m.deadLettersByReason().getOrDefault(reason, 0L))
                .description("Input records sent to the dead-letter topic, by reason")
                .tag("reason", reason)
                .register(registry));
        // 1 while the Streams client can process (RUNNING or REBALANCING), 0 when it is starting, failed or closed:
        // the signal to alert on, next to /health/live
        Gauge.builder("dsync.topology.up", topology, t -> t.isProcessing() ? 1 : 0)
                .description("1 while the topology processes events")
                .register(registry);
    }
}
