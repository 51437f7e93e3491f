package dev.dsync.topology.processing;

import dev.dsync.topology.state.Version;

/**
 * A create, update or delete of a directory, user or group.
 *
 * @param entityId the directory, user or group id
 * @param deleted  a deletion event ({@code dsync.deleted}, {@code dsync.user.deleted}, {@code dsync.group.deleted})
 * @param inactive a user whose state is inactive: a deletion or not depending on the inactive-user policy
 * @param value    the rendered change-log value; null for deletions
 * @param summary  what a provisioning record needs of the value; null for deletions
 */
public record EntityEvent(EventMeta meta, EntityKind kind, String entityId, Version version, boolean deleted,
                          boolean inactive, String value, ValueSummary summary) implements DsyncEvent {
}
