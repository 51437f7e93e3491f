package dev.dsync.workos.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dsync.events.EventParser;
import dev.dsync.events.EventTimes;
import dev.dsync.workos.WorkosApiMetrics;
import dev.dsync.workos.WorkosClient;
import dev.dsync.workos.fake.FakeWorkosApi;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * One directory compared and repaired against a fake WorkOS over real HTTP, with the mirror given by hand: what
 * counts as drift, which repair events are written, and the versions they carry.
 */
class DirectoryReconciliationTest {

    static final String KEY = "sk_test_reconcile_unit";
    static final String DIR = "directory_unit";
    static final String ORG = "org_unit";
    static final Instant T0 = Instant.parse("2026-11-01T10:00:00Z");

    FakeWorkosApi workos;
    DirectorySyncApi api;
    List<ProducerRecord<String, byte[]>> written = new ArrayList<>();

    @BeforeEach
    void start() {
        workos = FakeWorkosApi.start(KEY);
        api = new DirectorySyncApi(new WorkosClient(WorkosClient.Settings.fromEnv(Map.of("WORKOS_API_KEY", KEY,
                "WORKOS_API_URL", workos.url().toString(), "DSYNC_WORKOS_MAX_RPS", "1000")), new WorkosApiMetrics()));
        workos.directoryUsersRateLimit(1000);
        workos.publish("dsync.activated", directory(T0), T0);
        for (int g = 0; g < 2; g++) {
            workos.publish("dsync.group.created", group("group_" + g, T0), T0);
        }
        for (int u = 0; u < 5; u++) {
            workos.publish("dsync.user.created", user("user_" + u, T0, "Zed"), T0);
            workos.publish("dsync.group.user_added", membership("group_" + (u % 2), "user_" + u), T0);
        }
    }

    @AfterEach
    void stop() {
        workos.close();
    }

    @Test
    void anEmptyMirrorMissesEverythingAndGetsOneUpsertEventPerRow() throws Exception {
        Instant before = Instant.now();
        Drift drift = reconcile(new MirrorSnapshot.Directory(), "rec_one");

        assertThat(drift.count(Drift.Kind.DIRECTORIES, Drift.Direction.MISSING)).isEqualTo(1);
        assertThat(drift.count(Drift.Kind.GROUPS, Drift.Direction.MISSING)).isEqualTo(2);
        assertThat(drift.count(Drift.Kind.USERS, Drift.Direction.MISSING)).isEqualTo(5);
        assertThat(drift.count(Drift.Kind.MEMBERSHIPS, Drift.Direction.MISSING)).isEqualTo(5);
        assertThat(drift.total()).isEqualTo(13);
        assertThat(types()).containsEntry("dsync.activated", 1).containsEntry("dsync.group.created", 2)
                .containsEntry("dsync.user.created", 5).containsEntry("dsync.group.user_added", 5).hasSize(4);
        for (ProducerRecord<String, byte[]> r : written) {
            assertThat(r.key()).isEqualTo(DIR);
            assertThat(header(r, "dsync-source")).isEqualTo("reconciliation");
            JsonNode event = EventParser.MAPPER.readTree(r.value());
            assertThat(event.get("id").asText()).startsWith("event_rec_").isEqualTo(header(r, "workos-event-id"));
            assertThat(event.get("event").asText()).isEqualTo(header(r, "workos-event-type"));
            // the request time: after the run began, never WorkOS's own (old) timestamps
            assertThat(EventTimes.parse(event.get("created_at").asText()).orElseThrow()).isAfterOrEqualTo(
                    before.minusMillis(1));
            assertThat(event.path("data").has("groups")).isFalse();
        }
        JsonNode activated = event("dsync.activated");
        assertThat(activated.path("data").path("state").asText()).as("REST 'linked' is the events' 'active'")
                .isEqualTo("active");
        assertThat(activated.path("data").path("domains").get(0).path("domain").asText()).isEqualTo("unit.example");

        // the same run writes the same ids again: a resumed run dedupes against itself
        List<String> ids = written.stream().map(r -> header(r, "workos-event-id")).toList();
        written.clear();
        reconcile(new MirrorSnapshot.Directory(), "rec_one");
        assertThat(written.stream().map(r -> header(r, "workos-event-id")).toList())
                .containsExactlyInAnyOrderElementsOf(ids);
    }

    @Test
    void aMirrorInStepHasNoDriftAndAMirrorAheadOfThePageIsNotDrift() throws Exception {
        MirrorSnapshot.Directory mirror = inStep();
        assertThat(reconcile(mirror, "rec_step").total()).isZero();
        assertThat(written).isEmpty();

        // WorkOS changed user_1 and told nobody: different, and repaired with WorkOS's version
        Instant t1 = T0.plusSeconds(60);
        workos.applySilently("dsync.user.updated", user("user_1", T0, "Changed").replace(
                "\"updated_at\":\"" + T0 + "\"", "\"updated_at\":\"" + t1 + "\""));
        Drift drift = reconcile(mirror, "rec_changed");
        assertThat(drift.count(Drift.Kind.USERS, Drift.Direction.DIFFERENT)).isEqualTo(1);
        assertThat(event("dsync.user.updated").path("data").path("last_name").asText()).isEqualTo("Changed");

        // the mirror already holds a newer version (an event applied after the page was read): not drift
        JsonNode newer = EventParser.MAPPER.readTree(user("user_1", T0, "Newest"));
        mirror.users.put("user_1", new MirrorSnapshot.Row(DIR, Canonical.user(newer), t1.plusSeconds(1),
                t1.plusSeconds(1), null));
        written.clear();
        assertThat(reconcile(mirror, "rec_ahead").total()).isZero();
        assertThat(written).isEmpty();
    }

