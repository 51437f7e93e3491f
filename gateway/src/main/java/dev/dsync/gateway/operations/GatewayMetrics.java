package dev.dsync.gateway.operations;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/** The gateway's own metrics: requests by outcome and reason, produce latency, in-flight requests. */
public final class GatewayMetrics {

    private final MeterRegistry registry;
    private final Timer produceLatency;
    private final AtomicInteger inFlight = new AtomicInteger();

    public GatewayMetrics(MeterRegistry registry) {
        this.registry = registry;
        produceLatency = Timer.builder("dsync.gateway.produce.latency")
                .description("Time from handing an event to the producer until Kafka acknowledged it (acks=all)")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(10))
                .register(registry);
        registry.gauge("dsync.gateway.requests.in.flight", inFlight);
    }

    /**
     * Counts one webhook request. {@code outcome} is {@code accepted} or {@code rejected}; {@code reason} says
     * where an accepted event went ({@code directory_sync}, {@code other}) or why a request was rejected.
     */
    public void request(String outcome, String reason, int status) {
        Counter.builder("dsync.gateway.requests")
                .description("Webhook requests by outcome, reason and HTTP status")
                .tag("outcome", outcome)
                .tag("reason", reason)
                .tag("status", Integer.toString(status))
                .register(registry)
                .increment();
    }

    public Timer produceLatency() {
        return produceLatency;
    }

    public AtomicInteger inFlight() {
        return inFlight;
    }
}
