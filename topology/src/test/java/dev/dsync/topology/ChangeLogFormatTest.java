package dev.dsync.topology;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dsync.events.EventParser;
import dev.dsync.events.Topics;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The reference samples through the topology, checked against docs/change-log-format.md field by field. */
class ChangeLogFormatTest {

    static final String DIR = "directory_01KRXP60QYZVB8HYTWH1V60HNV";
    static final String USER = "directory_user_01KRXPCM28AHA9C90BJTW143EA";
    static final String GROUP = "directory_group_01KRXPCMHQMT6BTTRXAYKZQ4H7";
    static final String MEMBERSHIP_KEY = "{\"group_id\":\"" + GROUP + "\",\"user_id\":\"" + USER + "\"}";

    @TempDir
    Path dir;

    static String sample(String type) throws IOException {
        try (InputStream in = ChangeLogFormatTest.class.getResourceAsStream("/samples/" + type + ".json")) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    static List<String> fields(String json) throws IOException {
        List<String> names = new ArrayList<>();
        Iterator<String> it = EventParser.MAPPER.readTree(json).fieldNames();
        it.forEachRemaining(names::add);
        return names;
    }

    @Test
    void theSamplesRenderAsTheContractSays() throws Exception {
        try (Harness h = new Harness(dir, InactiveUserPolicy.RETAIN)) {
            h.pipe(sample("dsync.activated"));
            assertThat(h.table(Topics.DIRECTORIES).get(DIR)).isEqualTo("{\"id\":\"" + DIR + "\","
                    + "\"organization_id\":\"org_01KAG8K70DHD9M26PTF1H0D6N1\",\"type\":\"okta scim v2.0\","
                    + "\"state\":\"active\",\"name\":\"Acme Corp Okta\",\"domains\":[\"acme-corp.example\"],"
                    + "\"created_at\":\"2026-05-18T14:00:05.118Z\",\"updated_at\":\"2026-05-18T14:00:07.240Z\","
                    + "\"last_event_id\":\"event_01KRXP62T8J69YZWWZWVWTXQ0N\","
                    + "\"last_event_at\":\"2026-05-18T14:00:07.240Z\"}");

            h.pipe(sample("dsync.user.created"));
            String user = h.table(Topics.USERS).get(USER);
            assertThat(fields(user)).containsExactly("id", "directory_id", "organization_id", "idp_id", "email",
                    "first_name", "last_name", "name", "state", "role", "roles", "custom_attributes", "created_at",
                    "updated_at", "last_event_id", "last_event_at");
            JsonNode u = EventParser.MAPPER.readTree(user);
            assertThat(u.get("role").asText()).isEqualTo("member");
            assertThat(u.get("roles").toString()).isEqualTo("[\"member\"]");
            assertThat(u.get("custom_attributes").get("employee_number").asText()).isEqualTo("E-10442");
            assertThat(u.get("custom_attributes").get("emails").get(0).get("primary").asBoolean()).isTrue();
            assertThat(u.get("last_event_at").asText()).isEqualTo("2026-05-18T14:03:41.530Z");
            assertThat(u.has("raw_attributes")).isFalse();
            assertThat(u.has("emails")).isFalse();

            h.pipe(sample("dsync.group.created"));
            assertThat(fields(h.table(Topics.GROUPS).get(GROUP))).containsExactly("id", "directory_id",
                    "organization_id", "idp_id", "name", "created_at", "updated_at", "last_event_id",
                    "last_event_at");

            h.pipe(sample("dsync.group.user_added"));
            Map<String, String> memberships = h.table(Topics.MEMBERSHIPS);
            assertThat(memberships).containsOnlyKeys(MEMBERSHIP_KEY);
            assertThat(memberships.get(MEMBERSHIP_KEY)).isEqualTo("{\"group_id\":\"" + GROUP + "\",\"user_id\":\""
                    + USER + "\",\"directory_id\":\"" + DIR + "\",\"organization_id\":"
                    + "\"org_01KAG8K70DHD9M26PTF1H0D6N1\",\"last_event_id\":\"event_01KRXPCMXMYW5HFG8ZJTEPWFTX\","
                    + "\"last_event_at\":\"2026-05-18T14:03:42.388Z\"}");

            h.pipe(sample("dsync.user.updated"));
            JsonNode updated = EventParser.MAPPER.readTree(h.table(Topics.USERS).get(USER));
            assertThat(updated.get("role").asText()).isEqualTo("admin");
            assertThat(updated.get("last_name").asText()).isEqualTo("Okafor-Reyes");
            assertThat(updated.has("previous_attributes")).isFalse();

            h.pipe(sample("dsync.group.updated"));
            assertThat(h.table(Topics.GROUPS).get(GROUP)).contains("Platform & Infrastructure Engineering");

            h.pipe(sample("dsync.group.user_removed"));
            assertThat(h.table(Topics.MEMBERSHIPS)).isEmpty();
            h.pipe(sample("dsync.user.deleted"));
            assertThat(h.table(Topics.USERS)).isEmpty();
            h.pipe(sample("dsync.group.deleted"));
            assertThat(h.table(Topics.GROUPS)).isEmpty();
            h.pipe(sample("dsync.deleted"));
            assertThat(h.table(Topics.DIRECTORIES)).isEmpty();

            // every record's timestamp is its input's (the receive time); deletes are tombstones keyed like the rows
            // they delete
            List<Harness.Out> users = h.all(Topics.USERS);
            assertThat(users).extracting(Harness.Out::key).containsOnly(USER);
            assertThat(users.getLast().value()).isNull();
            assertThat(users.getLast().timestamp()).isEqualTo(Harness.RECEIVED_AT.toEpochMilli());
            assertThat(h.all(Topics.DIRECTORIES).getLast().timestamp()).isEqualTo(Harness.RECEIVED_AT.toEpochMilli());
            assertThat(h.metrics.get(TopologyMetrics.Counter.APPLIED)).isEqualTo(10);
        }
    }

    @Test
    void theSamplesConvergeInReverseOrderToo() throws Exception {
        List<String> types = List.of("dsync.activated", "dsync.user.created", "dsync.group.created",
                "dsync.group.user_added", "dsync.user.updated", "dsync.group.updated", "dsync.group.user_removed",
                "dsync.user.deleted", "dsync.group.deleted");
        try (Harness h = new Harness(dir, InactiveUserPolicy.RETAIN)) {
            for (String type : types.reversed()) {
                h.pipe(sample(type));
            }
            assertThat(h.table(Topics.USERS)).isEmpty();
            assertThat(h.table(Topics.GROUPS)).isEmpty();
            assertThat(h.table(Topics.MEMBERSHIPS)).isEmpty();
            assertThat(h.all(Topics.USERS)).isEmpty();
            assertThat(h.table(Topics.DIRECTORIES)).containsOnlyKeys(DIR);
        }
    }
}