    @Test
    void whatTheMirrorHoldsAndWorkosDoesNotIsDeletedOnlyIfItPredatesTheListing() throws Exception {
        MirrorSnapshot.Directory mirror = inStep();
        Instant old = T0.minusSeconds(5);
        Instant future = Instant.now().plus(Duration.ofHours(1));
        mirror.users.put("user_gone", new MirrorSnapshot.Row(DIR, 1, old, old, null));
        mirror.users.put("user_created_during_listing", new MirrorSnapshot.Row(DIR, 2, future, future, null));
        mirror.groups.put("group_gone", new MirrorSnapshot.Row(DIR, 3, old, old, null));
        mirror.memberships.put("group_0/user_gone", new MirrorSnapshot.Row(DIR, 0, null, old, null));

        Instant before = Instant.now();
        Drift drift = reconcile(mirror, "rec_extra");
        assertThat(drift.count(Drift.Kind.USERS, Drift.Direction.EXTRA)).isEqualTo(1);
        assertThat(drift.count(Drift.Kind.GROUPS, Drift.Direction.EXTRA)).isEqualTo(1);
        assertThat(drift.count(Drift.Kind.MEMBERSHIPS, Drift.Direction.EXTRA)).isEqualTo(1);
        assertThat(types()).containsOnlyKeys("dsync.user.deleted", "dsync.group.deleted", "dsync.group.user_removed");
        JsonNode deleted = event("dsync.user.deleted");
        assertThat(deleted.path("data").path("id").asText()).isEqualTo("user_gone");
        // versioned by the listing's start, so whatever changed since wins over it in the topology
        Instant at = EventTimes.parse(deleted.get("created_at").asText()).orElseThrow();
        assertThat(at).isAfterOrEqualTo(before.minusMillis(1)).isBeforeOrEqualTo(Instant.now());
        assertThat(deleted.path("data").has("updated_at")).isFalse();
    }

    @Test
    void underTheDeletePolicyAnInactiveUserAndItsMembershipsAreNotExpected() throws Exception {
        workos.applySilently("dsync.user.updated", user("user_4", T0, "Zed").replace("\"active\"", "\"inactive\""));
        DirectoryReconciliation r = new DirectoryReconciliation(api, new RepairEvents("in", "rec_inactive"),
                written::add, () -> { }, true);
        r.reconcile(api.directory(DIR).orElseThrow(), Instant.now(), new MirrorSnapshot.Directory());
        assertThat(r.drift().count(Drift.Kind.USERS, Drift.Direction.MISSING)).isEqualTo(4);
        assertThat(r.drift().count(Drift.Kind.MEMBERSHIPS, Drift.Direction.MISSING)).isEqualTo(4);

        // and one the mirror still holds is extra: the topology would have deleted it
        MirrorSnapshot.Directory mirror = inStep();
        written.clear();
        DirectoryReconciliation again = new DirectoryReconciliation(api, new RepairEvents("in", "rec_inactive2"),
                written::add, () -> { }, true);
        again.reconcile(api.directory(DIR).orElseThrow(), Instant.now(), mirror);
        assertThat(again.drift().count(Drift.Kind.USERS, Drift.Direction.EXTRA)).isEqualTo(1);
        assertThat(again.drift().count(Drift.Kind.USERS, Drift.Direction.DIFFERENT)).isZero();
    }

    @Test
    void withoutGroupsOnUsersMembershipsComeFromEachGroup() throws Exception {
        workos.groupsFieldOnUsers(false);
        Drift drift = reconcile(new MirrorSnapshot.Directory(), "rec_fallback");
        assertThat(drift.count(Drift.Kind.MEMBERSHIPS, Drift.Direction.MISSING)).isEqualTo(5);
        assertThat(workos.requests()).anyMatch(r -> r.path().equals("/directory_users") && r.query().containsKey("group"));
        JsonNode added = event("dsync.group.user_added");
        assertThat(added.path("data").path("group").path("organization_id").asText()).isEqualTo(ORG);
    }

