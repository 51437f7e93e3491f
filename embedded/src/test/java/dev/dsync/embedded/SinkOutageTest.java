package dev.dsync.embedded;

import static dev.dsync.embedded.MirrorFixture.directory;
import static dev.dsync.embedded.MirrorFixture.group;
import static dev.dsync.embedded.MirrorFixture.membership;
import static dev.dsync.embedded.MirrorFixture.membershipKey;
import static dev.dsync.embedded.MirrorFixture.user;
import static dev.dsync.embedded.MirrorFixture.with;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.dsync.connect.SinkSupervisor;
import dev.dsync.events.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.connect.runtime.rest.entities.ConnectorStateInfo;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13, "the sink heals itself", against a real broker, a real Connect worker with the Debezium sink and a real
 * PostgreSQL that is stopped and started again on the same port with the same data, while change-log upserts and
 * tombstones keep arriving:
 * <ul>
 *   <li>a short outage is ridden out by the sink's own retries: no task fails, nothing is restarted;</li>
 *   <li>an outage longer than those retries fails the tasks, and with no manual step the {@link SinkSupervisor}
 *       restarts them; the mirror ends exactly at the expected state, every upsert and every delete included.</li>
 * </ul>
 */
@Tag("integration")
class SinkOutageTest {

    private static final int GROUPS = 5;

    @TempDir
    static Path dir;
    static MirrorFixture f;

    /** Each test writes its own directory, so that neither depends on what the other left behind. */
    private String directory;

    /** The state the mirror must reach, kept in step with every record sent. */
    private final Map<String, String> users = new TreeMap<>();          // id -> name
    private final Map<String, String> groups = new TreeMap<>();         // id -> name
    private final Map<String, String> directories = new TreeMap<>();    // id -> name
    private final Set<String> memberships = new TreeSet<>();            // group_id|user_id

    @BeforeAll
    static void startAll() {
        f = MirrorFixture.start(dir, true);
    }

    @AfterAll
    static void stopAll() {
        if (f != null) {
            f.close();
        }
    }

