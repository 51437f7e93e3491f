package dev.dsync.topology.processing;

import static dev.dsync.topology.TopologyMetrics.Counter.DUPLICATE;
import static dev.dsync.topology.TopologyMetrics.Counter.SEEN_EVENTS_PURGED;

import dev.dsync.topology.TopologyMetrics;
import dev.dsync.topology.state.StateKeys;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Drops an event whose id was already seen within the retention: WorkOS delivers at least once.
 *
 * <p>The seen-events store is a plain key-value store (event key → wall-clock time it was first seen), swept in
 * small steps by a wall-clock punctuation. It has no changelog: this step saves work and counts duplicates, but
 * correctness does not depend on it (applying an event twice changes nothing the second time), so a task that
 * starts on another instance or after a crash simply starts with an empty set.
 */
public final class DedupeProcessor implements Processor<String, DsyncEvent, String, DsyncEvent> {

    /** Entries examined per sweep step: a step costs milliseconds, and steps come every {@link #SWEEP_EVERY}. */
    static final int SWEEP_STEP = 10_000;
    static final Duration SWEEP_EVERY = Duration.ofSeconds(10);

    private final String storeName;
    private final long retentionMs;
    private final Duration sweepEvery;
    private final TopologyMetrics metrics;
    private ProcessorContext<String, DsyncEvent> context;
    private KeyValueStore<String, Long> seen;
    /** Where the sweep goes on from; null to start from the beginning. */
    private String sweepFrom;

    public DedupeProcessor(String storeName, Duration retention, Duration purgeInterval, TopologyMetrics metrics) {
        this.storeName = storeName;
        this.retentionMs = retention.toMillis();
        this.sweepEvery = purgeInterval.compareTo(SWEEP_EVERY) < 0 ? purgeInterval : SWEEP_EVERY;
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<String, DsyncEvent> context) {
        this.context = context;
        this.seen = context.getStateStore(storeName);
        context.schedule(sweepEvery, PunctuationType.WALL_CLOCK_TIME, this::sweep);
    }

    @Override
    public void process(Record<String, DsyncEvent> record) {
        String key = StateKeys.entity(record.value().meta().directoryId(), record.value().meta().eventId());
        long now = context.currentSystemTimeMs();
        Long seenAt = seen.get(key);
        if (seenAt != null && seenAt >= now - retentionMs) {
            metrics.increment(DUPLICATE);
            return;
        }
        seen.put(key, now);
        context.forward(record);
    }

    /** Forgets, from where the last step stopped, the entries older than the retention; returns how many. */
    int sweep(long nowMs) {
        List<String> expired = new ArrayList<>();
        String last = null;
        int examined = 0;
        try (KeyValueIterator<String, Long> it = sweepFrom == null ? seen.all() : seen.range(sweepFrom, null)) {
            while (it.hasNext() && examined < SWEEP_STEP) {
                KeyValue<String, Long> entry = it.next();
                examined++;
                last = entry.key;
                if (entry.value == null || entry.value < nowMs - retentionMs) {
                    expired.add(entry.key);
                }
            }
            // a range is inclusive, so the next step starts just after the last key examined
            sweepFrom = it.hasNext() && last != null ? last + '\u0000' : null;
        }
        expired.forEach(seen::delete);
        metrics.add(SEEN_EVENTS_PURGED, expired.size());
        return expired.size();
    }
}
