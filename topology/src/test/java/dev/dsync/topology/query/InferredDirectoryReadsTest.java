package dev.dsync.topology.query;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dsync.topology.DsyncTopology;
import dev.dsync.topology.Harness;
import dev.dsync.topology.InactiveUserPolicy;
import dev.dsync.topology.TestEvents;
import dev.dsync.topology.state.DirectoryStateReader;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The endpoints over a directory known only from its users (no {@code dsync.activated}): a directory to the
 * directory routes and to the organization routes, not a 404.
 */
class InferredDirectoryReadsTest {

    static final String D = "directory_01INFERRED";
    static final String REAL = "directory_01REAL";
    static final String ORG = "org_01FROMUSER";

    @TempDir
    Path dir;

    @Test
    void aDirectoryKnownOnlyFromItsUsersAnswersEveryRoute() {
        try (Harness h = new Harness(dir, InactiveUserPolicy.RETAIN)) {
            h.pipe(TestEvents.envelope("u1", "dsync.user.created", TestEvents.at(10),
                    TestEvents.userData(D, "directory_user_a", "active", "Ann", TestEvents.at(10))
                            .put("organization_id", ORG)));
            h.pipe(TestEvents.envelope("u2", "dsync.user.created", TestEvents.at(11),
                    TestEvents.userData(REAL, "directory_user_b", "active", "Bob", TestEvents.at(11))
                            .put("organization_id", ORG)));
            h.pipe(TestEvents.envelope("d1", "dsync.activated", TestEvents.at(1),
                    TestEvents.directoryData(REAL, "active", "Real", TestEvents.at(1)).put("organization_id", ORG)));
            DirectoryStateReader r = new DirectoryStateReader(
                    h.driver.getKeyValueStore(DsyncTopology.DIRECTORIES_STORE),
                    h.driver.getKeyValueStore(DsyncTopology.USERS_STORE),
                    h.driver.getKeyValueStore(DsyncTopology.GROUPS_STORE),
                    h.driver.getKeyValueStore(DsyncTopology.MEMBERSHIPS_STORE));
            DirectoryReads.UserFilter all = new DirectoryReads.UserFilter(null, null);

            Answer directory = DirectoryReads.directory(D).read(r);
            assertThat(directory.status()).isEqualTo(200);
            assertThat(directory.body()).contains("\"inferred\":true", "\"organization_id\":\"" + ORG + "\"");
            Answer user = DirectoryReads.user(D, "directory_user_a").read(r);
            assertThat(user.status()).isEqualTo(200);
            assertThat(Json.field(user.body(), "id")).isEqualTo("directory_user_a");
            assertThat(DirectoryReads.users(D, all, null, 10).read(r).body()).contains("\"directory_user_a\"");
            assertThat(DirectoryReads.groups(D, null, 10).read(r).status()).isEqualTo(200);
            assertThat(DirectoryReads.user(D, "directory_user_b").read(r).status()).isEqualTo(404);
            assertThat(DirectoryReads.user("directory_01UNKNOWN", "directory_user_a").read(r).body())
                    .contains("directory directory_01UNKNOWN not found");

            assertThat(DirectoryReads.directories(ORG, null, 10).read(r).rows()).extracting(Rows.Row::id)
                    .containsExactly(D, REAL);
            assertThat(DirectoryReads.directories("org_other", null, 10).read(r).rows()).isEmpty();
            Rows.Piece users = DirectoryReads.organizationUsers(ORG, all, null, 10).read(r);
            assertThat(users.rows()).extracting(Rows.Row::id).containsExactly("directory_user_a", "directory_user_b");
            assertThat(DirectoryReads.organizationUsers(ORG,
                    new DirectoryReads.UserFilter(null, "DIRECTORY_USER_A@example.com"), null, 10).read(r).rows())
                    .extracting(Rows.Row::id).containsExactly("directory_user_a");
        }
    }
}
