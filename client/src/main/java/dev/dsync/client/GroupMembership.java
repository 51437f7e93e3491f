package dev.dsync.client;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.time.Instant;

/** A value of {@code dsync.group_memberships}: the user is in the group. A removal is a tombstone. */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonPropertyOrder({"group_id", "user_id", "directory_id", "organization_id", "last_event_id", "last_event_at"})
public record GroupMembership(
        @JsonProperty("group_id") String groupId,
        @JsonProperty("user_id") String userId,
        @JsonProperty("directory_id") String directoryId,
        @JsonProperty("organization_id") String organizationId,
        @JsonProperty("last_event_id") String lastEventId,
        @JsonProperty("last_event_at") Instant lastEventAt) implements EntityState {

    @JsonIgnore
    public MembershipKey key() {
        return new MembershipKey(groupId, userId);
    }
}
