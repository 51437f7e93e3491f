package dev.dsync.topology;

import static dev.dsync.topology.TestEvents.directory;
import static dev.dsync.topology.TestEvents.group;
import static dev.dsync.topology.TestEvents.membership;
import static dev.dsync.topology.TestEvents.user;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dsync.events.EventParser;
import dev.dsync.events.Topics;
import dev.dsync.topology.TopologyMetrics.Counter;
import dev.dsync.topology.state.EntityRecord;
import dev.dsync.topology.state.MembershipRecord;
import dev.dsync.topology.state.StateKeys;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every state rule of the topology, one event history at a time, through the real topology. */
class DirectoryRulesTest {

    static final String D = "directory_01A";
    static final String U1 = "directory_user_01";
    static final String U2 = "directory_user_02";
    static final String G1 = "directory_group_01";
    static final String G2 = "directory_group_02";

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

    static JsonNode json(String s) throws Exception {
        return EventParser.MAPPER.readTree(s);
    }

    static String mkey(String g, String u) {
        return "{\"group_id\":\"" + g + "\",\"user_id\":\"" + u + "\"}";
    }

    KeyValueStore<String, EntityRecord> users() {
        return h.driver.getKeyValueStore(DsyncTopology.USERS_STORE);
    }

    KeyValueStore<String, MembershipRecord> memberships() {
        return h.driver.getKeyValueStore(DsyncTopology.MEMBERSHIPS_STORE);
    }

    @Test
    void newerUserVersionWinsAndAStaleUpdateIsIgnored() throws Exception {
        h.pipe(user("dsync.user.created", "e1", 100, D, U1, "active", "Ann", 100));
        h.pipe(user("dsync.user.updated", "e3", 300, D, U1, "active", "Anna", 300));
        h.pipe(user("dsync.user.updated", "e2", 200, D, U1, "active", "Annie", 200));

        List<Harness.Out> out = h.take(Topics.USERS);
        assertThat(out).hasSize(2);
        assertThat(json(out.get(1).value()).get("first_name").asText()).isEqualTo("Anna");
        assertThat(json(out.get(1).value()).get("last_event_id").asText()).isEqualTo("e3");
        assertThat(h.metrics.get(Counter.STALE)).isEqualTo(1);
        assertThat(h.metrics.get(Counter.APPLIED)).isEqualTo(2);
    }

    @Test
    void updatedAtOutranksEventTimeWhichOutranksEventId() throws Exception {
        // e5 was created later, but carries an older updated_at: WorkOS's updated_at decides.
        h.pipe(user("dsync.user.updated", "e4", 400, D, U1, "active", "New", 350));
        h.pipe(user("dsync.user.updated", "e5", 500, D, U1, "active", "Old", 300));
        assertThat(h.table(Topics.USERS).get(U1)).contains("\"first_name\":\"New\"");
        // same updated_at: the later event wins
        h.pipe(user("dsync.user.updated", "e6", 600, D, U1, "active", "Later", 350));
        assertThat(h.table(Topics.USERS).get(U1)).contains("\"first_name\":\"Later\"");
        // same updated_at and created_at: the greater id wins
        h.pipe(user("dsync.user.updated", "e7", 600, D, U1, "active", "Greater", 350));
        h.pipe(user("dsync.user.updated", "e0", 600, D, U1, "active", "Smaller", 350));
        assertThat(h.table(Topics.USERS).get(U1)).contains("\"first_name\":\"Greater\"");
    }

    @Test
    void aDeletedUserIsATombstoneThatStaleEventsCannotRevive() {
        h.pipe(user("dsync.user.created", "e1", 100, D, U1, "active", "Ann", 100));
        h.pipe(user("dsync.user.deleted", "e3", 300, D, U1, "inactive", "Ann", 300));
        h.pipe(user("dsync.user.updated", "e2", 200, D, U1, "active", "Ann", 200));
        h.pipe(user("dsync.user.created", "e1b", 100, D, U1, "active", "Ann", 100));

        List<Harness.Out> out = h.take(Topics.USERS);
        assertThat(out).extracting(Harness.Out::value).hasSize(2).last().isNull();
        assertThat(out.get(1).key()).isEqualTo(U1);
        EntityRecord marker = users().get(StateKeys.entity(D, U1));
        assertThat(marker.deleted()).isTrue();
        assertThat(marker.version().eventId()).isEqualTo("e3");
        assertThat(h.metrics.get(Counter.STALE)).isEqualTo(2);
    }

