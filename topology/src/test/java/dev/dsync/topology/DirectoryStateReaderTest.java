package dev.dsync.topology;

import static dev.dsync.topology.TestEvents.at;
import static dev.dsync.topology.TestEvents.directory;
import static dev.dsync.topology.TestEvents.envelope;
import static dev.dsync.topology.TestEvents.group;
import static dev.dsync.topology.TestEvents.membership;
import static dev.dsync.topology.TestEvents.user;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dsync.events.EventParser;

import dev.dsync.topology.state.DirectoryStateReader;
import dev.dsync.topology.state.DirectoryStateReader.Page;
import dev.dsync.topology.state.DirectoryStateReader.Row;
import dev.dsync.topology.state.EntityRecord;
import dev.dsync.topology.state.StateKeys;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The read-only facade over the stores, as the query layer will use it. */
class DirectoryStateReaderTest {

    static final String D = "directory_01A";
    static final String D_PREFIXED = "directory_01AB"; // a directory id that extends D's

    @TempDir
    Path dir;

    @Test
    void listsRowsInIdOrderWithCursorsAndSkipsTombstones() {
        try (Harness h = new Harness(dir, InactiveUserPolicy.RETAIN)) {
            h.pipe(directory("dsync.activated", "d1", 1, D, "active", "Acme", 1));
            h.pipe(directory("dsync.activated", "d2", 1, D_PREFIXED, "active", "Other", 1));
            for (String u : List.of("directory_user_c", "directory_user_a", "directory_user_e", "directory_user_b",
                    "directory_user_d")) {
                h.pipe(user("dsync.user.created", "e-" + u, 10, D, u, "active", u, 10));
            }
            h.pipe(user("dsync.user.created", "x1", 10, D_PREFIXED, "directory_user_zz", "active", "Z", 10));
            h.pipe(user("dsync.user.deleted", "e-del", 20, D, "directory_user_b", "inactive", "b", 20));
            h.pipe(group("dsync.group.created", "g1", 10, D, "directory_group_1", "One", 10));
            h.pipe(group("dsync.group.created", "g2", 10, D, "directory_group_2", "Two", 10));
            h.pipe(membership("dsync.group.user_added", "m1", 30, D, "directory_group_1", "directory_user_a"));
            h.pipe(membership("dsync.group.user_added", "m2", 31, D, "directory_group_1", "directory_user_c"));
            h.pipe(membership("dsync.group.user_added", "m3", 32, D, "directory_group_2", "directory_user_a"));
            h.pipe(membership("dsync.group.user_added", "m4", 33, D, "directory_group_1", "directory_user_d"));
            h.pipe(membership("dsync.group.user_removed", "m5", 34, D, "directory_group_1", "directory_user_c"));

            DirectoryStateReader reader = reader(h);

            assertThat(reader.directory(D)).get().asString().contains("\"name\":\"Acme\"");
            assertThat(ids(reader.directories(null, 10))).containsExactly(D, D_PREFIXED);
            assertThat(ids(reader.directories(D, 10))).containsExactly(D_PREFIXED);

            List<String> all = new ArrayList<>();
            String after = null;
            do {
                Page page = reader.users(D, after, 2);
                assertThat(page.rows()).hasSizeLessThanOrEqualTo(2);
                all.addAll(ids(page));
                after = page.nextAfter();
            } while (after != null);
            assertThat(all).containsExactly("directory_user_a", "directory_user_c", "directory_user_d",
                    "directory_user_e");
            assertThat(reader.users(D, "directory_user_d", 10).nextAfter()).isNull();
            assertThat(ids(reader.users(D_PREFIXED, null, 10))).containsExactly("directory_user_zz");
            assertThat(reader.user(D, "directory_user_b")).isEmpty();
            assertThat(reader.user(D, "directory_user_a")).get().asString().contains("\"email\"");

            assertThat(ids(reader.groups(D, null, 10))).containsExactly("directory_group_1", "directory_group_2");
            assertThat(reader.group(D, "directory_group_2")).isPresent();
            Page members = reader.members(D, "directory_group_1", null, 10);
            assertThat(ids(members)).containsExactly("directory_user_a", "directory_user_d");
            assertThat(members.rows().get(0).json()).contains("\"group_id\":\"directory_group_1\"");
            assertThat(ids(reader.members(D, "directory_group_1", "directory_user_a", 1)))
                    .containsExactly("directory_user_d");
            assertThat(ids(reader.groupsOf(D, "directory_user_a", null, 10)))
                    .containsExactly("directory_group_1", "directory_group_2");
            assertThat(ids(reader.groupsOf(D, "directory_user_c", null, 10))).isEmpty();
        }
    }