    @Test
    void changeLogTopicsKeepTombstonesForThirtyDays() throws Exception {
        try (Admin admin = f.kafka.admin()) {
            List<ConfigResource> topics = Topics.CHANGE_LOGS.stream()
                    .map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t)).toList();
            Map<ConfigResource, Config> configs = admin.describeConfigs(topics).all().get(30, TimeUnit.SECONDS);
            for (ConfigResource topic : topics) {
                assertThat(configs.get(topic).get("delete.retention.ms").value()).as(topic.name())
                        .isEqualTo(String.valueOf(Duration.ofDays(30).toMillis()));
                assertThat(configs.get(topic).get("cleanup.policy").value()).as(topic.name()).isEqualTo("compact");
            }
        }
    }

    @Test
    void aShortOutageIsRiddenOutByTheSinkItselfWithoutAFailure() {
        directory = "directory_blip";
        List<String> connectors = ConnectWorker.dsyncConnectorNames();
        try (SinkSupervisor supervisor = SinkSupervisor.start(testSettings(connectors));
             FailureWatch watch = new FailureWatch(connectors)) {
            writeInitialState(20);
            awaitMirrorMatches(Duration.ofSeconds(60));

            f.pg.stop();
            putDirectory(directory, "during");
            deleteGroup(groupId(4));
            deleteUser(userId(0));
            putUser(userId(1), "v2");
            putUser(userId(20), "v1");
            putMembership(groupId(0), userId(20));
            f.flush();
            // a database restart's worth of absence, well inside the sink's 10 x 3 s of retries
            await().during(Duration.ofSeconds(8)).atMost(Duration.ofSeconds(12)).pollInterval(Duration.ofMillis(100))
                    .until(() -> watch.firstFailedAt.isEmpty());
            f.pg.startAgain();

            awaitMirrorMatches(Duration.ofSeconds(60));
            assertThat(watch.firstFailedAt).as("sinks seen FAILED").isEmpty();
            assertThat(supervisor.restarts()).isZero();
            assertThat(supervisor.health()).allSatisfy(h -> {
                assertThat(h.condition()).isEqualTo(SinkSupervisor.Condition.RUNNING);
                assertThat(h.troubleSince()).isEmpty();
            });
        }
    }

    @Test
    void afterAnOutageLongerThanTheSinksRetriesTheSupervisorRestartsTheSinkAndNothingIsLost() {
        directory = "directory_outage";
        List<String> connectors = ConnectWorker.dsyncConnectorNames();
        try (SinkSupervisor supervisor = SinkSupervisor.start(testSettings(connectors));
             FailureWatch watch = new FailureWatch(connectors)) {
            writeInitialState(100);
            awaitMirrorMatches(Duration.ofSeconds(60));

            long down = System.nanoTime();
            f.pg.stop();
            // changes to every table while the database is away, so that each of the four sink tasks has writes
            // to retry: updates, deletes of rows the database has, and rows created (some deleted again) meanwhile
            putDirectory(directory, "during");
            deleteGroup(groupId(4));
            for (int i = 0; i < 100; i++) {
                if (i % 5 == 0) {
                    deleteUser(userId(i));
                } else if (i % 3 == 0) {
                    putUser(userId(i), "v2");
                }
            }
            for (int i = 100; i < 120; i++) {
                putUser(userId(i), "v1");
                putMembership(groupId(i % 4), userId(i));
            }
            f.flush();

            // the sink's own retries (10 x 3 s) run out: tasks FAIL, and the supervisor restarts each while the
            // database is still down (those restarted tasks fail again; that must not lose anything either)
            await().atMost(Duration.ofSeconds(150)).pollInterval(Duration.ofMillis(100)).until(() ->
                    !watch.firstFailedAt.isEmpty() && supervisor.health().stream().allMatch(h -> h.restarts() >= 1));
            Duration untilFirstFailure = Duration.ofNanos(
                    watch.firstFailedAt.values().stream().min(Long::compare).orElseThrow() - down);
            MirrorFixture.log("FAILED seen for %s, first %d ms after PostgreSQL stopped; every sink restarted",
                    watch.firstFailedAt.keySet(), untilFirstFailure.toMillis());
            assertThat(untilFirstFailure).as("the sink's own retries come first").isGreaterThan(Duration.ofSeconds(25));
            assertThat(supervisor.health()).allSatisfy(h -> {
                assertThat(h.troubleSince()).isPresent();
                assertThat(h.lastFailure()).isPresent();
            });

            // more changes after the restarts: a deleted user comes back, a user created during the outage goes
            // again, an update, and a membership removal
            putUser(userId(5), "v3");
            putMembership(groupId(0), userId(5));
            deleteUser(userId(100));
            putUser(userId(1), "v3");
            deleteMembership(groupId(2), userId(2));
            f.flush();

            long up = System.nanoTime();
            f.pg.startAgain();
            awaitMirrorMatches(Duration.ofSeconds(120));
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(f.worker::allRunning);
            MirrorFixture.log("mirror exact %d ms after PostgreSQL came back; %d restarts in all; outage %d ms",
                    MirrorFixture.ms(System.nanoTime() - up), supervisor.restarts(), MirrorFixture.ms(up - down));
            MirrorFixture.log("health after recovery:%n%s", supervisor.describe());
            assertThat(supervisor.restarts()).isGreaterThanOrEqualTo(connectors.size());

            // once they have run for stableAfter, the episode is over and the next failure backs off from 500 ms
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
                    assertThat(supervisor.health()).allSatisfy(h -> {
                        assertThat(h.condition()).isEqualTo(SinkSupervisor.Condition.RUNNING);
                        assertThat(h.troubleSince()).isEmpty();
                        assertThat(h.consecutiveRestarts()).isZero();
                        assertThat(h.nextRestartAt()).isEmpty();
                        assertThat(h.restarts()).isPositive();
                    }));
            assertMirrorMatches();
        }
    }

    /** Production timing (2 s polls, backoff up to 60 s, reset after 2 min) works too, only slower to watch. */
    private static SinkSupervisor.Settings testSettings(List<String> connectors) {
        return new SinkSupervisor.Settings(f.worker.restUrl(), connectors, Duration.ofMillis(200),
                new SinkSupervisor.Backoff(Duration.ofMillis(500), Duration.ofSeconds(4)), Duration.ofSeconds(5));
    }

    private void writeInitialState(int userCount) {
        putDirectory(directory, "before");
        for (int g = 0; g < GROUPS; g++) {
            putGroup(groupId(g), "group " + g);
        }
        for (int i = 0; i < userCount; i++) {
            putUser(userId(i), "v1");
            putMembership(groupId(i % GROUPS), userId(i));
        }
        f.flush();
    }

    /**
     * Reads every connector's status from the worker every 50 ms and remembers when each was first seen FAILED:
     * the supervisor restarts a failed task within a second, so a test that only looked now and then could miss it.
     */
    private static final class FailureWatch implements AutoCloseable {

        final Map<String, Long> firstFailedAt = new ConcurrentHashMap<>();   // connector -> System.nanoTime()
        private final ScheduledExecutorService poller = Executors.newSingleThreadScheduledExecutor();

        FailureWatch(List<String> connectors) {
            poller.scheduleWithFixedDelay(() -> {
                for (String name : connectors) {
                    try {
                        if (failed(f.worker.status(name))) {
                            firstFailedAt.putIfAbsent(name, System.nanoTime());
                        }
                    } catch (RuntimeException e) {
                        // a read racing a restart; the next one sees the new state (an exception would end the polling)
                    }
                }
            }, 0, 50, TimeUnit.MILLISECONDS);
        }

        private static boolean failed(ConnectorStateInfo status) {
            return "FAILED".equals(status.connector().state())
                    || status.tasks().stream().anyMatch(t -> "FAILED".equals(t.state()));
        }

        @Override
        public void close() {
            poller.shutdownNow();
        }
    }

    // ---- sending, and keeping the expected state ----

    private String userId(int i) {
        return directory + "_user_" + i;
    }

    private String groupId(int g) {
        return directory + "_group_" + g;
    }

    private void putDirectory(String id, String name) {
        f.send(Topics.DIRECTORIES, id, directory(id, name));
        directories.put(id, name);
    }

    private void putGroup(String id, String name) {
        f.send(Topics.GROUPS, id, with(group(id, directory), "name", name));
        groups.put(id, name);
    }

    /** A group deletion is tombstones for the group and for each of its memberships, as the topology emits it. */
    private void deleteGroup(String id) {
        f.send(Topics.GROUPS, id, null);
        groups.remove(id);
        for (String m : List.copyOf(memberships)) {
            if (m.startsWith(id + "|")) {
                deleteMembership(id, m.substring(id.length() + 1));
            }
        }
    }

    private void putUser(String id, String name) {
        f.send(Topics.USERS, id, with(user(id, directory), "name", name));
        users.put(id, name);
    }

    /** A user deletion is tombstones for the user and for each of its memberships, as the topology emits it. */
    private void deleteUser(String id) {
        f.send(Topics.USERS, id, null);
        users.remove(id);
        for (String m : List.copyOf(memberships)) {
            if (m.endsWith("|" + id)) {
                deleteMembership(m.substring(0, m.indexOf('|')), id);
            }
        }
    }

    private void putMembership(String groupId, String userId) {
        f.send(Topics.MEMBERSHIPS, membershipKey(groupId, userId), membership(groupId, userId, directory));
        memberships.add(groupId + "|" + userId);
    }

    private void deleteMembership(String groupId, String userId) {
        f.send(Topics.MEMBERSHIPS, membershipKey(groupId, userId), null);
        memberships.remove(groupId + "|" + userId);
    }

    // ---- reading the mirror ----

    private void awaitMirrorMatches(Duration atMost) {
        await().atMost(atMost).pollInterval(Duration.ofMillis(250)).ignoreExceptions()
                .untilAsserted(this::assertMirrorMatches);
    }

    private void assertMirrorMatches() {
        assertThat(names("SELECT id, name FROM directories WHERE id = ?")).as("directories").isEqualTo(directories);
        assertThat(names("SELECT id, name FROM directory_groups WHERE directory_id = ?")).as("groups")
                .isEqualTo(groups);
        assertThat(names("SELECT id, name FROM directory_users WHERE directory_id = ?")).as("users")
                .isEqualTo(users);
        assertThat(membershipRows("SELECT group_id || '|' || user_id AS m FROM directory_group_memberships"
                + " WHERE directory_id = ?")).as("memberships").isEqualTo(memberships);
    }

    private Map<String, String> names(String sql) {
        Map<String, String> out = new TreeMap<>();
        f.query(sql, directory).forEach(r -> out.put((String) r.get("id"), (String) r.get("name")));
        return out;
    }

    private Set<String> membershipRows(String sql) {
        Set<String> out = new TreeSet<>();
        f.query(sql, directory).forEach(r -> out.add((String) r.get("m")));
        return out;
    }
}
