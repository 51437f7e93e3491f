package dev.dsync.embedded;

import static dev.dsync.embedded.MirrorFixture.membership;
import static dev.dsync.embedded.MirrorFixture.membershipKey;
import static dev.dsync.embedded.MirrorFixture.user;
import static dev.dsync.embedded.MirrorFixture.with;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.dsync.events.Topics;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Connect worker is killed (SIGKILL, in its own JVM) while change-log records are still being produced, and a
 * new worker picks up: the mirror ends with exactly the expected rows. Then {@link PostgresMirror} brings up a
 * brand-new database, which is rebuilt from the compacted topics.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Tag("integration")
class ConnectWorkerRestartTest {

    private static final String DIRECTORY = "directory_restart";
    private static final int USERS = 4000;

    @TempDir
    static Path dir;
    static MirrorFixture f;

    @BeforeAll
    static void startAll() {
        f = MirrorFixture.start(dir, false);
    }

    @AfterAll
    static void stopAll() {
        if (f != null) {
            f.close();
        }
    }

    /** The records, in production order: inserts, then updates of every third user, then tombstones of every fifth. */
    private static List<Runnable> stream() {
        List<Runnable> sends = new ArrayList<>();
        for (int i = 0; i < USERS; i++) {
            String id = DIRECTORY + "_user_" + i;
            sends.add(() -> f.send(Topics.USERS, id, with(user(id, DIRECTORY), "name", "v1")));
            sends.add(() -> f.send(Topics.MEMBERSHIPS, membershipKey("directory_group_restart", id),
                    membership("directory_group_restart", id, DIRECTORY)));
        }
        for (int i = 0; i < USERS; i += 3) {
            String id = DIRECTORY + "_user_" + i;
            sends.add(() -> f.send(Topics.USERS, id, with(user(id, DIRECTORY), "name", "v2")));
        }
        for (int i = 0; i < USERS; i += 5) {
            String id = DIRECTORY + "_user_" + i;
            sends.add(() -> f.send(Topics.USERS, id, null));
            sends.add(() -> f.send(Topics.MEMBERSHIPS, membershipKey("directory_group_restart", id), null));
        }
        return sends;
    }

    private static Map<String, String> expectedUsers() {
        Map<String, String> expected = new TreeMap<>();
        for (int i = 0; i < USERS; i++) {
            if (i % 5 != 0) {
                expected.put(DIRECTORY + "_user_" + i, i % 3 == 0 ? "v2" : "v1");
            }
        }
        return expected;
    }

    private static Map<String, String> actualUsers() {
        Map<String, String> actual = new TreeMap<>();
        f.query("SELECT id, name FROM directory_users WHERE directory_id = ?", DIRECTORY)
                .forEach(r -> actual.put((String) r.get("id"), (String) r.get("name")));
        return actual;
    }

    private static long memberships() {
        return f.count("SELECT count(*) FROM directory_group_memberships WHERE directory_id = ?", DIRECTORY);
    }

    @Test
    @Order(1)
    void workerKilledMidStreamAndRestartedEndsWithExactlyTheExpectedRows() throws Exception {
        int childPort = EmbeddedKafka.freePort();
        Path childLog = dir.resolve("child-worker.log");
        String classpath = Optional.ofNullable(System.getProperty("surefire.test.class.path"))
                .orElse(System.getProperty("java.class.path"));
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-cp", classpath, ChildConnectWorker.class.getName(),
                f.kafka.bootstrapServers(), dir.resolve("connect").toString(), String.valueOf(childPort),
                f.pg.jdbcUrl(), LocalPostgres.USER, LocalPostgres.PASSWORD)
                .redirectErrorStream(true).redirectOutput(childLog.toFile()).start();
        try {
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).until(() -> {
                assertThat(child.isAlive()).as("child worker died: " + Files.readString(childLog)).isTrue();
                return Files.readString(childLog).contains("CHILD-WORKER-RUNNING");
            });

            // produce in the background, paced, so the kill lands while records are still arriving
            List<Runnable> sends = stream();
            AtomicBoolean producing = new AtomicBoolean(true);
            CompletableFuture<Void> producer = CompletableFuture.runAsync(() -> {
                for (int i = 0; i < sends.size(); i++) {
                    sends.get(i).run();
                    if (i % 250 == 249) {
                        f.flush();
                        MirrorFixture.sleep(40);
                    }
                }
                f.flush();
                producing.set(false);
            });

            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
                    .until(() -> actualUsers().size() >= 300);
            child.destroyForcibly();                     // SIGKILL: no offset commit, no group leave
            assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();
            boolean midStream = producing.get();
            int rowsAtKill = actualUsers().size();
            MirrorFixture.log("killed the worker (exit %d) with %d user rows written, producer still running: %s",
                    child.exitValue(), rowsAtKill, midStream);
            assertThat(midStream).as("the kill should land while records are still being produced").isTrue();

            producer.get(120, TimeUnit.SECONDS);
            // nothing moves while no worker runs
            MirrorFixture.sleep(500);
            int rowsWhileDown = actualUsers().size();
            MirrorFixture.sleep(1000);
            assertThat(actualUsers()).hasSize(rowsWhileDown);

            long restart = System.nanoTime();
            f.startWorker();
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(100))
                    .until(() -> actualUsers().equals(expectedUsers()) && memberships() == expectedUsers().size());
            MirrorFixture.log("mirror complete %d ms after the new worker started", MirrorFixture.ms(System.nanoTime() - restart));

            // and it stays exact: no late duplicates or resurrected rows
            MirrorFixture.sleep(1500);
            assertThat(actualUsers()).isEqualTo(expectedUsers());
            assertThat(memberships()).isEqualTo(expectedUsers().size());
        } finally {
            if (child.isAlive()) {
                child.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    @Order(2)
    void aNewDatabaseIsRebuiltFromTheChangeLogs() throws Exception {
        // a restarted worker keeps its place; a brand-new database must not start from there
        f.worker.close();
        f.worker = null;
        Path mirrorDir = dir.resolve("fresh");
        PostgresMirror.Settings settings = new PostgresMirror.Settings(f.kafka.bootstrapServers(), mirrorDir,
                Optional.empty(), 0, 0);
        try (PostgresMirror mirror = PostgresMirror.start(settings)) {
            assertThat(mirror.migrationsApplied()).containsExactly(1);
            assertThat(mirror.localPostgres()).isPresent();
            assertThat(mirror.psqlCommand()).startsWith("psql postgresql://dsync:dsync@127.0.0.1:");
            assertThat(Files.isDirectory(mirrorDir.resolve("postgres"))).isTrue();
            MirrorFixture fresh = MirrorFixture.view(mirror.localPostgres().get());
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(100)).until(() ->
                    fresh.count("SELECT count(*) FROM directory_users WHERE directory_id = ?", DIRECTORY)
                            == expectedUsers().size()
                    && fresh.count("SELECT count(*) FROM directory_group_memberships WHERE directory_id = ?", DIRECTORY)
                            == expectedUsers().size());
            assertThat(fresh.count("SELECT count(*) FROM directory_users WHERE name = 'v2'"))
                    .isEqualTo(expectedUsers().values().stream().filter("v2"::equals).count());
        }
        assertThat(new File(mirrorDir.resolve("postgres").toFile(), "PG_VERSION")).exists();
    }
}
