package dev.dsync.topology.state;

import java.util.Comparator;
import java.util.Objects;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * When an event happened: its {@code created_at} (epoch microseconds) with the event id as tie-breaker.
 * WorkOS orders nothing for us, so this is the only total order two events of different kinds share: it versions
 * memberships and deletion barriers.
 */
public record EventKey(long createdAtMicros, String eventId) implements Comparable<EventKey> {

    private static final byte FORMAT = 1;

    /** Store format: a format byte, then the key as {@link BinaryCodec} writes it. */
    public static final Serde<EventKey> SERDE = Serdes.serdeFrom(
            (topic, k) -> k == null ? null : BinaryCodec.encode(32 + k.eventId().length(), out -> {
                out.writeByte(FORMAT);
                BinaryCodec.writeEventKey(out, k);
            }),
            (topic, data) -> data == null ? null : BinaryCodec.decode(data, in -> {
                EntityRecord.checkFormat(in.get());
                return BinaryCodec.readEventKey(in);
            }));

    private static final Comparator<EventKey> ORDER =
            Comparator.comparingLong(EventKey::createdAtMicros).thenComparing(EventKey::eventId);

    public EventKey {
        Objects.requireNonNull(eventId, "eventId");
    }

    @Override
    public int compareTo(EventKey other) {
        return ORDER.compare(this, other);
    }

    public boolean isAfter(EventKey other) {
        return other == null || compareTo(other) > 0;
    }

    public static EventKey max(EventKey a, EventKey b) {
        if (a == null) {
            return b;
        }
        if (b == null) {
            return a;
        }
        return a.compareTo(b) >= 0 ? a : b;
    }
}