    @Test
    void aDeleteArrivingFirstLeavesATombstoneMarkerAndEmitsNothing() {
        h.pipe(user("dsync.user.deleted", "e3", 300, D, U1, "inactive", "Ann", 300));
        h.pipe(user("dsync.user.created", "e1", 100, D, U1, "active", "Ann", 100));
        assertThat(h.all(Topics.USERS)).isEmpty();
        assertThat(users().get(StateKeys.entity(D, U1)).deleted()).isTrue();
    }

    @Test
    void groupsFollowTheSameVersionRules() {
        h.pipe(group("dsync.group.created", "e1", 100, D, G1, "Eng", 100));
        h.pipe(group("dsync.group.updated", "e3", 300, D, G1, "Engineering", 300));
        h.pipe(group("dsync.group.updated", "e2", 200, D, G1, "Stale", 200));
        assertThat(h.table(Topics.GROUPS).get(G1)).contains("\"name\":\"Engineering\"");
        h.pipe(group("dsync.group.deleted", "e4", 400, D, G1, "Engineering", 400));
        h.pipe(group("dsync.group.updated", "e2", 200, D, G1, "Stale", 200)); // duplicate
        h.pipe(group("dsync.group.created", "e1x", 100, D, G1, "Eng", 100));
        assertThat(h.take(Topics.GROUPS)).extracting(Harness.Out::value).hasSize(3).last().isNull();
        assertThat(h.metrics.get(Counter.DUPLICATE)).isEqualTo(1);
    }

    @Test
    void aMembershipMayArriveBeforeItsUserAndGroup() throws Exception {
        h.pipe(membership("dsync.group.user_added", "e1", 100, D, G1, U1));
        h.pipe(user("dsync.user.created", "e0", 50, D, U1, "active", "Ann", 50));
        h.pipe(group("dsync.group.created", "e0g", 60, D, G1, "Eng", 60));
        Map<String, String> m = h.table(Topics.MEMBERSHIPS);
        assertThat(m).containsOnlyKeys(mkey(G1, U1));
        JsonNode v = json(m.get(mkey(G1, U1)));
        assertThat(v.get("directory_id").asText()).isEqualTo(D);
        assertThat(v.get("organization_id").asText()).isEqualTo(TestEvents.ORG);
        assertThat(v.get("last_event_id").asText()).isEqualTo("e1");
        assertThat(h.table(Topics.USERS)).containsOnlyKeys(U1);
        assertThat(h.table(Topics.GROUPS)).containsOnlyKeys(G1);
    }

    @Test
    void membershipEventsDoNotTouchUserOrGroupRows() {
        h.pipe(user("dsync.user.created", "e0", 50, D, U1, "active", "Ann", 50));
        h.pipe(membership("dsync.group.user_added", "e1", 100, D, G1, U1));
        assertThat(h.all(Topics.USERS)).hasSize(1);
        assertThat(h.all(Topics.GROUPS)).isEmpty();
    }

    @Test
    void membershipsAreLastWriterWinsOnEventTime() {
        h.pipe(membership("dsync.group.user_added", "e1", 100, D, G1, U1));
        h.pipe(membership("dsync.group.user_removed", "e3", 300, D, G1, U1));
        h.pipe(membership("dsync.group.user_added", "e2", 200, D, G1, U1));
        List<Harness.Out> out = h.take(Topics.MEMBERSHIPS);
        assertThat(out).extracting(Harness.Out::value).hasSize(2).last().isNull();
        assertThat(memberships().get(StateKeys.membership(D, G1, U1)).present()).isFalse();
        h.pipe(membership("dsync.group.user_added", "e4", 400, D, G1, U1));
        assertThat(h.table(Topics.MEMBERSHIPS)).containsKey(mkey(G1, U1));
        assertThat(h.metrics.get(Counter.STALE)).isEqualTo(1);
    }

    @Test
    void removingAMembershipThatNeverExistedEmitsNothing() {
        h.pipe(membership("dsync.group.user_removed", "e3", 300, D, G1, U1));
        h.pipe(membership("dsync.group.user_added", "e2", 200, D, G1, U1));
        assertThat(h.all(Topics.MEMBERSHIPS)).isEmpty();
    }

