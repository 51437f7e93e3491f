package dev.dsync.workos.reconcile;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dsync.events.EventTimes;
import dev.dsync.events.InputHeaders;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * A repair is a Directory Sync event, written to the input topic keyed by directory id with
 * {@code dsync-source: reconciliation}, so it meets exactly the guards a webhook meets: it never overwrites a newer
 * event and a newer event always overwrites it.
 *
 * <p>Its {@code created_at} is when WorkOS was asked: an upsert's {@code updated_at} is WorkOS's own, so the
 * request time only breaks ties; a deletion has none, so the request time is its version, and it removes only what
 * the mirror holds from before the listing began (an entity created while the listing ran survives it). Ids are
 * {@code event_rec_} plus a hash of the run and the change: the same run repeating a repair writes the same event.
 */
public final class RepairEvents {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final String eventsTopic;
    private final String reconciliationId;

    public RepairEvents(String eventsTopic, String reconciliationId) {
        this.eventsTopic = eventsTopic;
        this.reconciliationId = reconciliationId;
    }

    /** {@code dsync.activated} from a REST directory: REST states mapped, domains carried over from the mirror. */
    public ProducerRecord<String, byte[]> directory(JsonNode rest, JsonNode mirrorValue, Instant at) {
        ObjectNode data = NODES.objectNode();
        data.put("object", "directory");
        for (String f : new String[] {"id", "organization_id", "type", "name", "external_key", "created_at",
                "updated_at"}) {
            data.put(f, Canonical.text(rest, f));
        }
        data.put("state", Canonical.directoryState(Canonical.text(rest, "state")));
        // only what is known: no list at all renders as null, as an event without one does
        JsonNode known = mirrorValue == null ? null : mirrorValue.get("domains");
        if (known != null && known.isArray()) {
            ArrayNode domains = data.putArray("domains");
            known.forEach(d -> domains.addObject().put("object", "organization_domain").put("domain", d.asText()));
        } else if (Canonical.text(rest, "domain") != null) {
            data.putArray("domains").addObject().put("object", "organization_domain")
                    .put("domain", Canonical.text(rest, "domain"));
        }
        String id = Canonical.text(rest, "id");
        return event(id, "dsync.activated", id, data, at);
    }

    public ProducerRecord<String, byte[]> directoryDeleted(String directoryId, JsonNode mirrorValue, Instant at) {
        ObjectNode data = NODES.objectNode();
        data.put("object", "directory");
        data.put("id", directoryId);
        data.put("organization_id", mirrorValue == null ? null : Canonical.text(mirrorValue, "organization_id"));
        data.put("state", "deleting");
        return event(directoryId, "dsync.deleted", directoryId, data, at);
    }

    /** {@code dsync.user.created} (missing) or {@code dsync.user.updated} (different), without REST's {@code groups}. */
    public ProducerRecord<String, byte[]> user(String directoryId, JsonNode rest, boolean missing, Instant at) {
        ObjectNode data = entity(rest);
        data.remove("groups");
        return event(directoryId, missing ? "dsync.user.created" : "dsync.user.updated", Canonical.text(rest, "id"),
                data, at);
    }

    public ProducerRecord<String, byte[]> userDeleted(String directoryId, String userId, String organizationId,
                                                      Instant at) {
        return event(directoryId, "dsync.user.deleted", userId, stub("directory_user", directoryId, userId,
                organizationId), at);
    }

    public ProducerRecord<String, byte[]> group(String directoryId, JsonNode rest, boolean missing, Instant at) {
        return event(directoryId, missing ? "dsync.group.created" : "dsync.group.updated",
                Canonical.text(rest, "id"), entity(rest), at);
    }

    public ProducerRecord<String, byte[]> groupDeleted(String directoryId, String groupId, String organizationId,
                                                       Instant at) {
        return event(directoryId, "dsync.group.deleted", groupId, stub("directory_group", directoryId, groupId,
                organizationId), at);
    }

    public ProducerRecord<String, byte[]> membershipAdded(String directoryId, JsonNode user, JsonNode group,
                                                          Instant at) {
        ObjectNode data = NODES.objectNode();
        data.put("directory_id", directoryId);
        ObjectNode u = entity(user);
        u.remove("groups");
        data.set("user", u);
        data.set("group", entity(group));
        return event(directoryId, "dsync.group.user_added",
                MirrorSnapshot.membershipId(Canonical.text(group, "id"), Canonical.text(user, "id")), data, at);
    }

    public ProducerRecord<String, byte[]> membershipRemoved(String directoryId, String groupId, String userId,
                                                            String organizationId, Instant at) {
        ObjectNode data = NODES.objectNode();
        data.put("directory_id", directoryId);
        data.set("user", stub("directory_user", directoryId, userId, organizationId));
        data.set("group", stub("directory_group", directoryId, groupId, organizationId));
        return event(directoryId, "dsync.group.user_removed", MirrorSnapshot.membershipId(groupId, userId), data, at);
    }

    private static ObjectNode entity(JsonNode rest) {
        return rest.isObject() ? ((ObjectNode) rest).deepCopy() : NODES.objectNode();
    }

    private static ObjectNode stub(String object, String directoryId, String id, String organizationId) {
        ObjectNode o = NODES.objectNode();
        o.put("object", object);
        o.put("id", id);
        o.put("directory_id", directoryId);
        o.put("organization_id", organizationId);
        return o;
    }

    private ProducerRecord<String, byte[]> event(String directoryId, String type, String entityId, ObjectNode data,
                                                 Instant at) {
        String id = "event_rec_" + digest(reconciliationId + '\n' + type + '\n' + entityId);
        ObjectNode event = NODES.objectNode();
        event.put("object", "event");
        event.put("id", id);
        event.put("event", type);
        event.set("data", data);
        event.put("created_at", EventTimes.format(at));
        org.apache.kafka.common.header.Headers headers = new RecordHeaders()
                .add(InputHeaders.EVENT_ID, utf8(id))
                .add(InputHeaders.EVENT_TYPE, utf8(type))
                .add(InputHeaders.RECEIVED_AT, utf8(Long.toString(System.currentTimeMillis())))
                .add(InputHeaders.SOURCE, utf8(InputHeaders.RECONCILIATION));
        return new ProducerRecord<>(eventsTopic, null, directoryId, utf8(event.toString()), headers);
    }

    private static String digest(String s) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(utf8(s));
            return HexFormat.of().formatHex(d, 0, 13);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
