package dev.dsync.topology.processing;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a provisioning record needs of a change-log value: its state, its organization, and its non-null fields
 * (sorted, sync metadata left out). {@link ChangeLogValues} notes it while it writes a value, so an appearance, every
 * change of an initial sync, is described without reading the rendered text back; {@link #of} reads it from a
 * value's tree.
 */
public record ValueSummary(String state, String organizationId, List<String> nonNullFields) {

    /** Sync metadata: a change of these alone is nothing a consumer can see. */
    static final Set<String> METADATA = Set.of("last_event_id", "last_event_at");

    static ValueSummary of(JsonNode value) {
        List<String> fields = new ArrayList<>(value.size());
        for (Map.Entry<String, JsonNode> field : value.properties()) {
            if (!field.getValue().isNull() && !METADATA.contains(field.getKey())) {
                fields.add(field.getKey());
            }
        }
        Collections.sort(fields);
        return new ValueSummary(ChangeLogValues.text(value, "state"), ChangeLogValues.text(value, "organization_id"),
                List.copyOf(fields));
    }
}