    @Test
    void deletingAGroupRemovesItsMembershipsAndOlderMembershipEventsAreIgnored() {
        h.pipe(membership("dsync.group.user_added", "e1", 100, D, G1, U1));
        h.pipe(membership("dsync.group.user_added", "e2", 110, D, G1, U2));
        h.pipe(membership("dsync.group.user_added", "e3", 120, D, G2, U1));
        h.pipe(membership("dsync.group.user_removed", "e4", 130, D, G1, U2));
        h.take(Topics.MEMBERSHIPS);
        h.pipe(group("dsync.group.deleted", "e9", 900, D, G1, "Eng", 900));

        List<Harness.Out> out = h.take(Topics.MEMBERSHIPS);
        assertThat(out).extracting(Harness.Out::key, Harness.Out::value)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(mkey(G1, U1), null));
        // stamped with the input's receive time, never the event time (which the broker might refuse)
        assertThat(out).allMatch(o -> o.timestamp() == Harness.RECEIVED_AT.toEpochMilli());
        // no group.user_removed follows a group deletion in WorkOS; a late retry of an older add is stale
        h.pipe(membership("dsync.group.user_added", "e5", 500, D, G1, U2));
        assertThat(h.table(Topics.MEMBERSHIPS)).containsOnlyKeys(mkey(G2, U1));
        assertThat(memberships().get(StateKeys.membership(D, G1, U2))).isNull();
        assertThat(memberships().get(StateKeys.membership(D, G1, U1))).isNull();
    }

    @Test
    void deletingAUserRemovesItsMembershipsAndOlderMembershipEventsAreIgnored() {
        h.pipe(user("dsync.user.created", "e0", 50, D, U1, "active", "Ann", 50));
        h.pipe(membership("dsync.group.user_added", "e1", 100, D, G1, U1));
        h.pipe(membership("dsync.group.user_added", "e2", 110, D, G2, U1));
        h.pipe(membership("dsync.group.user_added", "e3", 120, D, G2, U2));
        h.take(Topics.MEMBERSHIPS);
        h.pipe(user("dsync.user.deleted", "e9", 900, D, U1, "inactive", "Ann", 900));
        assertThat(h.take(Topics.MEMBERSHIPS)).extracting(Harness.Out::key, Harness.Out::value)
                .containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple(mkey(G1, U1), null),
                        org.assertj.core.groups.Tuple.tuple(mkey(G2, U1), null));
        h.pipe(membership("dsync.group.user_removed", "e4", 400, D, G2, U1));
        h.pipe(membership("dsync.group.user_added", "e5", 500, D, G1, U1));
        assertThat(h.table(Topics.MEMBERSHIPS)).containsOnlyKeys(mkey(G2, U2));
        // the memberships store's by-user index follows its rows
        assertThat(h.indexedGroups(D, U1)).isEmpty();
        assertThat(h.indexedGroups(D, U2)).containsExactly(G2);
    }

    @Test
    void deletingTheDirectoryRemovesEverythingInItAndIgnoresOlderEvents() {
        String other = "directory_02B";
        h.pipe(directory("dsync.activated", "e0", 10, D, "active", "Acme", 10));
        h.pipe(user("dsync.user.created", "e1", 100, D, U1, "active", "Ann", 100));
        h.pipe(user("dsync.user.created", "e2", 110, D, U2, "active", "Bob", 110));
        h.pipe(user("dsync.user.deleted", "e2d", 115, D, U2, "inactive", "Bob", 115));
        h.pipe(group("dsync.group.created", "e3", 120, D, G1, "Eng", 120));
        h.pipe(membership("dsync.group.user_added", "e4", 130, D, G1, U1));
        h.pipe(membership("dsync.group.user_removed", "e4r", 131, D, G2, U1));
        h.pipe(user("dsync.user.created", "o1", 100, other, "directory_user_other", "active", "Oz", 100));
        for (String topic : List.of(Topics.DIRECTORIES, Topics.USERS, Topics.GROUPS, Topics.MEMBERSHIPS)) {
            h.take(topic);
        }

        h.pipe(directory("dsync.deleted", "e9", 900, D, "deleting", "Acme", 900));

        assertThat(h.take(Topics.DIRECTORIES)).extracting(Harness.Out::key, Harness.Out::value)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(D, null));
        assertThat(h.take(Topics.USERS)).extracting(Harness.Out::key, Harness.Out::value)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(U1, null));
        assertThat(h.take(Topics.GROUPS)).extracting(Harness.Out::value).containsExactly((String) null);
        assertThat(h.take(Topics.MEMBERSHIPS)).extracting(Harness.Out::key).containsExactly(mkey(G1, U1));
        assertThat(h.table(Topics.USERS)).containsOnlyKeys("directory_user_other");

        // only a directory tombstone (with its barrier) is left of the directory
        assertThat(users().get(StateKeys.entity(D, U1))).isNull();
        assertThat(users().get(StateKeys.entity(D, U2))).isNull();
        assertThat(memberships().get(StateKeys.membership(D, G2, U1))).isNull();
        KeyValueStore<String, EntityRecord> dirs = h.driver.getKeyValueStore(DsyncTopology.DIRECTORIES_STORE);
        assertThat(dirs.get(D).deleted()).isTrue();

        long staleBefore = h.metrics.get(Counter.STALE);
        h.pipe(user("dsync.user.updated", "e5", 500, D, U1, "active", "Ann", 500));
        h.pipe(group("dsync.group.updated", "e6", 600, D, G1, "Eng", 600));
        h.pipe(membership("dsync.group.user_added", "e7", 700, D, G1, U2));
        h.pipe(directory("dsync.activated", "e8", 800, D, "active", "Acme", 800));
        assertThat(h.metrics.get(Counter.STALE) - staleBefore).isEqualTo(4);
        for (String topic : List.of(Topics.DIRECTORIES, Topics.USERS, Topics.GROUPS, Topics.MEMBERSHIPS)) {
            assertThat(h.take(topic)).as(topic).isEmpty();
        }
    }

    @Test
    void eventsOfADirectoryNeverSeenActivatedAreProcessed() {
        h.pipe(user("dsync.user.created", "e1", 100, D, U1, "active", "Ann", 100));
        h.pipe(group("dsync.group.created", "e2", 110, D, G1, "Eng", 110));
        assertThat(h.table(Topics.USERS)).containsOnlyKeys(U1);
        assertThat(h.table(Topics.GROUPS)).containsOnlyKeys(G1);
        assertThat(h.all(Topics.DIRECTORIES)).isEmpty();
        // and a deletion of such a directory still removes them
        h.pipe(directory("dsync.deleted", "e9", 900, D, "deleting", "Acme", 900));
        assertThat(h.table(Topics.USERS)).isEmpty();
        assertThat(h.all(Topics.DIRECTORIES)).isEmpty();
    }

    @Test
    void activatedCreatesAndUpdatesTheDirectoryAndDeactivatedMarksItInactive() throws Exception {
        h.pipe(directory("dsync.activated", "e1", 100, D, "validating", "Acme", 100));
        h.pipe(directory("dsync.activated", "e2", 200, D, "active", "Acme Corp", 200));
        h.pipe(directory("dsync.deactivated", "e3", 300, D, "active", "Acme Corp", 300));
        h.pipe(directory("dsync.activated", "e1b", 150, D, "active", "Stale", 150));
        List<Harness.Out> out = h.take(Topics.DIRECTORIES);
        assertThat(out).hasSize(3);
        JsonNode last = json(out.get(2).value());
        assertThat(last.get("state").asText()).isEqualTo("inactive");
        assertThat(last.get("name").asText()).isEqualTo("Acme Corp");
        assertThat(last.get("domains").toString()).isEqualTo("[\"example.com\"]");
        h.pipe(directory("dsync.activated", "e4", 400, D, "active", "Acme Corp", 400));
        assertThat(json(h.table(Topics.DIRECTORIES).get(D)).get("state").asText()).isEqualTo("active");
    }

    @Test
    void inactiveUsersAreRetainedByDefault() throws Exception {
        h.pipe(user("dsync.user.created", "e1", 100, D, U1, "active", "Ann", 100));
        h.pipe(membership("dsync.group.user_added", "e2", 200, D, G1, U1));
        h.pipe(user("dsync.user.updated", "e3", 300, D, U1, "inactive", "Ann", 300));
        assertThat(json(h.table(Topics.USERS).get(U1)).get("state").asText()).isEqualTo("inactive");
        assertThat(h.table(Topics.MEMBERSHIPS)).containsKey(mkey(G1, U1));
        // a legacy "suspended" is inactive too
        h.pipe(user("dsync.user.updated", "e4", 400, D, U2, "suspended", "Bob", 400));
        assertThat(json(h.table(Topics.USERS).get(U2)).get("state").asText()).isEqualTo("inactive");
    }

    @Test
    void inactiveUsersAreDeletedWithTheDeletePolicy(@TempDir Path other) {
        h.close();
        h = new Harness(other, InactiveUserPolicy.DELETE);
        h.pipe(user("dsync.user.created", "e1", 100, D, U1, "active", "Ann", 100));
        h.pipe(membership("dsync.group.user_added", "e2", 200, D, G1, U1));
        h.pipe(user("dsync.user.updated", "e3", 300, D, U1, "inactive", "Ann", 300));
        assertThat(h.take(Topics.USERS)).extracting(Harness.Out::value).hasSize(2).last().isNull();
        assertThat(h.take(Topics.MEMBERSHIPS)).extracting(Harness.Out::value).hasSize(2).last().isNull();
        // the deletion WorkOS may send afterwards changes nothing visible
        h.pipe(user("dsync.user.deleted", "e4", 400, D, U1, "inactive", "Ann", 400));
        h.pipe(membership("dsync.group.user_added", "e2b", 250, D, G1, U1));
        assertThat(h.take(Topics.USERS)).isEmpty();
        assertThat(h.take(Topics.MEMBERSHIPS)).isEmpty();
        // a user created inactive is not created at all
        h.pipe(user("dsync.user.created", "e5", 500, D, U2, "inactive", "Bob", 500));
        assertThat(h.table(Topics.USERS)).isEmpty();
        assertThat(users().get(StateKeys.entity(D, U2)).deleted()).isTrue();
    }

    @Test
    void duplicatesAreCountedAndNeverEmittedTwice() {
        String created = user("dsync.user.created", "e1", 100, D, U1, "active", "Ann", 100);
        String added = membership("dsync.group.user_added", "e2", 200, D, G1, U1);
        String deleted = user("dsync.user.deleted", "e3", 300, D, U1, "inactive", "Ann", 300);
        for (String e : List.of(created, created, added, deleted, added, created, deleted)) {
            h.pipe(e);
        }
        assertThat(h.all(Topics.USERS)).hasSize(2);
        assertThat(h.all(Topics.MEMBERSHIPS)).hasSize(2);
        assertThat(h.metrics.get(Counter.DUPLICATE)).isEqualTo(4);
        assertThat(h.metrics.get(Counter.APPLIED)).isEqualTo(3);
    }

    @Test
    void unknownEventTypesAreCountedAndSkipped() {
        h.pipe(TestEvents.envelope("t1", "dsync.token.created", TestEvents.at(1),
                (com.fasterxml.jackson.databind.node.ObjectNode) EventParser.MAPPER.createObjectNode()
                        .put("object", "directory_token").put("directory_id", D)));
        h.pipe(D, TestEvents.envelope("t2", "user.created", TestEvents.at(2),
                EventParser.MAPPER.createObjectNode().put("id", "user_1")).getBytes());
        h.pipe(D, TestEvents.envelope("t3", "dsync.user.teleported", TestEvents.at(3),
                TestEvents.userData(D, U1, "active", "Ann", TestEvents.at(3))).getBytes());
        h.pipe(user("dsync.user.created", "e1", 100, D, U1, "active", "Ann", 100));
        assertThat(h.metrics.get(Counter.UNKNOWN_TYPE)).isEqualTo(3);
        assertThat(h.all(Topics.DEAD_LETTERS)).isEmpty();
        assertThat(h.table(Topics.USERS)).containsOnlyKeys(U1);
    }

    @Test
    void unknownFieldsAreTolerated() throws Exception {
        var data = TestEvents.userData(D, U1, "active", "Ann", TestEvents.at(100));
        data.put("brand_new_field", 42).putObject("metadata").put("x", 1);
        String body = TestEvents.envelope("e1", "dsync.user.created", TestEvents.at(100), data)
                .replaceFirst("\\{", "{\"surprise\":[1,2],");
        h.pipe(body);
        JsonNode v = json(h.table(Topics.USERS).get(U1));
        assertThat(v.has("brand_new_field")).isFalse();
        assertThat(v.get("first_name").asText()).isEqualTo("Ann");
    }

    @Test
    void unusableRecordsGoToTheDeadLetterTopicAndProcessingGoesOn() {
        byte[] garbage = {'{', 'n', 'o', 0x01};
        h.pipe(D, garbage);
        h.pipe(D, "[1,2,3]".getBytes());
        h.pipe(D, "{\"event\":\"dsync.user.created\",\"data\":{}}".getBytes());
        h.pipe(D, TestEvents.envelope("x1", "dsync.user.created", TestEvents.at(1),
                EventParser.MAPPER.createObjectNode().put("directory_id", D)).getBytes());
        h.pipe("directory_somewhere_else", user("dsync.user.created", "x2", 100, D, U2, "active", "Eve", 100)
                .getBytes());
        h.pipe(null, user("dsync.user.created", "x3", 100, D, U2, "active", "Eve", 100).getBytes());
        h.pipe(D, null);
        h.pipe(user("dsync.user.created", "e1", 100, D, U1, "active", "Ann", 100));

        List<Harness.Out> dlq = h.all(Topics.DEAD_LETTERS);
        assertThat(dlq).extracting(o -> new String(o.headers().lastHeader("dsync.dlq.reason").value()))
                .containsExactly("malformed_json", "not_an_object", "missing_id", "missing_user_id", "key_mismatch",
                        "missing_key", "empty_value");
        Harness.Out first = dlq.get(0);
        assertThat(first.key()).isEqualTo(D);
        assertThat(first.value()).isEqualTo(new String(garbage));
        assertThat(new String(first.headers().lastHeader("dsync.dlq.source.topic").value()))
                .isEqualTo(Topics.EVENTS);
        assertThat(new String(first.headers().lastHeader("dsync.dlq.source.partition").value())).isEqualTo("0");
        assertThat(new String(dlq.get(1).headers().lastHeader("dsync.dlq.source.offset").value())).isEqualTo("1");
        assertThat(h.metrics.get(Counter.DEAD_LETTERED)).isEqualTo(7);
        assertThat(h.table(Topics.USERS)).containsOnlyKeys(U1);
    }

    @Test
    void createdAtIsParsedLenientlyAndTheRecordTimestampIsTheInputs() throws Exception {
        var data = TestEvents.userData(D, U1, "active", "Ann", "2023-04-28 20:05:31.093");
        h.pipe(TestEvents.envelope("e1", "dsync.user.created", "2023-04-28 20:05:31.093", data));
        var data2 = TestEvents.userData(D, U2, "active", "Bob", "2021-10-27 15:21:50.640959");
        h.pipe(TestEvents.envelope("e2", "dsync.user.created", "2021-10-27T15:21:50.640959", data2));
        List<Harness.Out> out = h.all(Topics.USERS);
        JsonNode a = json(out.get(0).value());
        assertThat(a.get("last_event_at").asText()).isEqualTo("2023-04-28T20:05:31.093Z");
        assertThat(a.get("updated_at").asText()).isEqualTo("2023-04-28T20:05:31.093Z");
        assertThat(a.get("created_at").asText()).isEqualTo(TestEvents.at(0));
        assertThat(out.get(0).timestamp()).isEqualTo(Harness.RECEIVED_AT.toEpochMilli());
        assertThat(json(out.get(1).value()).get("last_event_at").asText())
                .isEqualTo("2021-10-27T15:21:50.640959Z");
    }

    @Test
    void anEventWithoutAReadableCreatedAtIsDeadLetteredNotGuessed() throws Exception {
        h.pipe(TestEvents.envelope("e1", "dsync.user.created", null,
                TestEvents.userData(D, U1, "active", "Ann", "2026-05-18T14:00:00Z")));
        h.pipe(TestEvents.envelope("e2", "dsync.user.created", "yesterday",
                TestEvents.userData(D, U2, "active", "Bob", "2026-05-18T14:00:00Z")));
        assertThat(h.table(Topics.USERS)).isEmpty();
        assertThat(h.all(Topics.DEAD_LETTERS)).extracting(o -> new String(
                o.headers().lastHeader("dsync.dlq.reason").value())).containsExactly("missing_created_at",
                "invalid_created_at");
        assertThat(h.metrics.deadLettersByReason()).containsEntry("missing_created_at", 1L)
                .containsEntry("invalid_created_at", 1L);
    }

    @Test
    void anUnreadableCreatedAtNeverOutranksAReadableOne() {
        // item 3 of issue 13: the arrival time used to stand in, so an older add beat a newer removal
        h.pipe(membership("dsync.group.user_removed", "e2", 200, D, G1, U1));
        h.pipe(TestEvents.envelope("e1", "dsync.group.user_added", "not a time",
                TestEvents.membershipData(D, G1, U1)));
        assertThat(h.table(Topics.MEMBERSHIPS)).isEmpty();
        assertThat(memberships().get(StateKeys.membership(D, G1, U1)).present()).isFalse();
    }

    @Test
    void recordTimestampsAreNeverInTheFuture() {
        // one event dated days ahead must not make the broker refuse the topology's writes
        h.pipe(D, user("dsync.user.created", "e1", 100, D, U1, "active", "Ann", 100).getBytes(
                java.nio.charset.StandardCharsets.UTF_8), TestEvents.BASE.plus(java.time.Duration.ofDays(2)));
        assertThat(h.all(Topics.USERS)).singleElement()
                .satisfies(o -> assertThat(o.timestamp()).isEqualTo(TestEvents.BASE.toEpochMilli()));
    }

    @Test
    void onlyRealChangesAreEmitted() {
        h.pipe(user("dsync.user.created", "e1", 100, D, U1, "active", "Ann", 100));
        h.pipe(user("dsync.user.deleted", "e2", 200, D, U1, "inactive", "Ann", 200));
        h.pipe(user("dsync.user.deleted", "e3", 300, D, U1, "inactive", "Ann", 300));
        h.pipe(group("dsync.group.deleted", "e4", 300, D, G1, "Eng", 300));
        h.pipe(membership("dsync.group.user_removed", "e5", 400, D, G2, U2));
        assertThat(h.all(Topics.USERS)).extracting(Harness.Out::value).hasSize(2).last().isNull();
        assertThat(h.all(Topics.GROUPS)).isEmpty();
        assertThat(h.all(Topics.MEMBERSHIPS)).isEmpty();
        assertThat(h.metrics.get(Counter.APPLIED)).isEqualTo(5);
        assertThat(h.metrics.get(Counter.EMITTED)).isEqualTo(2);
    }

    @Test
    void aCopyOfTheEventTheStoresShowIsADuplicateHoweverLateItComes() {
        String created = user("dsync.user.created", "e1", 100, D, U1, "active", "Ann", 100);
        h.pipe(created);
        h.advanceWallClock(java.time.Duration.ofDays(30));
        h.pipe(created);
        assertThat(h.metrics.get(Counter.DUPLICATE)).isEqualTo(1);
        assertThat(h.metrics.get(Counter.STALE)).isZero();
        assertThat(h.all(Topics.USERS)).hasSize(1);
    }

    @Test
    void aReplacedEventIsRememberedForTheRetention() {
        String created = user("dsync.user.created", "e1", 100, D, U1, "active", "Ann", 100);
        String renamed = user("dsync.user.updated", "e2", 200, D, U1, "active", "Anne", 200);
        h.pipe(created);
        h.pipe(renamed);
        h.advanceWallClock(java.time.Duration.ofDays(3));
        h.pipe(created);
        assertThat(h.metrics.get(Counter.DUPLICATE)).isEqualTo(1);
        h.advanceWallClock(java.time.Duration.ofDays(2));
        h.pipe(created);
        // no longer recognised as a duplicate, but still stale: nothing is emitted either way
        assertThat(h.metrics.get(Counter.DUPLICATE)).isEqualTo(1);
        assertThat(h.metrics.get(Counter.STALE)).isEqualTo(1);
        // the event the stores show is always recognised
        h.pipe(renamed);
        assertThat(h.metrics.get(Counter.DUPLICATE)).isEqualTo(2);
        assertThat(h.all(Topics.USERS)).hasSize(2);
    }

    @Test
    void aStaleEventsSecondCopyIsADuplicate() {
        h.pipe(group("dsync.group.updated", "e2", 200, D, G1, "New", 200));
        h.pipe(group("dsync.group.created", "e1", 100, D, G1, "Old", 100));
        h.pipe(group("dsync.group.created", "e1", 100, D, G1, "Old", 100));
        assertThat(h.metrics.get(Counter.STALE)).isEqualTo(1);
        assertThat(h.metrics.get(Counter.DUPLICATE)).isEqualTo(1);
    }

    /**
     * A copy of an event the stores no longer show does not meet the rules again. Here an update whose
     * {@code updated_at} outranks a later deletion (against WorkOS's promise) leaves the user live with a barrier,
     * which a directory deletion then removes with the row: the rules alone would let the membership's copy back in.
     */
    @Test
    void aCopyOfAnEventCascadedAwayNeverMeetsTheRulesAgain() {
        String added = membership("dsync.group.user_added", "e2", 250, D, G1, U1);
        h.pipe(user("dsync.user.updated", "e1", 100, D, U1, "active", "Ann", 900));
        h.pipe(group("dsync.group.created", "e0", 50, D, G1, "Eng", 50));
        h.pipe(added);
        h.pipe(user("dsync.user.deleted", "e3", 300, D, U1, "inactive", "Ann", 300));
        h.pipe(directory("dsync.deleted", "e4", 200, D, "deleting", "Acme", 200));
        h.take(Topics.MEMBERSHIPS);
        h.take(Topics.PROVISIONING);
        h.pipe(added);
        assertThat(h.take(Topics.MEMBERSHIPS)).isEmpty();
        assertThat(h.take(Topics.PROVISIONING)).isEmpty();
        assertThat(h.metrics.get(Counter.DUPLICATE)).isEqualTo(1);
    }

    @Test
    void copiesOfEventsACascadeRemovedAreDuplicates() {
        String added = membership("dsync.group.user_added", "e2", 200, D, G1, U1);
        String directoryGone = directory("dsync.deleted", "e9", 900, D, "inactive", "Acme", 900);
        h.pipe(directory("dsync.activated", "e0", 50, D, "active", "Acme", 50));
        h.pipe(group("dsync.group.created", "e1", 100, D, G1, "Eng", 100));
        h.pipe(added);
        h.pipe(directoryGone);
        h.pipe(added);
        h.pipe(group("dsync.group.created", "e1", 100, D, G1, "Eng", 100));
        h.pipe(directoryGone);
        assertThat(h.metrics.get(Counter.DUPLICATE)).isEqualTo(3);
        assertThat(h.metrics.get(Counter.STALE)).isZero();
    }

    @Test
    void aDirectoryDeletionWinsInEveryOrderOverAnActivationWithoutUpdatedAt(@TempDir Path other) {
        // issue 13, item 4: activated (no data.updated_at) at T, a user at T-15 s, deleted at T+117 ms whose
        // data.updated_at is T-100 ms. Both orders must end with the directory gone.
        long t = 100_000;
        var activatedData = TestEvents.directoryData(D, "active", "Acme", TestEvents.at(0));
        activatedData.remove("updated_at");
        String activated = TestEvents.envelope("e_act", "dsync.activated", TestEvents.at(t), activatedData);
        String userCreated = user("dsync.user.created", "e_user", t - 15_000, D, U1, "active", "Ann", t - 15_000);
        String deleted = TestEvents.envelope("e_del", "dsync.deleted", TestEvents.at(t + 117),
                TestEvents.directoryData(D, "deleting", "Acme", TestEvents.at(t - 100)));

        h.pipe(activated).pipe(userCreated).pipe(deleted);
        try (Harness reversed = new Harness(other, InactiveUserPolicy.RETAIN)) {
            reversed.pipe(deleted).pipe(activated).pipe(userCreated);
            for (Harness x : List.of(h, reversed)) {
                assertThat(x.table(Topics.DIRECTORIES)).isEmpty();
                assertThat(x.table(Topics.USERS)).isEmpty();
                KeyValueStore<String, EntityRecord> dirs = x.driver.getKeyValueStore(DsyncTopology.DIRECTORIES_STORE);
                assertThat(dirs.get(D).deleted()).isTrue();
            }
            KeyValueStore<String, EntityRecord> a = h.driver.getKeyValueStore(DsyncTopology.DIRECTORIES_STORE);
            KeyValueStore<String, EntityRecord> b = reversed.driver.getKeyValueStore(DsyncTopology.DIRECTORIES_STORE);
            assertThat(a.get(D).withBarrier(a.get(D).barrier(), 0))
                    .isEqualTo(b.get(D).withBarrier(b.get(D).barrier(), 0));
        }
    }

    @Test
    void numbersKeepTheirTextSoValuesNeverGrowPastTheirInput() throws Exception {
        var data = TestEvents.userData(D, U1, "active", "Ann", TestEvents.at(0));
        var custom = data.putObject("custom_attributes");
        custom.put("headcount", new java.math.BigDecimal("1e6"));
        custom.put("huge", new java.math.BigDecimal("1e400"));
        custom.put("cost", new java.math.BigDecimal("100.0"));
        custom.put("count", 42);
        h.pipe(TestEvents.envelope("e1", "dsync.user.created", TestEvents.at(1), data));
        String value = h.table(Topics.USERS).get(U1);
        assertThat(value).contains("\"headcount\":1E+6").contains("\"huge\":1E+400").contains("\"cost\":100.0")
                .contains("\"count\":42").doesNotContain("Infinity");
        assertThat(json(value).get("custom_attributes").get("huge").isNumber()).isTrue();
    }
}
