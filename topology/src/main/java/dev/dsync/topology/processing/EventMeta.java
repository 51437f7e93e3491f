package dev.dsync.topology.processing;

import dev.dsync.topology.state.EventKey;

/**
 * What every accepted event carries besides its payload.
 *
 * @param createdAt   the event time as rendered in change-log values ({@code last_event_at})
 * @param timestampMs the event time in epoch milliseconds, used as the timestamp of every record it emits
 * @param timeFromRecord {@code created_at} was missing or unreadable, so the Kafka record timestamp stood in
 */
public record EventMeta(String eventId, String type, String directoryId, EventKey key, String createdAt,
                        long timestampMs, boolean timeFromRecord) {
}
