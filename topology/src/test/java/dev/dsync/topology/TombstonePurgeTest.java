package dev.dsync.topology;

import static dev.dsync.topology.TestEvents.directory;
import static dev.dsync.topology.TestEvents.membership;
import static dev.dsync.topology.TestEvents.user;
import static org.assertj.core.api.Assertions.assertThat;

import dev.dsync.events.Topics;
import dev.dsync.topology.TopologyMetrics.Counter;
import dev.dsync.topology.state.EntityRecord;
import dev.dsync.topology.state.MembershipRecord;
import dev.dsync.topology.state.StateKeys;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tombstone markers and barriers are kept for the retention, then purged by the wall-clock punctuator. */
class TombstonePurgeTest {

    static final String D = "directory_01A";
    static final String D2 = "directory_02B";

    @TempDir
    Path dir;

    @Test
    void markersLiveForTheRetentionAndAreThenPurged() {
        TopologyConfig config = Harness.config(dir, Map.of("DSYNC_TOMBSTONE_RETENTION", "P4D",
                "DSYNC_TOMBSTONE_PURGE_INTERVAL", "PT1H"));
        try (Harness h = new Harness(config)) {
            h.pipe(user("dsync.user.created", "e1", 100, D, "u1", "active", "Ann", 100));
            h.pipe(user("dsync.user.created", "e1b", 100, D, "u2", "active", "Bob", 100));
            h.pipe(membership("dsync.group.user_added", "e2", 200, D, "g1", "u2"));
            h.pipe(membership("dsync.group.user_removed", "e3", 300, D, "g2", "u2"));
            h.pipe(user("dsync.user.deleted", "e4", 400, D, "u1", "inactive", "Ann", 400));
            h.pipe(directory("dsync.deleted", "e5", 500, D2, "deleting", "Other", 500));

            KeyValueStore<String, EntityRecord> users = h.driver.getKeyValueStore(DsyncTopology.USERS_STORE);
            KeyValueStore<String, EntityRecord> dirs = h.driver.getKeyValueStore(DsyncTopology.DIRECTORIES_STORE);
            KeyValueStore<String, MembershipRecord> memberships =
                    h.driver.getKeyValueStore(DsyncTopology.MEMBERSHIPS_STORE);
            KeyValueStore<String, byte[]> expiry = h.driver.getKeyValueStore(DsyncTopology.EXPIRY_STORE);
            assertThat(users.get(StateKeys.entity(D, "u1")).deleted()).isTrue();
            assertThat(memberships.get(StateKeys.membership(D, "g2", "u2")).present()).isFalse();
            assertThat(dirs.get(D2).deleted()).isTrue();

            h.advanceWallClock(Duration.ofDays(3).plusHours(23));
            assertThat(users.get(StateKeys.entity(D, "u1"))).isNotNull();
            assertThat(dirs.get(D2)).isNotNull();
            // within the retention a stale retry is still stopped by the marker
            h.pipe(user("dsync.user.updated", "e3b", 350, D, "u1", "active", "Ann", 350));
            assertThat(h.table(Topics.USERS)).containsOnlyKeys("u2");

            h.advanceWallClock(Duration.ofHours(2));
            assertThat(users.get(StateKeys.entity(D, "u1"))).isNull();
            assertThat(memberships.get(StateKeys.membership(D, "g2", "u2"))).isNull();
            assertThat(h.indexedGroups(D, "u2")).as("the by-user index follows the purge").containsExactly("g1");
            assertThat(dirs.get(D2)).isNull();
            try (var it = expiry.all()) {
                assertThat(it.hasNext()).isFalse();
            }
            assertThat(h.metrics.get(Counter.PURGED)).isEqualTo(3);
            // live rows are untouched
            assertThat(users.get(StateKeys.entity(D, "u2")).deleted()).isFalse();
            assertThat(memberships.get(StateKeys.membership(D, "g1", "u2")).present()).isTrue();
            // purging emits nothing: the tombstones were emitted when the rows were deleted
            assertThat(h.all(Topics.USERS)).hasSize(3);
        }
    }

    @Test
    void aMarkerRewrittenLaterIsKeptForItsOwnRetention() {
        TopologyConfig config = Harness.config(dir, Map.of("DSYNC_TOMBSTONE_RETENTION", "P4D",
                "DSYNC_TOMBSTONE_PURGE_INTERVAL", "PT1H"));
        try (Harness h = new Harness(config)) {
            h.pipe(membership("dsync.group.user_removed", "e1", 100, D, "g1", "u1"));
            h.advanceWallClock(Duration.ofDays(2));
            h.pipe(membership("dsync.group.user_added", "e2", 200, D, "g1", "u1"));
            h.pipe(membership("dsync.group.user_removed", "e3", 300, D, "g1", "u1"));
            h.advanceWallClock(Duration.ofDays(2).plusHours(2));
            KeyValueStore<String, MembershipRecord> memberships =
                    h.driver.getKeyValueStore(DsyncTopology.MEMBERSHIPS_STORE);
            assertThat(memberships.get(StateKeys.membership(D, "g1", "u1"))).isNotNull();
            h.advanceWallClock(Duration.ofDays(2));
            assertThat(memberships.get(StateKeys.membership(D, "g1", "u1"))).isNull();
        }
    }

