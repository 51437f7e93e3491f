package dev.dsync.topology.state;

import java.util.Comparator;
import java.util.Objects;

/**
 * The version of a user, group or directory state: {@code data.updated_at} first, because WorkOS documents it as
 * the way to discard stale retries, then the event's {@link EventKey} to break ties between events that carry the
 * same {@code updated_at} (a delete often does). All times are epoch microseconds.
 */
public record Version(long updatedAtMicros, long createdAtMicros, String eventId) implements Comparable<Version> {

    private static final Comparator<Version> ORDER = Comparator.comparingLong(Version::updatedAtMicros)
            .thenComparingLong(Version::createdAtMicros)
            .thenComparing(Version::eventId);

    public Version {
        Objects.requireNonNull(eventId, "eventId");
    }

    public EventKey eventKey() {
        return new EventKey(createdAtMicros, eventId);
    }

    @Override
    public int compareTo(Version other) {
        return ORDER.compare(this, other);
    }

    public boolean isNewerThan(Version other) {
        return other == null || compareTo(other) > 0;
    }
}
