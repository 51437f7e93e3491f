package dev.dsync.topology;

import static dev.dsync.topology.TestEvents.directory;
import static dev.dsync.topology.TestEvents.group;
import static dev.dsync.topology.TestEvents.membership;
import static dev.dsync.topology.TestEvents.user;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dsync.events.EventParser;
import dev.dsync.events.Topics;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code dsync.provisioning} records of docs/change-log-format.md: what changed, once, with before and after. */
class ProvisioningTest {

    static final String D = "directory_01P";
    static final String U1 = "directory_user_p1";
    static final String U2 = "directory_user_p2";
    static final String G1 = "directory_group_p1";
    static final String G2 = "directory_group_p2";

    @TempDir
    Path dir;
    Harness h;

    @BeforeEach
    void start() {
        h = new Harness(dir, InactiveUserPolicy.RETAIN);
    }

    @AfterEach
    void stop() {
        h.close();
    }

    List<JsonNode> take() {
        return h.take(Topics.PROVISIONING).stream().map(o -> {
            assertThat(o.key()).isEqualTo(D);
            return json(o.value());
        }).toList();
    }

    static JsonNode json(String s) {
        try {
            return EventParser.MAPPER.readTree(s);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static List<String> types(List<JsonNode> records) {
        return records.stream().map(r -> r.get("type").asText()).toList();
    }

    @Test
    void aUsersLifeIsProvisionedUpdatedDeactivatedReactivatedAndDeprovisioned() {
        h.pipe(user("dsync.user.created", "e1", 100, D, U1, "active", "Ann", 100));
        JsonNode provisioned = take().getFirst();
        assertThat(provisioned.get("type").asText()).isEqualTo("user.provisioned");
        assertThat(provisioned.get("id").asText()).matches("prov_[0-9a-f]{32}");
        assertThat(provisioned.get("directory_id").asText()).isEqualTo(D);
        assertThat(provisioned.get("organization_id").asText()).isEqualTo(TestEvents.ORG);
        assertThat(provisioned.get("entity").toString()).isEqualTo("{\"kind\":\"user\",\"id\":\"" + U1 + "\"}");
        assertThat(provisioned.get("before").isNull()).isTrue();
        assertThat(provisioned.get("after")).isEqualTo(json(h.table(Topics.USERS).get(U1)));
        assertThat(provisioned.get("changed_fields").toString()).contains("\"email\"", "\"state\"")
                .doesNotContain("last_event_id");
        assertThat(provisioned.get("cause").toString())
                .isEqualTo("{\"event_id\":\"e1\",\"event_type\":\"dsync.user.created\",\"source\":\"webhook\"}");
        assertThat(provisioned.get("occurred_at").asText()).isEqualTo(TestEvents.at(100));
        assertThat(provisioned.get("applied_at").asText()).isEqualTo(TestEvents.BASE.toString());

        h.pipe(user("dsync.user.updated", "e2", 200, D, U1, "active", "Annie", 200));
        JsonNode updated = take().getFirst();
        assertThat(updated.get("type").asText()).isEqualTo("user.updated");
        assertThat(updated.get("before")).isEqualTo(provisioned.get("after"));
        assertThat(updated.get("changed_fields").toString())
                .isEqualTo("[\"custom_attributes.department_name\",\"first_name\",\"name\",\"updated_at\"]");

        h.pipe(user("dsync.user.updated", "e3", 300, D, U1, "inactive", "Annie", 300));
        h.pipe(user("dsync.user.updated", "e4", 400, D, U1, "active", "Annie", 400));
        assertThat(types(take())).containsExactly("user.deactivated", "user.reactivated");

        h.pipe(membership("dsync.group.user_added", "e5", 500, D, G1, U1));
        h.pipe(membership("dsync.group.user_added", "e6", 510, D, G2, U1));
        List<JsonNode> granted = take();
        assertThat(types(granted)).containsExactly("membership.granted", "membership.granted");
        assertThat(granted.getFirst().get("entity").toString())
                .isEqualTo("{\"kind\":\"membership\",\"group_id\":\"" + G1 + "\",\"user_id\":\"" + U1 + "\"}");

        h.pipe(user("dsync.user.deleted", "e7", 600, D, U1, "inactive", "Annie", 600));
        List<JsonNode> deleted = take();
        assertThat(types(deleted)).containsExactly("user.deprovisioned", "membership.revoked",
                "membership.revoked");
        assertThat(deleted.get(0).get("after").isNull()).isTrue();
        assertThat(deleted.get(0).get("cause").get("source").asText()).isEqualTo("webhook");
        // WorkOS sends no removal for these: they follow from the deletion, and say so
        assertThat(deleted.subList(1, 3)).allSatisfy(r -> {
            assertThat(r.get("cause").get("source").asText()).isEqualTo("cascade");
            assertThat(r.get("cause").get("event_id").asText()).isEqualTo("e7");
        });
    }

    @Test
    void duplicatesStaleEventsAndMetadataOnlyChangesProduceNothing() {
        String created = user("dsync.user.created", "e1", 100, D, U1, "active", "Ann", 100);
        h.pipe(created);
        take();
        h.take(Topics.USERS);
        h.pipe(created);
        h.pipe(user("dsync.user.updated", "e0", 50, D, U1, "active", "Old", 50));
        // same data and updated_at, a later event: the change-log moves (last_event_*), nothing a consumer sees does
        h.pipe(user("dsync.user.updated", "e2", 150, D, U1, "active", "Ann", 100));
        assertThat(h.take(Topics.USERS)).hasSize(1);
        assertThat(take()).isEmpty();
    }

    @Test
    void aDirectoryDeletionExpandsIntoEveryRemovalThenTheDirectory() {
        h.pipe(directory("dsync.activated", "e1", 100, D, "active", "Acme", 100));
        h.pipe(user("dsync.user.created", "e2", 110, D, U1, "active", "Ann", 110));
        h.pipe(user("dsync.user.created", "e3", 120, D, U2, "inactive", "Bob", 120));
        h.pipe(group("dsync.group.created", "e4", 130, D, G1, "Eng", 130));
        h.pipe(membership("dsync.group.user_added", "e5", 140, D, G1, U1));
        assertThat(types(take())).containsExactly("directory.activated", "user.provisioned", "user.deactivated",
                "group.created", "membership.granted");

        h.pipe(directory("dsync.deleted", "e9", 900, D, "deleting", "Acme", 900));
        List<JsonNode> out = take();
        assertThat(types(out)).containsExactly("user.deprovisioned", "user.deprovisioned", "group.deleted",
                "membership.revoked", "directory.deleted");
        assertThat(out.subList(0, 4)).allSatisfy(r -> assertThat(r.get("cause").get("source").asText())
                .isEqualTo("cascade"));
        assertThat(out.getLast().get("cause").get("source").asText()).isEqualTo("webhook");
    }

    @Test
    void changedFieldsNameCustomAttributesByKeyAndCompareRolesAsSets() {
        var v1 = TestEvents.userData(D, U1, "active", "Ann", TestEvents.at(100));
        v1.putObject("custom_attributes").put("department", "R&D").put("title", "Engineer");
        v1.putArray("roles").addObject().put("slug", "admin");
        ((com.fasterxml.jackson.databind.node.ArrayNode) v1.get("roles")).addObject().put("slug", "member");
        h.pipe(TestEvents.envelope("e1", "dsync.user.created", TestEvents.at(100), v1));
        take();
        var v2 = v1.deepCopy();
        v2.put("updated_at", TestEvents.at(200));
        ((com.fasterxml.jackson.databind.node.ObjectNode) v2.get("custom_attributes")).put("title", "Lead");
        var roles = v2.putArray("roles");
        roles.addObject().put("slug", "member");
        roles.addObject().put("slug", "admin");
        h.pipe(TestEvents.envelope("e2", "dsync.user.updated", TestEvents.at(200), v2));
        assertThat(take().getFirst().get("changed_fields").toString())
                .isEqualTo("[\"custom_attributes.title\",\"updated_at\"]");
    }

    @Test
    void theSourceHeaderIsTheCauseAndIdsAreDeterministic(@TempDir Path other) {
        String created = user("dsync.user.created", "e1", 100, D, U1, "active", "Ann", 100);
        h.pipeFrom("events-api", created);
        JsonNode first = take().getFirst();
        assertThat(first.get("cause").get("source").asText()).isEqualTo("events-api");
        try (Harness again = new Harness(other, InactiveUserPolicy.RETAIN)) {
            again.pipe(created);
            JsonNode replayed = json(again.take(Topics.PROVISIONING).getFirst().value());
            assertThat(replayed.get("id")).isEqualTo(first.get("id"));
        }
    }

    @Test
    void provisioningCanBeSwitchedOff(@TempDir Path other) {
        try (Harness off = new Harness(Harness.config(other, Map.of("DSYNC_PROVISIONING", "off")))) {
            off.pipe(user("dsync.user.created", "e1", 100, D, U1, "active", "Ann", 100));
            assertThat(off.table(Topics.USERS)).containsOnlyKeys(U1);
            assertThat(off.all(Topics.PROVISIONING)).isEmpty();
        }
    }
}
