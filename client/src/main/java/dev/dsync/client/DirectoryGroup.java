package dev.dsync.client;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.time.Instant;

/** A value of {@code dsync.groups}. */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonPropertyOrder({"id", "directory_id", "organization_id", "idp_id", "name", "created_at", "updated_at",
        "last_event_id", "last_event_at"})
public record DirectoryGroup(
        @JsonProperty("id") String id,
        @JsonProperty("directory_id") String directoryId,
        @JsonProperty("organization_id") String organizationId,
        @JsonProperty("idp_id") String idpId,
        @JsonProperty("name") String name,
        @JsonProperty("created_at") Instant createdAt,
        @JsonProperty("updated_at") Instant updatedAt,
        @JsonProperty("last_event_id") String lastEventId,
        @JsonProperty("last_event_at") Instant lastEventAt) implements EntityState {
}
