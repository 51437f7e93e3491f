package dev.dsync.topology.processing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dsync.events.EventParser;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Renders change-log keys and values exactly as docs/change-log-format.md specifies: flat objects, WorkOS field
 * names, every field present (null when WorkOS did not send it), times normalised to ISO-8601 UTC.
 * Values are pure functions of one event, so the same winning event always renders the same bytes whatever order
 * events arrived in; that is what makes "emit only real changes" a plain string comparison.
 */
public final class ChangeLogValues {

    private static final ObjectMapper MAPPER = EventParser.MAPPER;
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private ChangeLogValues() {
    }

    /** A change-log value and what a provisioning record needs of it. */
    public record Rendered(String json, ValueSummary summary) {
    }

    public static Rendered directory(JsonNode d, EventMeta meta, String stateOverride) {
        ObjectNode o = NODES.objectNode();
        o.put("id", text(d, "id"));
        o.put("organization_id", text(d, "organization_id"));
        o.put("type", text(d, "type"));
        o.put("state", stateOverride != null ? stateOverride : text(d, "state"));
        o.put("name", text(d, "name"));
        o.set("domains", domains(d.get("domains")));
        o.put("created_at", time(d, "created_at"));
        o.put("updated_at", time(d, "updated_at"));
        return finish(o, meta);
    }

    public static Rendered user(JsonNode u, EventMeta meta) {
        ObjectNode o = NODES.objectNode();
        o.put("id", text(u, "id"));
        o.put("directory_id", text(u, "directory_id"));
        o.put("organization_id", text(u, "organization_id"));
        o.put("idp_id", text(u, "idp_id"));
        o.put("email", text(u, "email"));
        o.put("first_name", text(u, "first_name"));
        o.put("last_name", text(u, "last_name"));
        o.put("name", text(u, "name"));
        o.put("state", userState(u));
        o.put("role", slug(u.get("role")));
        o.set("roles", roles(u.get("roles")));
        JsonNode custom = u.get("custom_attributes");
        o.set("custom_attributes", custom != null && custom.isObject() ? custom.deepCopy() : NODES.nullNode());
        o.put("created_at", time(u, "created_at"));
        o.put("updated_at", time(u, "updated_at"));
        return finish(o, meta);
    }

    public static Rendered group(JsonNode g, EventMeta meta) {
        ObjectNode o = NODES.objectNode();
        o.put("id", text(g, "id"));
        o.put("directory_id", text(g, "directory_id"));
        o.put("organization_id", text(g, "organization_id"));
        o.put("idp_id", text(g, "idp_id"));
        o.put("name", text(g, "name"));
        o.put("created_at", time(g, "created_at"));
        o.put("updated_at", time(g, "updated_at"));
        return finish(o, meta);
    }

    public static Rendered membership(String groupId, String userId, String directoryId, String organizationId,
                                    EventMeta meta) {
        ObjectNode o = NODES.objectNode();
        o.put("group_id", groupId);
        o.put("user_id", userId);
        o.put("directory_id", directoryId);
        o.put("organization_id", organizationId);
        return finish(o, meta);
    }

    /** {@code {"group_id":"…","user_id":"…"}}: fixed field order and no spaces, so equal keys are equal bytes. */
    public static byte[] membershipKey(String groupId, String userId) {
        // one per membership change: quoted as Jackson's generator quotes, without building a tree to write
        JsonStringEncoder quote = JsonStringEncoder.getInstance();
        return ("{\"group_id\":\"" + new String(quote.quoteAsString(groupId)) + "\",\"user_id\":\""
                + new String(quote.quoteAsString(userId)) + "\"}").getBytes(StandardCharsets.UTF_8);
    }

    /**
     * A user's state: WorkOS merged {@code suspended} into {@code inactive} in Dec 2023, so older payloads are
     * normalised; anything else is passed through.
     */
    public static String userState(JsonNode u) {
        String state = text(u, "state");
        return "suspended".equals(state) ? "inactive" : state;
    }

    /** A text field, or null when absent, null or not a scalar. Numbers and booleans keep their JSON text. */
    public static String text(JsonNode node, String field) {
        JsonNode v = node == null ? null : node.get(field);
        if (v == null || v.isNull() || v.isContainerNode() || v.isMissingNode()) {
            return null;
        }
        return v.asText();
    }

    private static String time(JsonNode node, String field) {
        return Times.normalize(text(node, field));
    }

    private static String slug(JsonNode role) {
        if (role == null || role.isNull()) {
            return null;
        }
        if (role.isTextual()) {
            return role.asText();
        }
        return text(role, "slug");
    }

    private static JsonNode roles(JsonNode roles) {
        if (roles == null || !roles.isArray()) {
            return NODES.nullNode();
        }
        java.util.TreeSet<String> slugs = new java.util.TreeSet<>();
        for (JsonNode role : roles) {
            String slug = slug(role);
            if (slug != null) {
                slugs.add(slug);
            }
        }
        return sorted(slugs);
    }

    private static JsonNode domains(JsonNode domains) {
        if (domains == null || !domains.isArray()) {
            return NODES.nullNode();
        }
        java.util.TreeSet<String> names = new java.util.TreeSet<>();
        for (JsonNode d : domains) {
            String domain = d.isTextual() ? d.asText() : text(d, "domain");
            if (domain != null) {
                names.add(domain);
            }
        }
        return sorted(names);
    }

    /**
     * Roles and domains are sets: rendered sorted and without repeats, so an event that only reorders them changes
     * no value, and a value changes exactly when a consumer can see a difference.
     */
    private static ArrayNode sorted(java.util.SortedSet<String> items) {
        ArrayNode out = NODES.arrayNode();
        items.forEach(out::add);
        return out;
    }

    private static Rendered finish(ObjectNode o, EventMeta meta) {
        o.put("last_event_id", meta.eventId());
        o.put("last_event_at", meta.createdAt());
        return new Rendered(write(o), ValueSummary.of(o));
    }

    private static String write(ObjectNode o) {
        try {
            return MAPPER.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
