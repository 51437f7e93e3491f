package dev.dsync.topology.processing;

/** A validated Directory Sync event, reduced to what the state rules need, with its change-log value rendered. */
public sealed interface DsyncEvent permits EntityEvent, MembershipEvent {

    EventMeta meta();
}
