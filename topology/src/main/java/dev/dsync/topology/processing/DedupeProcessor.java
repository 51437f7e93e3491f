package dev.dsync.topology.processing;

import static dev.dsync.topology.TopologyMetrics.Counter.DUPLICATE;

import dev.dsync.topology.TopologyMetrics;
import dev.dsync.topology.state.StateKeys;
import java.time.Duration;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

/**
 * Drops an event whose id was already seen within the retention: WorkOS delivers at least once.
 *
 * <p>The seen-events store is a window store stamped with wall-clock time, so entries older than the retention
 * expire by whole segments without a scan (a segment lives up to half a retention longer, but lookups only
 * look back one retention).
 */
public final class DedupeProcessor implements Processor<String, DsyncEvent, String, DsyncEvent> {

    private static final byte[] SEEN = {1};

    private final String storeName;
    private final long retentionMs;
    private final TopologyMetrics metrics;
    private ProcessorContext<String, DsyncEvent> context;
    private WindowStore<String, byte[]> seen;

    public DedupeProcessor(String storeName, Duration retention, TopologyMetrics metrics) {
        this.storeName = storeName;
        this.retentionMs = retention.toMillis();
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<String, DsyncEvent> context) {
        this.context = context;
        this.seen = context.getStateStore(storeName);
    }

    @Override
    public void process(Record<String, DsyncEvent> record) {
        String key = StateKeys.entity(record.value().meta().directoryId(), record.value().meta().eventId());
        long now = context.currentSystemTimeMs();
        try (WindowStoreIterator<byte[]> it = seen.fetch(key, Math.max(0, now - retentionMs), now + retentionMs)) {
            if (it.hasNext()) {
                metrics.increment(DUPLICATE);
                return;
            }
        }
        seen.put(key, SEEN, now);
        context.forward(record);
    }
}