    @Test
    void aDirectoryKnownOnlyFromItsUsersOrGroupsIsInferred() throws Exception {
        try (Harness h = new Harness(dir, InactiveUserPolicy.RETAIN)) {
            h.pipe(userIn("u1", 10, D, "directory_user_b", "org_from_user"));
            h.pipe(userIn("u2", 11, D, "directory_user_a", "org_from_user"));
            h.pipe(group("dsync.group.created", "g1", 12, D, "directory_group_1", "One", 12));
            h.pipe(membership("dsync.group.user_added", "m1", 13, D, "directory_group_1", "directory_user_a"));
            h.pipe(group("dsync.group.created", "g2", 14, D_PREFIXED, "directory_group_9", "Nine", 14));
            h.pipe(directory("dsync.activated", "d1", 1, "directory_real", "active", "Real", 1));
            DirectoryStateReader reader = reader(h);

            assertThat(reader.directory(D)).hasValue("{\"id\":\"" + D + "\",\"organization_id\":\"org_from_user\","
                    + "\"type\":null,\"state\":null,\"name\":null,\"domains\":null,\"created_at\":null,"
                    + "\"updated_at\":null,\"last_event_id\":null,\"last_event_at\":null,\"inferred\":true}");
            // known only from a group: the organization comes from the group
            assertThat(reader.directory(D_PREFIXED)).get().asString()
                    .contains("\"organization_id\":\"" + TestEvents.ORG + "\"", "\"inferred\":true");
            // the same fields as a real directory's change-log value, plus "inferred"
            List<String> real = fields(reader.directory("directory_real").orElseThrow());
            assertThat(real).doesNotContain("inferred");
            List<String> expected = new ArrayList<>(real);
            expected.add("inferred");
            assertThat(fields(reader.directory(D).orElseThrow())).containsExactlyElementsOf(expected);
            assertThat(reader.directory("directory_unknown")).isEmpty();

            assertThat(ids(reader.users(D, null, 10))).containsExactly("directory_user_a", "directory_user_b");
            assertThat(reader.user(D, "directory_user_a")).isPresent();
            assertThat(ids(reader.groups(D, null, 10))).containsExactly("directory_group_1");
            assertThat(ids(reader.members(D, "directory_group_1", null, 10))).containsExactly("directory_user_a");
            assertThat(ids(reader.groupsOf(D, "directory_user_a", null, 10))).containsExactly("directory_group_1");

            Page listed = reader.directories(null, 10);
            assertThat(ids(listed)).containsExactly(D, D_PREFIXED, "directory_real");
            assertThat(listed.rows().get(0).json()).isEqualTo(reader.directory(D).orElseThrow());
            assertThat(listed.rows().get(1).json()).isEqualTo(reader.directory(D_PREFIXED).orElseThrow());
        }
    }

    @Test
    void listingMergesInferredAndRealDirectoriesInIdOrderAcrossPages() {
        try (Harness h = new Harness(dir, InactiveUserPolicy.RETAIN)) {
            h.pipe(userIn("e1", 10, "directory_a", "directory_user_1", "org_a"));       // inferred, users only
            h.pipe(directory("dsync.activated", "e2", 1, "directory_b", "active", "B", 1)); // real
            h.pipe(user("dsync.user.created", "e3", 10, "directory_b", "directory_user_1", "active", "U", 10));
            h.pipe(group("dsync.group.created", "e4", 10, "directory_c", "directory_group_1", "G", 10)); // groups
            h.pipe(userIn("e5", 10, "directory_d", "directory_user_1", "org_d"));       // users and groups
            h.pipe(group("dsync.group.created", "e6", 10, "directory_d", "directory_group_1", "G", 10));
            h.pipe(userIn("e7", 10, "directory_da", "directory_user_1", "org_da"));     // extends directory_d
            h.pipe(userIn("e8", 10, "directory_e", "directory_user_1", "org_e"));       // only a deleted user
            h.pipe(user("dsync.user.deleted", "e9", 20, "directory_e", "directory_user_1", "inactive", "U", 20));
            h.pipe(directory("dsync.activated", "e10", 1, "directory_f", "active", "F", 1)); // real, empty
            DirectoryStateReader reader = reader(h);

            List<String> expected = List.of("directory_a", "directory_b", "directory_c", "directory_d",
                    "directory_da", "directory_f");
            assertThat(ids(reader.directories(null, 100))).containsExactlyElementsOf(expected);
            for (int limit : new int[] {1, 2}) {
                List<String> all = new ArrayList<>();
                String after = null;
                int pages = 0;
                do {
                    Page page = reader.directories(after, limit);
                    assertThat(page.rows()).hasSize(Math.min(limit, expected.size() - all.size()));
                    all.addAll(ids(page));
                    after = page.nextAfter();
                    pages++;
                } while (after != null);
                assertThat(all).as("limit %d", limit).containsExactlyElementsOf(expected);
                assertThat(pages).isEqualTo((expected.size() + limit - 1) / limit);
            }
            // cursors that are not listed ids, or are an inferred directory's id
            assertThat(ids(reader.directories("directory_c", 2))).containsExactly("directory_d", "directory_da");
            assertThat(ids(reader.directories("directory_d", 10))).containsExactly("directory_da", "directory_f");
            assertThat(ids(reader.directories("directory_bz", 1))).containsExactly("directory_c");
            assertThat(ids(reader.directories("directory_e", 10))).containsExactly("directory_f");
            assertThat(reader.directories("directory_f", 10).rows()).isEmpty();

            Page all = reader.directories(null, 100);
            for (Row row : all.rows()) {
                boolean real = row.id().equals("directory_b") || row.id().equals("directory_f");
                assertThat(row.json()).as(row.id()).contains("\"id\":\"" + row.id() + "\"");
                assertThat(row.json().contains("\"inferred\":true")).as(row.id()).isEqualTo(!real);
                assertThat(row.json()).isEqualTo(reader.directory(row.id()).orElseThrow());
            }
            assertThat(all.rows().get(0).json()).contains("\"organization_id\":\"org_a\"");
            // users before groups: directory_d's organization is its user's
            assertThat(all.rows().get(3).json()).contains("\"organization_id\":\"org_d\"");
            assertThat(all.rows().get(1).json()).contains("\"name\":\"B\"").doesNotContain("inferred");
        }
    }

