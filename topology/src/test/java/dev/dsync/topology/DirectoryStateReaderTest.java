package dev.dsync.topology;

import static dev.dsync.topology.TestEvents.directory;
import static dev.dsync.topology.TestEvents.group;
import static dev.dsync.topology.TestEvents.membership;
import static dev.dsync.topology.TestEvents.user;
import static org.assertj.core.api.Assertions.assertThat;

import dev.dsync.topology.state.DirectoryStateReader;
import dev.dsync.topology.state.DirectoryStateReader.Page;
import dev.dsync.topology.state.DirectoryStateReader.Row;
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

            DirectoryStateReader reader = new DirectoryStateReader(
                    h.driver.getKeyValueStore(DsyncTopology.DIRECTORIES_STORE),
                    h.driver.getKeyValueStore(DsyncTopology.USERS_STORE),
                    h.driver.getKeyValueStore(DsyncTopology.GROUPS_STORE),
                    h.driver.getKeyValueStore(DsyncTopology.MEMBERSHIPS_STORE),
                    h.driver.getKeyValueStore(DsyncTopology.MEMBERSHIPS_BY_USER_STORE));

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

    static List<String> ids(Page page) {
        return page.rows().stream().map(Row::id).toList();
    }
}
