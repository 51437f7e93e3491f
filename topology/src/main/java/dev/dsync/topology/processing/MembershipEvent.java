package dev.dsync.topology.processing;

/**
 * {@code dsync.group.user_added} ({@code present}) or {@code dsync.group.user_removed}.
 *
 * @param value   the rendered change-log value of the membership (rendered for removals too, but not emitted)
 * @param summary what a provisioning record needs of the value
 */
public record MembershipEvent(EventMeta meta, String groupId, String userId, boolean present, String value,
                              ValueSummary summary)
        implements DsyncEvent {
}
