package dev.dsync.events;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;

/**
 * Builds WorkOS event bodies shaped like the reference samples, for tests and benchmarks (one definition, so a
 * benchmark measures the same events the tests check).
 */
public class SampleEvents {

    public static final Instant BASE = Instant.parse("2026-05-18T14:00:00Z");
    public static final String ORG = "org_01TEST";
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    protected SampleEvents() {
    }

    /** ISO time {@code ms} milliseconds after {@link #BASE}. */
    public static String at(long ms) {
        return EventTimes.format(BASE.plusMillis(ms));
    }

    public static String envelope(String id, String type, String createdAt, ObjectNode data) {
        ObjectNode e = NODES.objectNode();
        e.put("object", "event");
        e.put("id", id);
        e.put("event", type);
        e.set("data", data);
        if (createdAt != null) {
            e.put("created_at", createdAt);
        }
        e.set("context", NODES.objectNode());
        return e.toString();
    }

    public static ObjectNode directoryData(String dir, String state, String name, String updatedAt) {
        ObjectNode d = NODES.objectNode();
        d.put("object", "directory");
        d.put("id", dir);
        d.put("organization_id", ORG);
        d.put("type", "okta scim v2.0");
        d.put("state", state);
        d.put("name", name);
        ObjectNode domain = d.putArray("domains").addObject();
        domain.put("object", "organization_domain");
        domain.put("id", "org_domain_1");
        domain.put("domain", "example.com");
        d.put("created_at", at(0));
        d.put("updated_at", updatedAt);
        return d;
    }

    public static ObjectNode userData(String dir, String userId, String state, String firstName, String updatedAt) {
        ObjectNode u = NODES.objectNode();
        u.put("object", "directory_user");
        u.put("id", userId);
        u.put("directory_id", dir);
        u.put("organization_id", ORG);
        u.put("idp_id", "idp-" + userId);
        u.put("email", userId + "@Example.com");
        u.put("first_name", firstName);
        u.put("last_name", "Tester");
        u.put("name", firstName + " Tester");
        u.put("state", state);
        u.set("raw_attributes", NODES.objectNode());
        u.putObject("custom_attributes").put("department_name", "Dept " + firstName);
        u.putObject("role").put("slug", "member");
        u.putArray("roles").addObject().put("slug", "member");
        u.put("created_at", at(0));
        u.put("updated_at", updatedAt);
        return u;
    }

    public static ObjectNode groupData(String dir, String groupId, String name, String updatedAt) {
        ObjectNode g = NODES.objectNode();
        g.put("object", "directory_group");
        g.put("id", groupId);
        g.put("idp_id", "idp-" + groupId);
        g.put("directory_id", dir);
        g.put("organization_id", ORG);
        g.put("name", name);
        g.set("raw_attributes", NODES.objectNode());
        g.put("created_at", at(0));
        g.put("updated_at", updatedAt);
        return g;
    }

    public static String directory(String type, String id, long eventMs, String dir, String state, String name,
                                   long updatedMs) {
        return envelope(id, type, at(eventMs), directoryData(dir, state, name, at(updatedMs)));
    }

    public static String user(String type, String id, long eventMs, String dir, String userId, String state,
                              String firstName, long updatedMs) {
        return envelope(id, type, at(eventMs), userData(dir, userId, state, firstName, at(updatedMs)));
    }

    public static String group(String type, String id, long eventMs, String dir, String groupId, String name,
                               long updatedMs) {
        return envelope(id, type, at(eventMs), groupData(dir, groupId, name, at(updatedMs)));
    }

    public static String membership(String type, String id, long eventMs, String dir, String groupId,
                                    String userId) {
        return envelope(id, type, at(eventMs), membershipData(dir, groupId, userId));
    }

    public static ObjectNode membershipData(String dir, String groupId, String userId) {
        ObjectNode data = NODES.objectNode();
        data.put("directory_id", dir);
        data.set("user", userData(dir, userId, "active", "Member", at(0)));
        data.set("group", groupData(dir, groupId, "Group", at(0)));
        return data;
    }
}
