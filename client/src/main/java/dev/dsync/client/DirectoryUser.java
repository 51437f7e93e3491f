package dev.dsync.client;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.List;

/**
 * A value of {@code dsync.users}. {@code state} is {@code active} or {@code inactive}; {@code role} is a slug or
 * null, {@code roles} a list of slugs or null; {@code customAttributes} is the JSON object WorkOS sent (or null),
 * kept as a tree because its shape is the customer's.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonPropertyOrder({"id", "directory_id", "organization_id", "idp_id", "email", "first_name", "last_name", "name",
        "state", "role", "roles", "custom_attributes", "created_at", "updated_at", "last_event_id", "last_event_at"})
public record DirectoryUser(
        @JsonProperty("id") String id,
        @JsonProperty("directory_id") String directoryId,
        @JsonProperty("organization_id") String organizationId,
        @JsonProperty("idp_id") String idpId,
        @JsonProperty("email") String email,
        @JsonProperty("first_name") String firstName,
        @JsonProperty("last_name") String lastName,
        @JsonProperty("name") String name,
        @JsonProperty("state") String state,
        @JsonProperty("role") String role,
        @JsonProperty("roles") List<String> roles,
        @JsonProperty("custom_attributes") JsonNode customAttributes,
        @JsonProperty("created_at") Instant createdAt,
        @JsonProperty("updated_at") Instant updatedAt,
        @JsonProperty("last_event_id") String lastEventId,
        @JsonProperty("last_event_at") Instant lastEventAt) implements EntityState {

    public static final String ACTIVE = "active";
    public static final String INACTIVE = "inactive";

    public DirectoryUser {
        roles = roles == null ? null : List.copyOf(roles);
        // Jackson hands a JSON null to a JsonNode property as NullNode; one representation of "absent" is enough
        customAttributes = customAttributes == null || customAttributes.isNull() ? null : customAttributes;
    }

    @JsonIgnore
    public boolean isActive() {
        return ACTIVE.equals(state);
    }
}
