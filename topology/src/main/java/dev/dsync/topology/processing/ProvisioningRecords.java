package dev.dsync.topology.processing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.dsync.events.EventParser;
import dev.dsync.events.EventTimes;
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
 * values before and after, the fields that differ, and a deterministic id. Written as bytes around the change-log
 * value's own bytes, which are not encoded a second time. One instance per processor: it keeps a digest and a
 * buffer, which are not thread-safe.
 */
public final class ProvisioningRecords {

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private final MessageDigest sha256;
    private final JsonBytes bytes = new JsonBytes();
    /** The last {@code applied_at} rendered, and its time: the records of one burst share a handful of them. */
    private long appliedAtMs = Long.MIN_VALUE;
    private String appliedAt;

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
     * @param key          the change-log key of {@code entity}, which the record's id is derived from
     * @param afterBytes   {@code after} as the change-log record carries it (UTF-8); null when {@code after} is null
     * @param afterSummary what is needed of {@code after} when the caller has it (the event's own rendering), or null
     * @param source       where the causing event came from ({@code webhook}, {@code events-api}, …); ignored for a
     *                     cascade, whose source is {@code cascade}
     */
    public byte[] render(ChangeLog.Entity entity, byte[] key, String before, String after, byte[] afterBytes,
                         ValueSummary afterSummary, boolean cascade, EventMeta cause, String source,
                         long appliedAtMs) {
        ValueSummary b;
        ValueSummary a;
        List<String> changed;
        if (before != null && after != null) {
            JsonNode bt = parse(before);
            JsonNode at = parse(after);
            changed = changedFields(bt, at);
            b = ValueSummary.of(bt);
            a = ValueSummary.of(at);
        } else {
            // an appearance (every change of an initial sync) comes with its summary; a removal reads its value
            ValueSummary present = after != null && afterSummary != null ? afterSummary
                    : ValueSummary.of(parse(before != null ? before : after));
            changed = present.nonNullFields();
            b = before != null ? present : null;
            a = after != null ? present : null;
        }
        if (changed.isEmpty()) {
            return null;
        }
        ChangeLog.Topic topic = entity.topic();
        JsonBytes out = bytes.reset();
        out.ascii("{\"id\":").string(id(cause.eventId(), topic, key))
                .ascii(",\"type\":").string(type(topic, b, a))
                .ascii(",\"directory_id\":").string(cause.directoryId())
                .ascii(",\"organization_id\":").string(a != null ? a.organizationId() : b.organizationId())
                .ascii(",\"entity\":");
        writeEntity(out, entity);
        // the change-log values byte for byte, as the change-log topics carry them
        out.ascii(",\"before\":").raw(before == null ? null : before.getBytes(StandardCharsets.UTF_8))
                .ascii(",\"after\":").raw(afterBytes)
                .ascii(",\"changed_fields\":[");
        for (int i = 0; i < changed.size(); i++) {
            if (i > 0) {
                out.ascii(",");
            }
            out.string(changed.get(i));
        }
        out.ascii("],\"cause\":{\"event_id\":").string(cause.eventId())
                .ascii(",\"event_type\":").string(cause.type())
                .ascii(",\"source\":").string(cascade ? "cascade" : source)
                .ascii("},\"occurred_at\":").string(cause.createdAt())
                .ascii(",\"applied_at\":").string(appliedAt(appliedAtMs))
                .ascii("}");
        return out.toByteArray();
    }

    private String appliedAt(long ms) {
        if (ms != appliedAtMs) {
            appliedAt = EventTimes.format(Instant.ofEpochMilli(ms));
            appliedAtMs = ms;
        }
        return appliedAt;
    }

    static String type(ChangeLog.Topic topic, ValueSummary before, ValueSummary after) {
        return switch (topic) {
            case DIRECTORIES -> before == null ? "directory.activated"
                    : after == null ? "directory.deleted" : "directory.updated";
            case GROUPS -> before == null ? "group.created" : after == null ? "group.deleted" : "group.updated";
            case MEMBERSHIPS -> after == null ? "membership.revoked" : "membership.granted";
            case USERS -> {
                if (after == null) {
                    yield "user.deprovisioned";
                }
                boolean active = "active".equals(after.state());
                if (before == null) {
                    yield active ? "user.provisioned" : "user.deactivated";
                }
                boolean wasActive = "active".equals(before.state());
                yield wasActive == active ? "user.updated" : active ? "user.reactivated" : "user.deactivated";
            }
        };
    }

    /**
     * Sorted top-level fields in which two present values differ, custom attributes by key, sync metadata left out.
     * Roles and domains need no set comparison: {@link ChangeLogValues} renders them sorted and without repeats.
     * (Appearances and removals are summarised by {@link ValueSummary}.)
     */
    static List<String> changedFields(JsonNode before, JsonNode after) {
        Set<String> out = new TreeSet<>();
        Set<String> names = new HashSet<>();
        fieldNames(before, names);
        fieldNames(after, names);
        for (String name : names) {
            if (ValueSummary.METADATA.contains(name)) {
                continue;
            }
            JsonNode x = before.get(name);
            JsonNode y = after.get(name);
            if (name.equals("custom_attributes") && (isObject(x) || isObject(y))) {
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
            } else if (!Objects.equals(x, y)) {
                out.add(name);
            }
        }
        return List.copyOf(out);
    }

    private static void writeEntity(JsonBytes out, ChangeLog.Entity entity) {
        if (entity.topic() == ChangeLog.Topic.MEMBERSHIPS) {
            out.ascii("{\"kind\":\"membership\",\"group_id\":").string(entity.id())
                    .ascii(",\"user_id\":").string(entity.userId()).ascii("}");
        } else {
            out.ascii(switch (entity.topic()) {
                case DIRECTORIES -> "{\"kind\":\"directory\",\"id\":";
                case USERS -> "{\"kind\":\"user\",\"id\":";
                default -> "{\"kind\":\"group\",\"id\":";
            }).string(entity.id()).ascii("}");
        }
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

    private static boolean isObject(JsonNode n) {
        return n != null && n.isObject();
    }
}
