package dev.dsync.client;

import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/**
 * The before/after value of an entity kind this version of the library does not know, kept as JSON, so a newer
 * dsync does not break an older consumer. Such events have {@link ProvisioningType#UNKNOWN}; skip them.
 */
public record UnknownEntityState(@JsonValue JsonNode value) implements EntityState {

    @Override
    public String lastEventId() {
        JsonNode id = value.get("last_event_id");
        return id == null || id.isNull() ? null : id.asText();
    }

    @Override
    public Instant lastEventAt() {
        JsonNode at = value.get("last_event_at");
        if (at == null || at.isNull()) {
            return null;
        }
        try {
            return Instant.parse(at.asText());
        } catch (java.time.format.DateTimeParseException e) {
            return null; // an unknown kind carries no contract to enforce
        }
    }
}