    @Test
    void anInferredDirectoryIsGoneOnceItsLastRowIs() {
        try (Harness h = new Harness(dir, InactiveUserPolicy.RETAIN)) {
            h.pipe(userIn("u1", 10, D, "directory_user_a", "org_from_user"));
            DirectoryStateReader reader = reader(h);
            assertThat(reader.directory(D)).isPresent();

            h.pipe(user("dsync.user.deleted", "u2", 20, D, "directory_user_a", "inactive", "A", 20));
            // the user's deletion marker is still stored, and is not a live row
            EntityRecord marker = h.driver.<String, EntityRecord>getKeyValueStore(DsyncTopology.USERS_STORE)
                    .get(StateKeys.entity(D, "directory_user_a"));
            assertThat(marker).isNotNull();
            assertThat(marker.deleted()).isTrue();
            assertThat(reader.directory(D)).isEmpty();
            assertThat(reader.directories(null, 10).rows()).isEmpty();
            assertThat(reader.users(D, null, 10).rows()).isEmpty();
        }
    }

    @Test
    void aRealDirectoryRowIsNeverMarkedInferredButADeletedOneWithNewerUsersIs() {
        try (Harness h = new Harness(dir, InactiveUserPolicy.RETAIN)) {
            h.pipe(directory("dsync.activated", "d1", 1, D, "active", "Acme", 1));
            h.pipe(user("dsync.user.created", "u1", 10, D, "directory_user_a", "active", "A", 10));
            DirectoryStateReader reader = reader(h);
            assertThat(reader.directory(D)).get().asString().contains("\"name\":\"Acme\"")
                    .doesNotContain("inferred");
            assertThat(reader.directories(null, 10).rows()).singleElement().extracting(Row::json).asString()
                    .doesNotContain("inferred");

            // the deletion cascades to the user: nothing is left to infer the directory from
            h.pipe(directory("dsync.deleted", "d2", 100, D, "deleting", "Acme", 100));
            assertThat(reader.directory(D)).isEmpty();
            assertThat(reader.directories(null, 10).rows()).isEmpty();

            // a user event newer than the deletion is applied (and mirrored): the directory is inferred again
            h.pipe(userIn("u2", 200, D, "directory_user_b", "org_from_user"));
            assertThat(reader.user(D, "directory_user_b")).isPresent();
            assertThat(reader.directory(D)).get().asString().contains("\"inferred\":true", "org_from_user");
            assertThat(ids(reader.directories(null, 10))).containsExactly(D);
        }
    }

    /** A user created at {@code eventMs} in an organization of its own. */
    static String userIn(String eventId, long eventMs, String directoryId, String userId, String organizationId) {
        return envelope(eventId, "dsync.user.created", at(eventMs),
                TestEvents.userData(directoryId, userId, "active", "Ann", at(eventMs))
                        .put("organization_id", organizationId));
    }

    static DirectoryStateReader reader(Harness h) {
        return new DirectoryStateReader(
                h.driver.getKeyValueStore(DsyncTopology.DIRECTORIES_STORE),
                h.driver.getKeyValueStore(DsyncTopology.USERS_STORE),
                h.driver.getKeyValueStore(DsyncTopology.GROUPS_STORE),
                h.driver.getKeyValueStore(DsyncTopology.MEMBERSHIPS_STORE));
    }

    static List<String> fields(String json) throws Exception {
        List<String> names = new ArrayList<>();
        JsonNode node = EventParser.MAPPER.readTree(json);
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    static List<String> ids(Page page) {
        return page.rows().stream().map(Row::id).toList();
    }
}
