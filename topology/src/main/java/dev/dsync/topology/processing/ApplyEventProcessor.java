package dev.dsync.topology.processing;

import static dev.dsync.topology.TopologyMetrics.Counter.APPLIED;
import static dev.dsync.topology.TopologyMetrics.Counter.STALE;

import dev.dsync.topology.InactiveUserPolicy;
import dev.dsync.topology.TopologyMetrics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/** Applies events to the directory state and forwards the resulting change-log records to their sinks. */
public final class ApplyEventProcessor implements Processor<String, DsyncEvent, byte[], byte[]> {

    /** Names of the stores this processor is connected to. */
    public record Stores(String directories, String users, String groups, String memberships,
                         String membershipsByUser, String expiry, String horizons) {
    }

    private final Stores stores;
    private final Map<ChangeLog.Topic, String> sinks;
    private final InactiveUserPolicy inactiveUsers;
    private final Duration retention;
    private final Duration purgeInterval;
    private final TopologyMetrics metrics;
    private DirectoryState state;
    /** The timestamp of the record being applied, which every record it emits carries. */
    private long inputTimestamp;

    public ApplyEventProcessor(Stores stores, Map<ChangeLog.Topic, String> sinks, InactiveUserPolicy inactiveUsers,
                               Duration retention, Duration purgeInterval, TopologyMetrics metrics) {
        this.stores = stores;
        this.sinks = new EnumMap<>(sinks);
        this.inactiveUsers = inactiveUsers;
        this.retention = retention;
        this.purgeInterval = purgeInterval;
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<byte[], byte[]> context) {
        ChangeLog changeLog = (topic, key, value) -> context.forward(
                new Record<>(key, value == null ? null : value.getBytes(StandardCharsets.UTF_8), inputTimestamp),
                sinks.get(topic));
        DirectoryStores opened = DirectoryStores.open(context, stores);
        state = new DirectoryState(opened, inactiveUsers, context::currentSystemTimeMs, changeLog, metrics);
        TombstonePurger purger = new TombstonePurger(opened, retention, metrics);
        context.schedule(purgeInterval, PunctuationType.WALL_CLOCK_TIME, purger::purge);
    }

    @Override
    public void process(Record<String, DsyncEvent> record) {
        inputTimestamp = record.timestamp();
        metrics.increment(state.apply(record.value()) ? APPLIED : STALE);
    }
}
