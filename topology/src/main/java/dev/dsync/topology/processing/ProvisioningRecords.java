package dev.dsync.topology.processing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dsync.events.EventParser;
import dev.dsync.events.EventTimes;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Renders the {@code dsync.provisioning} record for one change (docs/change-log-format.md): its type from the
 * values before and after, the fields that differ, and a deterministic id. One instance per processor: it keeps a
 * digest, which is not thread-safe.
 */
public final class ProvisioningRecords {

    /** Sync metadata: a change of these alone is nothing a consumer can see. */
    static final Set<String> METADATA = Set.of("last_event_id", "last_event_at");
    /** Arrays whose order means nothing. */
    static final Set<String> SETS = Set.of("roles", "domains");

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private final MessageDigest sha256;

    public ProvisioningRecords() {
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }

    /**
     * The record's value, or null when the change is only in sync metadata.
     *
     * @param source where the causing event came from ({@code webhook}, {@code events-api}, …); ignored for a
     *               cascade, whose source is {@code cascade}
     */
    public String render(ChangeLog.Topic topic, byte[] key, String before, String after, boolean cascade,
                         EventMeta cause, String source, long appliedAtMs) {
        JsonNode b = parse(before);
        JsonNode a = parse(after);
        List<String> changed = changedFields(b, a);
        if (changed.isEmpty()) {
            return null;
        }
        ObjectNode o = NODES.objectNode();
        o.put("id", id(cause.eventId(), topic, key));
        o.put("type", type(topic, b, a));
        o.put("directory_id", cause.directoryId());
        o.put("organization_id", ChangeLogValues.text(a != null ? a : b, "organization_id"));
        o.set("entity", entity(topic, key));
        o.set("before", b == null ? NODES.nullNode() : b);
        o.set("after", a == null ? NODES.nullNode() : a);
        changed.forEach(o.putArray("changed_fields")::add);
        ObjectNode c = o.putObject("cause");
        c.put("event_id", cause.eventId());
        c.put("event_type", cause.type());
        c.put("source", cascade ? "cascade" : source);
        o.put("occurred_at", cause.createdAt());
        o.put("applied_at", EventTimes.format(Instant.ofEpochMilli(appliedAtMs)));
        try {
            return EventParser.MAPPER.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String type(ChangeLog.Topic topic, JsonNode before, JsonNode after) {
        return switch (topic) {
            case DIRECTORIES -> before == null ? "directory.activated"
                    : after == null ? "directory.deleted" : "directory.updated";
            case GROUPS -> before == null ? "group.created" : after == null ? "group.deleted" : "group.updated";
            case MEMBERSHIPS -> after == null ? "membership.revoked" : "membership.granted";
            case USERS -> {
                if (after == null) {
                    yield "user.deprovisioned";
                }
                boolean active = "active".equals(ChangeLogValues.text(after, "state"));
                if (before == null) {
                    yield active ? "user.provisioned" : "user.deactivated";
                }
                boolean wasActive = "active".equals(ChangeLogValues.text(before, "state"));
                yield wasActive == active ? "user.updated" : active ? "user.reactivated" : "user.deactivated";
            }
        };
    }

    /** Sorted top-level fields that differ, custom attributes by key, sets as sets, sync metadata left out. */
    static List<String> changedFields(JsonNode before, JsonNode after) {
        Set<String> out = new TreeSet<>();
        Set<String> names = new HashSet<>();
        fieldNames(before, names);
        fieldNames(after, names);
        for (String name : names) {
            if (METADATA.contains(name)) {
                continue;
            }
            JsonNode x = before == null ? null : before.get(name);
            JsonNode y = after == null ? null : after.get(name);
            if (before == null || after == null) {
                if (isPresent(x) || isPresent(y)) {
                    out.add(name);
                }
            } else if (name.equals("custom_attributes") && (isObject(x) || isObject(y))) {
                Set<String> keys = new HashSet<>();
                fieldNames(isObject(x) ? x : null, keys);
                fieldNames(isObject(y) ? y : null, keys);
                boolean any = false;
                for (String k : keys) {
                    if (!Objects.equals(isObject(x) ? x.get(k) : null, isObject(y) ? y.get(k) : null)) {
                        out.add("custom_attributes." + k);
                        any = true;
                    }
                }
                if (!any && !Objects.equals(x, y)) {
                    out.add(name); // {} against null: no key differs, the attribute object does
                }
            } else if (SETS.contains(name) && x != null && y != null && x.isArray() && y.isArray()) {
                if (!asSet(x).equals(asSet(y))) {
                    out.add(name);
                }
            } else if (!Objects.equals(x, y)) {
                out.add(name);
            }
        }
        return List.copyOf(out);
    }

    private static ObjectNode entity(ChangeLog.Topic topic, byte[] key) {
        ObjectNode e = NODES.objectNode();
        if (topic == ChangeLog.Topic.MEMBERSHIPS) {
            JsonNode k = parse(new String(key, StandardCharsets.UTF_8));
            e.put("kind", "membership");
            e.put("group_id", ChangeLogValues.text(k, "group_id"));
            e.put("user_id", ChangeLogValues.text(k, "user_id"));
        } else {
            e.put("kind", switch (topic) {
                case DIRECTORIES -> "directory";
                case USERS -> "user";
                default -> "group";
            });
            e.put("id", new String(key, StandardCharsets.UTF_8));
        }
        return e;
    }

    /** {@code prov_} and 128 bits of SHA-256 over what identifies the change: one event changes an entity once. */
    String id(String eventId, ChangeLog.Topic topic, byte[] key) {
        sha256.reset();
        sha256.update(eventId.getBytes(StandardCharsets.UTF_8));
        sha256.update((byte) 0x1F);
        sha256.update(topic.name().getBytes(StandardCharsets.UTF_8));
        sha256.update((byte) 0x1F);
        sha256.update(key);
        byte[] d = sha256.digest();
        char[] out = new char[32];
        for (int i = 0; i < 16; i++) {
            out[2 * i] = HEX[(d[i] >> 4) & 0xF];
            out[2 * i + 1] = HEX[d[i] & 0xF];
        }
        return "prov_" + new String(out);
    }

    private static JsonNode parse(String json) {
        if (json == null) {
            return null;
        }
        try {
            return EventParser.MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            // the values are our own rendering; failing here is a bug, not bad input
            throw new IllegalStateException("unreadable change-log value", e);
        }
    }

    private static void fieldNames(JsonNode node, Set<String> into) {
        if (node != null && node.isObject()) {
            for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
                into.add(it.next());
            }
        }
    }

    private static boolean isPresent(JsonNode n) {
        return n != null && !n.isNull();
    }

    private static boolean isObject(JsonNode n) {
        return n != null && n.isObject();
    }

    private static Set<JsonNode> asSet(JsonNode array) {
        Set<JsonNode> s = new HashSet<>();
        array.forEach(s::add);
        return s;
    }
}
