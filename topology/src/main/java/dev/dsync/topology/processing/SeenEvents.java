package dev.dsync.topology.processing;

import static dev.dsync.topology.TopologyMetrics.Counter.SEEN_EVENTS_PURGED;

import dev.dsync.topology.TopologyMetrics;
import dev.dsync.topology.state.StateKeys;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The ids of events that were taken in but that the stores no longer show, so that a second copy of one is counted
 * as a duplicate rather than as stale (WorkOS delivers at least once).
 *
 * <p>An event the stores still show needs no entry: the version or barrier it set names it. So an id is written
 * only when that stops being so (a stale event at once, an applied one when a later event or a cascade replaces
 * what it set), and an initial sync, where nothing is replaced, writes none. A copy of a noted event is answered
 * before the rules see it, as the dedupe step used to answer every copy. Entries are swept after the retention in
 * small steps. The store has no changelog: a task that starts elsewhere or after a crash starts with an empty set,
 * still recognises whatever its stores show, and hands other copies to the rules, which make a copy change nothing
 * as long as WorkOS's versions of an entity grow with event time.
 */
final class SeenEvents {

    /** Entries examined per sweep step: a step costs milliseconds, and steps come every {@link #SWEEP_EVERY}. */
    static final int SWEEP_STEP = 10_000;
    static final Duration SWEEP_EVERY = Duration.ofSeconds(10);

    private final KeyValueStore<String, Long> seen;
    private final long retentionMs;
    private final TopologyMetrics metrics;
    /** Where the sweep goes on from; null to start from the beginning. */
    private String sweepFrom;
    /**
     * False while the store is known to be empty, so that {@link #contains} need not read it: an initial sync, which
     * replaces nothing, asks for every event and writes nothing.
     */
    private boolean mayHaveEntries;

    SeenEvents(KeyValueStore<String, Long> seen, Duration retention, TopologyMetrics metrics) {
        this.seen = seen;
        this.retentionMs = retention.toMillis();
        this.metrics = metrics;
        try (KeyValueIterator<String, Long> it = seen.all()) {
            mayHaveEntries = it.hasNext(); // what an earlier run of this task left (the store outlives a clean close)
        }
    }

    /** How often to {@link #sweep}: every {@link #SWEEP_EVERY}, or more often when purges are. */
    static Duration sweepEvery(Duration purgeInterval) {
        return purgeInterval.compareTo(SWEEP_EVERY) < 0 ? purgeInterval : SWEEP_EVERY;
    }

    /** Whether the event {@code eventId} of directory {@code dir} was noted within the retention. */
    boolean contains(String dir, String eventId, long nowMs) {
        if (!mayHaveEntries) {
            return false;
        }
        Long seenAt = seen.get(StateKeys.entity(dir, eventId));
        return seenAt != null && seenAt >= nowMs - retentionMs;
    }

    void remember(String dir, String eventId, long nowMs) {
        mayHaveEntries = true;
        seen.put(StateKeys.entity(dir, eventId), nowMs);
    }

    /** Forgets, from where the last step stopped, the entries older than the retention; returns how many. */
    int sweep(long nowMs) {
        List<String> expired = new ArrayList<>();
        String last = null;
        int examined = 0;
        boolean fromStart = sweepFrom == null;
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
        if (fromStart && sweepFrom == null && expired.size() == examined) {
            mayHaveEntries = false; // one step read the whole store and removed every entry
        }
        metrics.add(SEEN_EVENTS_PURGED, expired.size());
        return expired.size();
    }
}
