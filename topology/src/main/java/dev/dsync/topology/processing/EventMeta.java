package dev.dsync.topology.processing;

import dev.dsync.topology.state.EventKey;

/**
 * What every accepted event carries besides its payload.
 *
 * @param key       the event time with the event id, the order that memberships and deletions share
 * @param createdAt the event time as rendered in change-log values ({@code last_event_at})
 */
public record EventMeta(String eventId, String type, String directoryId, EventKey key, String createdAt) {
}