    @Test
    void aDirectoryWorkosNoLongerListsIsDeletedWithOneEventWhenItsRowsAreOld() {
        MirrorSnapshot.Directory mirror = new MirrorSnapshot.Directory();
        Instant old = T0.minusSeconds(5);
        JsonNode row = EventParser.MAPPER.createObjectNode().put("id", "directory_gone").put("organization_id", ORG);
        mirror.directory = new MirrorSnapshot.Row("directory_gone", 1, old, old, row);
        mirror.users.put("u", new MirrorSnapshot.Row("directory_gone", 1, old, old, null));
        DirectoryReconciliation r = new DirectoryReconciliation(api, new RepairEvents("in", "rec_gone"), written::add,
                () -> { }, false);
        r.remove("directory_gone", mirror, Instant.now());
        assertThat(r.drift().count(Drift.Kind.DIRECTORIES, Drift.Direction.EXTRA)).isEqualTo(1);
        assertThat(r.drift().count(Drift.Kind.USERS, Drift.Direction.EXTRA)).isEqualTo(1);
        assertThat(types()).containsExactly(Map.entry("dsync.deleted", 1));

        // a directory whose row is newer than the listing (activated meanwhile) is left alone
        written.clear();
        Instant future = Instant.now().plusSeconds(3600);
        mirror.directory = new MirrorSnapshot.Row("directory_gone", 1, future, future, row);
        DirectoryReconciliation again = new DirectoryReconciliation(api, new RepairEvents("in", "rec_gone2"),
                written::add, () -> { }, false);
        again.remove("directory_gone", mirror, Instant.now());
        assertThat(again.drift().total()).isZero();
        assertThat(written).isEmpty();
    }

    private Drift reconcile(MirrorSnapshot.Directory mirror, String runId) throws Exception {
        DirectoryReconciliation r = new DirectoryReconciliation(api, new RepairEvents("in", runId), written::add,
                () -> { }, false);
        r.reconcile(api.directory(DIR).orElseThrow(), Instant.now(), mirror);
        assertThat(r.repaired()).isEqualTo(written.size());
        assertThat(r.organizationId()).isEqualTo(ORG);
        return r.drift();
    }

    /** The mirror as it is after applying the world, fingerprinted from WorkOS's own objects. */
    private MirrorSnapshot.Directory inStep() throws Exception {
        MirrorSnapshot.Directory m = new MirrorSnapshot.Directory();
        JsonNode d = api.directory(DIR).orElseThrow();
        m.directory = new MirrorSnapshot.Row(DIR, Canonical.directory(d), T0, T0, d);
        api.groups(DIR, p -> p.data().forEach(g -> m.groups.put(g.get("id").asText(),
                new MirrorSnapshot.Row(DIR, Canonical.group(g), T0, T0, null))));
        api.users(DIR, p -> p.data().forEach(u -> {
            m.users.put(u.get("id").asText(), new MirrorSnapshot.Row(DIR, Canonical.user(u), T0, T0, null));
            u.get("groups").forEach(g -> m.memberships.put(MirrorSnapshot.membershipId(g.get("id").asText(),
                    u.get("id").asText()), new MirrorSnapshot.Row(DIR, 0, null, T0, null)));
        }));
        written.clear();
        return m;
    }

    private Map<String, Integer> types() {
        Map<String, Integer> types = new TreeMap<>();
        written.forEach(r -> types.merge(header(r, "workos-event-type"), 1, Integer::sum));
        return types;
    }

    private JsonNode event(String type) throws Exception {
        for (ProducerRecord<String, byte[]> r : written) {
            if (type.equals(header(r, "workos-event-type"))) {
                return EventParser.MAPPER.readTree(r.value());
            }
        }
        throw new AssertionError("no " + type + " written");
    }

    private static String header(ProducerRecord<String, byte[]> r, String name) {
        var h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    static String directory(Instant at) {
        return """
                {"object":"directory","id":"%s","organization_id":"%s","type":"okta scim v2.0","state":"active",
                 "name":"Unit Corp","external_key":"ext","domains":[{"object":"organization_domain","id":"d1",
                 "domain":"unit.example"}],"created_at":"%s","updated_at":"%s"}""".formatted(DIR, ORG, at, at);
    }

    static String user(String id, Instant at, String lastName) {
        return """
                {"object":"directory_user","id":"%s","directory_id":"%s","organization_id":"%s","idp_id":"idp_%s",
                 "email":"%s@example.com","first_name":"Zoë","last_name":"%s","name":"Zoë %s","state":"active",
                 "raw_attributes":{},"custom_attributes":{"department_name":"R&D","cost":1.50},
                 "role":{"slug":"member"},"roles":[{"slug":"member"}],"created_at":"%s","updated_at":"%s"}"""
                .formatted(id, DIR, ORG, id, id, lastName, lastName, at, at);
    }

    static String group(String id, Instant at) {
        return """
                {"object":"directory_group","id":"%s","idp_id":"g_%s","directory_id":"%s","organization_id":"%s",
                 "name":"Group %s","raw_attributes":{},"created_at":"%s","updated_at":"%s"}"""
                .formatted(id, id, DIR, ORG, id, at, at);
    }

    static String membership(String groupId, String userId) {
        return "{\"directory_id\":\"" + DIR + "\",\"user\":" + user(userId, T0, "Zed") + ",\"group\":"
                + group(groupId, T0) + "}";
    }
}
