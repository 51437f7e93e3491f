package dev.dsync.topology.processing;

import static dev.dsync.topology.TopologyMetrics.Counter.APPLIED;
import static dev.dsync.topology.TopologyMetrics.Counter.DUPLICATE;
import static dev.dsync.topology.TopologyMetrics.Counter.STALE;

import dev.dsync.events.InputHeaders;
import dev.dsync.topology.InactiveUserPolicy;
import dev.dsync.topology.TopologyMetrics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Applies events to the directory state, counts what became of each (applied, stale, duplicate), and forwards the
 * resulting change-log records to their sinks.
 */
public final class ApplyEventProcessor implements Processor<String, DsyncEvent, byte[], byte[]> {

    /** Names of the stores this processor is connected to. */
    public record Stores(String directories, String users, String groups, String memberships, String expiry,
                         String horizons, String lastEvents, String seenEvents) {
    }

    /** How often the last event of each directory is written: one write per directory and second, not per event. */
    static final Duration LAST_EVENT_FLUSH = Duration.ofSeconds(1);

    private final Stores stores;
    private final Map<ChangeLog.Topic, String> sinks;
    private final InactiveUserPolicy inactiveUsers;
    private final Duration retention;
    private final Duration purgeInterval;
    private final TopologyMetrics metrics;
    /** Null when provisioning records are off. */
    private final String provisioningSink;
    private final ProvisioningRecords provisioning = new ProvisioningRecords();
    private DirectoryState state;
    private ProcessorContext<byte[], byte[]> context;
    /** The event being applied, which every change it makes is attributed to. */
    private DsyncEvent cause;
    private String causeSource;
    /** The timestamp of the record being applied, which every record it emits carries. */
    private long inputTimestamp;
    private org.apache.kafka.streams.state.KeyValueStore<String, byte[]> lastEvents;
    /** Per directory, the last event taken in since the last flush; rendered only when flushed. */
    private final Map<String, LastEvent> pendingLastEvents = new java.util.HashMap<>();

    private record LastEvent(EventMeta meta, String source, boolean applied, long appliedAtMs) {
        byte[] json() {
            return ("{\"id\":" + quote(meta.eventId()) + ",\"type\":" + quote(meta.type()) + ",\"occurred_at\":"
                    + quote(meta.createdAt()) + ",\"source\":" + quote(source) + ",\"applied\":" + applied
                    + ",\"applied_at\":" + quote(dev.dsync.events.EventTimes.format(
                            java.time.Instant.ofEpochMilli(appliedAtMs))) + "}").getBytes(StandardCharsets.UTF_8);
        }
    }

    public ApplyEventProcessor(Stores stores, Map<ChangeLog.Topic, String> sinks, InactiveUserPolicy inactiveUsers,
                               Duration retention, Duration purgeInterval, TopologyMetrics metrics,
                               String provisioningSink) {
        this.stores = stores;
        this.sinks = new EnumMap<>(sinks);
        this.inactiveUsers = inactiveUsers;
        this.retention = retention;
        this.purgeInterval = purgeInterval;
        this.metrics = metrics;
        this.provisioningSink = provisioningSink;
    }

    @Override
    public void init(ProcessorContext<byte[], byte[]> context) {
        this.context = context;
        ChangeLog changeLog = this::emit;
        DirectoryStores opened = DirectoryStores.open(context, stores);
        SeenEvents seen = new SeenEvents(opened.seenEvents(), retention, metrics);
        context.schedule(SeenEvents.sweepEvery(purgeInterval), PunctuationType.WALL_CLOCK_TIME, seen::sweep);
        state = new DirectoryState(opened, seen, inactiveUsers, context::currentSystemTimeMs, changeLog, metrics);
        TombstonePurger purger = new TombstonePurger(opened, retention, metrics);
        context.schedule(purgeInterval, PunctuationType.WALL_CLOCK_TIME, now -> {
            purger.purge(now);
            state.forgetRecent();
        });
        lastEvents = context.getStateStore(stores.lastEvents());
        context.schedule(LAST_EVENT_FLUSH, PunctuationType.WALL_CLOCK_TIME, now -> flushLastEvents());
    }

    private void flushLastEvents() {
        pendingLastEvents.forEach((directory, last) -> lastEvents.put(directory, last.json()));
        pendingLastEvents.clear();
    }

    @Override
    public void close() {
        // nothing to do: what is pending is at most a second of "last event" bookkeeping, rebuilt by the next event
    }

    @Override
    public void process(Record<String, DsyncEvent> record) {
        inputTimestamp = record.timestamp();
        cause = record.value();
        causeSource = source(record.headers().lastHeader(InputHeaders.SOURCE));
        DirectoryState.Outcome outcome = state.apply(record.value());
        metrics.increment(switch (outcome) {
            case APPLIED -> APPLIED;
            case STALE -> STALE;
            case DUPLICATE -> DUPLICATE;
        });
        if (outcome == DirectoryState.Outcome.DUPLICATE) {
            return; // a copy of an event already taken in is not the directory's last event
        }
        boolean applied = outcome == DirectoryState.Outcome.APPLIED;
        // kept as it is: only the last per directory and second is rendered and written, in flushLastEvents
        pendingLastEvents.put(cause.meta().directoryId(),
                new LastEvent(cause.meta(), causeSource, applied, context.currentSystemTimeMs()));
    }

    private static String quote(String s) {
        return s == null ? "null"
                : "\"" + new String(com.fasterxml.jackson.core.io.JsonStringEncoder.getInstance().quoteAsString(s)) + "\"";
    }

    /** The contract's sources; anything else (a record re-produced by hand, say) counts as a webhook. */
    static String source(Header header) {
        String s = header == null || header.value() == null ? InputHeaders.WEBHOOK
                : new String(header.value(), StandardCharsets.UTF_8);
        return InputHeaders.SOURCES.contains(s) ? s : InputHeaders.WEBHOOK;
    }

    private void emit(ChangeLog.Entity entity, String before, String after, ValueSummary afterSummary,
                      boolean cascade) {
        byte[] key = entity.key();
        byte[] afterBytes = after == null ? null : after.getBytes(StandardCharsets.UTF_8);
        context.forward(new Record<>(key, afterBytes, inputTimestamp), sinks.get(entity.topic()));
        if (provisioningSink != null) {
            byte[] value = provisioning.render(entity, key, before, after, afterBytes, afterSummary, cascade,
                    cause.meta(), causeSource, context.currentSystemTimeMs());
            if (value != null) {
                context.forward(new Record<>(cause.meta().directoryId().getBytes(StandardCharsets.UTF_8), value,
                        inputTimestamp), provisioningSink);
            }
        }
    }
}