    @Test
    void deletionsStayDeletedAfterTheirMarkersArePurged() {
        // issue 13, item 2: a resend of a deleted user's creation and membership after the retention
        TopologyConfig config = Harness.config(dir, Map.of("DSYNC_TOMBSTONE_RETENTION", "PT30S",
                "DSYNC_TOMBSTONE_PURGE_INTERVAL", "PT5S"));
        try (Harness h = new Harness(config)) {
            String created = user("dsync.user.created", "e1", 100, D, "u1", "active", "Ann", 100);
            String added = membership("dsync.group.user_added", "e2", 200, D, "g1", "u1");
            String removed = membership("dsync.group.user_removed", "e6", 600, D, "g2", "u2");
            String addedBefore = membership("dsync.group.user_added", "e5", 500, D, "g2", "u2");
            String dirActivated = directory("dsync.activated", "e7", 700, D2, "active", "Other", 700);
            h.pipe(created).pipe(added).pipe(removed);
            h.pipe(user("dsync.user.deleted", "e3", 300, D, "u1", "inactive", "Ann", 300));
            h.pipe(dirActivated);
            h.pipe(directory("dsync.deleted", "e8", 800, D2, "deleting", "Other", 800));
            assertThat(h.table(Topics.USERS)).isEmpty();
            assertThat(h.table(Topics.MEMBERSHIPS)).isEmpty();
            assertThat(h.table(Topics.DIRECTORIES)).isEmpty();

            h.advanceWallClock(Duration.ofMinutes(2));
            KeyValueStore<String, EntityRecord> users = h.driver.getKeyValueStore(DsyncTopology.USERS_STORE);
            assertThat(users.get(StateKeys.entity(D, "u1"))).as("marker purged").isNull();
            assertThat(h.metrics.get(Counter.PURGED)).isEqualTo(3);

            // the same events again (new deliveries after the seen-events retention, too)
            h.pipe(created).pipe(added).pipe(addedBefore).pipe(dirActivated)
                    .pipe(user("dsync.user.updated", "e9", 250, D, "u1", "active", "Ann", 250));
            assertThat(h.table(Topics.USERS)).isEmpty();
            assertThat(h.table(Topics.MEMBERSHIPS)).isEmpty();
            assertThat(h.table(Topics.DIRECTORIES)).isEmpty();
            assertThat(users.get(StateKeys.entity(D, "u1"))).isNull();
            assertThat(h.metrics.get(Counter.BEHIND_HORIZON)).isEqualTo(5);

            // anything newer than what was forgotten is applied as usual
            h.pipe(user("dsync.user.created", "e10", 900, D, "u1", "active", "Ann again", 900));
            h.pipe(directory("dsync.activated", "e11", 900, D2, "active", "Other again", 900));
            assertThat(h.table(Topics.USERS)).containsOnlyKeys("u1");
            assertThat(h.table(Topics.DIRECTORIES)).containsOnlyKeys(D2);
        }
    }

    @Test
    void seenEventsAreForgottenAfterTheRetentionInSweepSteps() {
        TopologyConfig config = Harness.config(dir, Map.of("DSYNC_TOMBSTONE_RETENTION", "PT1M",
                "DSYNC_TOMBSTONE_PURGE_INTERVAL", "PT10S"));
        try (Harness h = new Harness(config)) {
            int events = 25_000; // more than one sweep step
            // all older than the directory's deletion: stale, so each is noted as seen
            h.pipe(directory("dsync.deleted", "gone", 1_000_000, D, "deleting", "Acme", 1_000_000));
            for (int i = 0; i < events; i++) {
                h.pipe(membership("dsync.group.user_added", "e" + i, i, D, "g" + (i % 50), "u" + i));
            }
            KeyValueStore<String, Long> seen = h.driver.getKeyValueStore(DsyncTopology.SEEN_EVENTS_STORE);
            assertThat(seen.approximateNumEntries()).isPositive();
            h.pipe(membership("dsync.group.user_added", "e0", 0, D, "g0", "u0"));
            assertThat(h.metrics.get(Counter.DUPLICATE)).isEqualTo(1);

            h.advanceWallClock(Duration.ofSeconds(70));
            h.advanceWallClock(Duration.ofSeconds(10));
            h.advanceWallClock(Duration.ofSeconds(10));
            assertThat(h.metrics.get(Counter.SEEN_EVENTS_PURGED)).isEqualTo(events);
            try (var it = seen.all()) {
                assertThat(it.hasNext()).isFalse();
            }
            // a late copy is no longer recognised by id, and the version rules still make it change nothing
            h.take(Topics.MEMBERSHIPS);
            h.pipe(membership("dsync.group.user_added", "e0", 0, D, "g0", "u0"));
            assertThat(h.metrics.get(Counter.DUPLICATE)).isEqualTo(1);
            assertThat(h.take(Topics.MEMBERSHIPS)).isEmpty();
        }
    }
}
