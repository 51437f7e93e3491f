package dev.dsync.topology.processing;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dsync.events.EventParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Renders change-log keys and values exactly as docs/change-log-format.md specifies: flat objects, WorkOS field
 * names, every field present (null when WorkOS did not send it), times normalised to ISO-8601 UTC.
 * Values are pure functions of one event, so the same winning event always renders the same bytes whatever order
 * events arrived in; that is what makes "emit only real changes" a plain string comparison.
 */
public final class ChangeLogValues {

    private static final ObjectMapper MAPPER = EventParser.MAPPER;

    /** Every field a value can have, in the sorted order a summary lists them in. */
    private static final List<String> VALUE_FIELDS = List.of("created_at", "custom_attributes", "directory_id",
            "domains", "email", "first_name", "group_id", "id", "idp_id", "last_name", "name", "organization_id",
            "role", "roles", "state", "type", "updated_at", "user_id");

    /**
     * The field names of every value, quoted once (writing one is then a copy instead of an escape check per
     * character), each with its place in {@link #VALUE_FIELDS}. A hash map, not {@code Map.copyOf}: a value looks up
     * each of its names, and the immutable map's probing took 3% of the stream thread.
     */
    private static final Map<String, Name> NAMES = names();
    /** The sync metadata, which every value ends with and a summary leaves out. */
    private static final SerializedString LAST_EVENT_ID = new SerializedString("last_event_id");
    private static final SerializedString LAST_EVENT_AT = new SerializedString("last_event_at");

    private ChangeLogValues() {
    }

    /** A name of {@link #NAMES}: quoted, and its place in {@link #VALUE_FIELDS}. */
    private record Name(SerializedString quoted, int sortIndex) {
    }

    private static Map<String, Name> names() {
        Map<String, Name> out = new HashMap<>();
        for (int i = 0; i < VALUE_FIELDS.size(); i++) {
            out.put(VALUE_FIELDS.get(i), new Name(new SerializedString(VALUE_FIELDS.get(i)), i));
        }
        return java.util.Collections.unmodifiableMap(out);
    }

    /** A change-log value and what a provisioning record needs of it. */
    public record Rendered(String json, ValueSummary summary) {
    }

    public static Rendered directory(JsonNode d, EventMeta meta, String stateOverride) {
        return new ValueWriter()
                .string("id", text(d, "id"))
                .string("organization_id", text(d, "organization_id"))
                .string("type", text(d, "type"))
                .string("state", stateOverride != null ? stateOverride : text(d, "state"))
                .string("name", text(d, "name"))
                .strings("domains", domains(d.get("domains")))
                .string("created_at", time(d, "created_at"))
                .string("updated_at", time(d, "updated_at"))
                .finish(meta);
    }

    public static Rendered user(JsonNode u, EventMeta meta) {
        JsonNode custom = u.get("custom_attributes");
        return new ValueWriter()
                .string("id", text(u, "id"))
                .string("directory_id", text(u, "directory_id"))
                .string("organization_id", text(u, "organization_id"))
                .string("idp_id", text(u, "idp_id"))
                .string("email", text(u, "email"))
                .string("first_name", text(u, "first_name"))
                .string("last_name", text(u, "last_name"))
                .string("name", text(u, "name"))
                .string("state", userState(u))
                .string("role", slug(u.get("role")))
                .strings("roles", roles(u.get("roles")))
                .tree("custom_attributes", custom != null && custom.isObject() ? custom : null)
                .string("created_at", time(u, "created_at"))
                .string("updated_at", time(u, "updated_at"))
                .finish(meta);
    }

    public static Rendered group(JsonNode g, EventMeta meta) {
        return new ValueWriter()
                .string("id", text(g, "id"))
                .string("directory_id", text(g, "directory_id"))
                .string("organization_id", text(g, "organization_id"))
                .string("idp_id", text(g, "idp_id"))
                .string("name", text(g, "name"))
                .string("created_at", time(g, "created_at"))
                .string("updated_at", time(g, "updated_at"))
                .finish(meta);
    }

