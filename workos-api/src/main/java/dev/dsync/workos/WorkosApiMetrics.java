package dev.dsync.workos;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counters and gauges of the WorkOS API client and the Events API poller, registered in a Micrometer registry the
 * caller owns (pass the process's Prometheus registry to expose them; the default keeps them in memory).
 */
public final class WorkosApiMetrics {

    private final MeterRegistry registry;
    private final AtomicLong cursorLagSeconds = new AtomicLong();
    private final AtomicLong degraded = new AtomicLong();
    private final AtomicLong active = new AtomicLong();
    private final AtomicLong reconciliationNeeded = new AtomicLong();
    /** Where the gap gauge reads from once a reconciler knows better than the poller; null until then. */
    private volatile java.util.function.BooleanSupplier gapOpen;

    public WorkosApiMetrics() {
        this(new SimpleMeterRegistry());
    }

    public WorkosApiMetrics(MeterRegistry registry) {
        this.registry = registry;
        Gauge.builder("dsync.workos.events.cursor.lag.seconds", cursorLagSeconds, AtomicLong::get)
                .description("Age of the newest event read while pages were still full; 0 once caught up")
                .register(registry);
        Gauge.builder("dsync.workos.api.degraded", degraded, AtomicLong::get)
                .description("1 while WorkOS refuses the API key (401/403) or keeps failing, else 0")
                .register(registry);
        Gauge.builder("dsync.workos.events.poller.active", active, AtomicLong::get)
                .description("1 on the one instance that currently polls the Events API")
                .register(registry);
        Gauge.builder("dsync.workos.events.reconciliation.needed", this,
                        m -> m.gapOpen != null ? (m.gapOpen.getAsBoolean() ? 1 : 0) : m.reconciliationNeeded.get())
                .description("1 when events may have been missed (cursor past retention or refused)")
                .register(registry);
    }

    /** One HTTP exchange; {@code status} is the HTTP status, or {@code io_error} when there was no response. */
    public void request(String endpoint, String status) {
        counter("dsync.workos.api.requests", "WorkOS API requests by endpoint and status", "endpoint", endpoint,
                "status", status).increment();
        if (status.equals("429")) {
            counter("dsync.workos.api.rate.limited", "429 answers from WorkOS", "endpoint", endpoint).increment();
        }
    }

    public void page() {
        counter("dsync.workos.events.pages", "Events API pages read").increment();
    }

    /**
     * Events read from the Events API by where they went: {@code directory_sync}, {@code other}, {@code seen}
     * (re-read inside the safety window and already written) or {@code invalid} (not a usable event; skipped).
     */
    public void events(String route, int count) {
        if (count > 0) {
            counter("dsync.workos.events.fetched", "Events read from the Events API, by route", "route", route)
                    .increment(count);
        }
    }

    public void cursorLagSeconds(long seconds) {
        cursorLagSeconds.set(seconds);
    }

    void degraded(boolean value) {
        degraded.set(value ? 1 : 0);
    }

    void active(boolean value) {
        active.set(value ? 1 : 0);
    }

    /**
     * From now on the gauge says whether a gap is still open (flagged, and no reconciliation of every directory
     * started since): what the reconciliation log knows on every instance, not only on the poller's.
     */
    public void gapOpen(java.util.function.BooleanSupplier source) {
        this.gapOpen = source;
    }

    void reconciliationNeeded(boolean value) {
        reconciliationNeeded.set(value ? 1 : 0);
    }

    /** The sum of a counter over all its tags, for tests and status output. */
    public double count(String name, String... tags) {
        return registry.find(name).tags(tags).counters().stream().mapToDouble(Counter::count).sum();
    }

    public MeterRegistry registry() {
        return registry;
    }

    private Counter counter(String name, String description, String... tags) {
        return Counter.builder(name).description(description).tags(tags).register(registry);
    }
}
