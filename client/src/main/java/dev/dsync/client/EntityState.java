package dev.dsync.client;

/**
 * A change-log value: what {@link ProvisioningEvent#before()} and {@link ProvisioningEvent#after()} hold, typed by
 * the event's entity kind, so a consumer can {@code switch} over it. {@link UnknownEntityState} carries the value
 * of an entity kind this version of the library does not know yet.
 */
public sealed interface EntityState
        permits Directory, DirectoryUser, DirectoryGroup, GroupMembership, UnknownEntityState {

    /** The WorkOS event that produced this state. */
    String lastEventId();

    /** That event's {@code created_at}. */
    java.time.Instant lastEventAt();
}
