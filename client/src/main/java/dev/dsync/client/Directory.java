package dev.dsync.client;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.time.Instant;
import java.util.List;

/**
 * A value of {@code dsync.directories}. {@code state} uses the events vocabulary: {@code active},
 * {@code validating}, {@code invalid_credentials}, {@code inactive}, {@code deleting} (kept as a string, so a
 * state WorkOS adds later still parses). A deleted directory is a tombstone, never a state.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonPropertyOrder({"id", "organization_id", "type", "state", "name", "domains", "created_at", "updated_at",
        "last_event_id", "last_event_at"})
public record Directory(
        @JsonProperty("id") String id,
        @JsonProperty("organization_id") String organizationId,
        @JsonProperty("type") String type,
        @JsonProperty("state") String state,
        @JsonProperty("name") String name,
        @JsonProperty("domains") List<String> domains,
        @JsonProperty("created_at") Instant createdAt,
        @JsonProperty("updated_at") Instant updatedAt,
        @JsonProperty("last_event_id") String lastEventId,
        @JsonProperty("last_event_at") Instant lastEventAt) implements EntityState {

    public Directory {
        domains = domains == null ? null : List.copyOf(domains);
    }
}
