package dev.dsync.events;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Optional;

/**
 * The envelope of a WorkOS event: {@code id}, {@code event} (its type), {@code created_at} and {@code data}.
 * Everything else WorkOS adds is tolerated and ignored; {@code data} is kept as a tree so that new fields survive.
 */
public record WorkosEvent(String id, String type, String createdAt, JsonNode data) {

    /** Directory Sync events whose {@code data} is the directory itself, so the directory id is {@code data.id}. */
    private static final java.util.Set<String> DIRECTORY_EVENTS =
            java.util.Set.of("dsync.activated", "dsync.deleted", "dsync.deactivated");

    public boolean isDirectorySync() {
        return type.startsWith("dsync.");
    }

    /**
     * The id of the directory this event belongs to: {@code data.id} for directory events,
     * {@code data.directory_id} for the others; empty for non-Directory-Sync events or when absent.
     */
    public Optional<String> directoryId() {
        if (!isDirectorySync()) {
            return Optional.empty();
        }
        JsonNode node = DIRECTORY_EVENTS.contains(type) ? data.get("id") : data.get("directory_id");
        if (node == null || !node.isTextual() || node.asText().isBlank()) {
            return Optional.empty();
        }
        return Optional.of(node.asText());
    }
}