    public static Rendered membership(String groupId, String userId, String directoryId, String organizationId,
                                    EventMeta meta) {
        return new ValueWriter()
                .string("group_id", groupId)
                .string("user_id", userId)
                .string("directory_id", directoryId)
                .string("organization_id", organizationId)
                .finish(meta);
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

    private static SortedSet<String> roles(JsonNode roles) {
        if (roles == null || !roles.isArray()) {
            return null;
        }
        TreeSet<String> slugs = new TreeSet<>();
        for (JsonNode role : roles) {
            String slug = slug(role);
            if (slug != null) {
                slugs.add(slug);
            }
        }
        return slugs;
    }

    private static SortedSet<String> domains(JsonNode domains) {
        if (domains == null || !domains.isArray()) {
            return null;
        }
        TreeSet<String> names = new TreeSet<>();
        for (JsonNode d : domains) {
            String domain = d.isTextual() ? d.asText() : text(d, "domain");
            if (domain != null) {
                names.add(domain);
            }
        }
        return names;
    }

    /**
     * Writes one flat value field by field, in the contract's order, and notes on the way what a provisioning
     * record needs of it (so an appearance, every change of an initial sync, is described without reading it back).
     * Roles and domains are sets: written sorted and without repeats, so an event that only reorders them changes no
     * value, and a value changes exactly when a consumer can see a difference.
     */
    private static final class ValueWriter {
        /** Values are rendered one at a time on each thread, so each thread writes them into one buffer. */
        private static final ThreadLocal<TextBuffer> BUFFERS = ThreadLocal.withInitial(TextBuffer::new);

        private final TextBuffer text = BUFFERS.get().take();
        private final JsonGenerator g;
        /** The value's non-null fields, as bits of {@link #VALUE_FIELDS}. */
        private long nonNullFields;
        private String state;
        private String organizationId;

        ValueWriter() {
            try {
                g = MAPPER.createGenerator(text);
                g.writeStartObject();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        ValueWriter string(String name, String value) {
            if (name.equals("state")) {
                state = value;
            } else if (name.equals("organization_id")) {
                organizationId = value;
            }
            return field(name, value, () -> g.writeString(value));
        }

        ValueWriter strings(String name, SortedSet<String> items) {
            return field(name, items, () -> {
                g.writeStartArray();
                for (String item : items) {
                    g.writeString(item);
                }
                g.writeEndArray();
            });
        }

        ValueWriter tree(String name, JsonNode value) {
            return field(name, value, () -> writeTree(g, value));
        }

        private interface Write {
            void write() throws IOException;
        }

        /** The field {@code name}: null when {@code value} is, else what {@code write} writes; noted when non-null. */
        private ValueWriter field(String name, Object value, Write write) {
            Name field = NAMES.get(name);
            if (field == null) {
                throw new IllegalArgumentException("not a value field: " + name);
            }
            try {
                g.writeFieldName(field.quoted());
                if (value == null) {
                    g.writeNull();
                } else {
                    write.write();
                    nonNullFields |= 1L << field.sortIndex();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return this;
        }

        Rendered finish(EventMeta meta) {
            // sync metadata, which a summary leaves out
            try {
                g.writeFieldName(LAST_EVENT_ID);
                g.writeString(meta.eventId());
                g.writeFieldName(LAST_EVENT_AT);
                g.writeString(meta.createdAt());
                g.writeEndObject();
                g.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return new Rendered(text.release(), new ValueSummary(state, organizationId, sortedFields(nonNullFields)));
        }
    }

    /**
     * {@code node} as the mapper's {@code writeTree} writes it (object fields in their order, nulls and empty arrays
     * kept, numbers in their own type and text), without its per-call serializer set-up, which cost more than the
     * writing for a value's few custom attributes. Should the mapper's settings for trees ever change (sorted
     * properties, say), this must follow; {@code ChangeLogValuesTreeTest} compares the two.
     */
    static void writeTree(JsonGenerator g, JsonNode node) throws IOException {
        switch (node.getNodeType()) {
            case OBJECT -> {
                g.writeStartObject();
                for (Map.Entry<String, JsonNode> field : node.properties()) {
                    g.writeFieldName(field.getKey());
                    writeTree(g, field.getValue());
                }
                g.writeEndObject();
            }
            case ARRAY -> {
                g.writeStartArray();
                for (JsonNode item : node) {
                    writeTree(g, item);
                }
                g.writeEndArray();
            }
            case STRING -> g.writeString(node.textValue());
            case BOOLEAN -> g.writeBoolean(node.booleanValue());
            case NULL -> g.writeNull();
            case NUMBER -> {
                switch (node.numberType()) {
                    case INT -> g.writeNumber(node.intValue());
                    case LONG -> g.writeNumber(node.longValue());
                    case BIG_INTEGER -> g.writeNumber(node.bigIntegerValue());
                    case BIG_DECIMAL -> g.writeNumber(node.decimalValue());
                    case FLOAT -> g.writeNumber(node.floatValue());
                    default -> g.writeNumber(node.doubleValue());
                }
            }
            // not made by a JSON parser; written the general way should one ever be
            default -> MAPPER.writeTree(g, node);
        }
    }

    /**
     * The sorted list of the fields set in {@code bits}. A burst's values have a handful of shapes, so each list is
     * made once instead of sorted for every value; at most one per subset of a kind's fields is ever kept.
     */
    private static final java.util.concurrent.ConcurrentMap<Long, List<String>> SORTED_FIELDS =
            new java.util.concurrent.ConcurrentHashMap<>();

    private static List<String> sortedFields(long bits) {
        return SORTED_FIELDS.computeIfAbsent(bits, b -> {
            List<String> names = new ArrayList<>(Long.bitCount(b));
            for (int i = 0; i < VALUE_FIELDS.size(); i++) {
                if ((b & (1L << i)) != 0) {
                    names.add(VALUE_FIELDS.get(i));
                }
            }
            return List.copyOf(names);
        });
    }
}
