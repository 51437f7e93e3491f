package dev.dsync.topology;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * Counters of what the topology did with its input, for an operations endpoint to publish.
 *
 * <p>They count processing attempts: after a crash, exactly-once processing re-runs the records of the aborted
 * transaction, so a counter can run slightly ahead of the committed outputs. Good enough for alerting, which is
 * what they are for.
 */
public final class TopologyMetrics {

    public enum Counter {
        /** Records read from the events topic. */
        RECEIVED("events_received"),
        /** Events that changed state (whether or not that changed a change-log row). */
        APPLIED("events_applied"),
        /** Copies of events taken in before: the stores show them, or their id was noted within the retention. */
        DUPLICATE("events_duplicate"),
        /** Events older than the state they would have changed (or than a deletion barrier). */
        STALE("events_stale"),
        /** Well-formed events of a type the topology does not handle. */
        UNKNOWN_TYPE("events_unknown_type"),
        /** Records sent to the dead-letter topic. */
        DEAD_LETTERED("events_dead_lettered"),
        /** Events ignored because they predate what was purged for their directory (deletions stay deleted). */
        BEHIND_HORIZON("events_behind_purge_horizon"),
        /** Records written to the change-log topics (values and tombstones). */
        EMITTED("changelog_records_emitted"),
        /** Tombstone markers and barriers dropped after their retention. */
        PURGED("tombstones_purged"),
        /** Seen event ids forgotten after their retention. */
        SEEN_EVENTS_PURGED("seen_events_purged"),
        /** Output records the producer could not write (the client fails, or a dead letter is truncated). */
        PRODUCTION_ERRORS("production_errors");

        public final String metricName;

        Counter(String metricName) {
            this.metricName = metricName;
        }
    }

    private final Map<Counter, LongAdder> counters = new java.util.EnumMap<>(Counter.class);
    private final Map<String, LongAdder> deadLettersByReason = new java.util.concurrent.ConcurrentSkipListMap<>();
    private volatile Consumer<String> onNewReason = reason -> { };

    public TopologyMetrics() {
        for (Counter c : Counter.values()) {
            counters.put(c, new LongAdder());
        }
    }

    public void increment(Counter counter) {
        counters.get(counter).increment();
    }

    public void add(Counter counter, long n) {
        counters.get(counter).add(n);
    }

    /** Counts a dead letter under its reason (a short fixed word, never data). */
    public void deadLettered(String reason) {
        increment(Counter.DEAD_LETTERED);
        LongAdder n = deadLettersByReason.get(reason);
        if (n == null) {
            n = deadLettersByReason.computeIfAbsent(reason, r -> new LongAdder());
            onNewReason.accept(reason);
        }
        n.increment();
    }

    /**
     * Calls {@code listener} with every dead-letter reason counted so far, and from now on with each new one when it
     * is first counted (possibly more than once for a reason counted concurrently).
     */
    public void onDeadLetterReason(Consumer<String> listener) {
        onNewReason = listener;
        deadLettersByReason.keySet().forEach(listener);
    }

    /** Dead letters so far by reason. */
    public Map<String, Long> deadLettersByReason() {
        Map<String, Long> out = new LinkedHashMap<>();
        deadLettersByReason.forEach((r, v) -> out.put(r, v.sum()));
        return out;
    }

    public long get(Counter counter) {
        return counters.get(counter).sum();
    }

    /** Every counter by its metric name, in declaration order. */
    public Map<String, Long> snapshot() {
        Map<String, Long> out = new LinkedHashMap<>();
        counters.forEach((c, v) -> out.put(c.metricName, v.sum()));
        return out;
    }

    @Override
    public String toString() {
        return snapshot().toString();
    }
}
