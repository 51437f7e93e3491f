package dev.dsync.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dsync.embedded.EmbeddedKafka;
import dev.dsync.events.EventParser;
import dev.dsync.events.EventTimes;
import dev.dsync.events.Topics;
import dev.dsync.workos.fake.FakeWorkosApi;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./dsync up} with a WorkOS API key, against a local fake of WorkOS's API that is down when the stack starts:
 * the bootstrap brings a directory that existed before dsync into the mirror; changes WorkOS made without any event
 * are found and repaired by a reconciliation, whose drift report lists them; a change made while the listing runs
 * is not undone by it; and a second reconciliation finds nothing.
 */
@Tag("integration")
class ReconciliationEndToEndTest {

    static final String KEY = "sk_test_reconciliation";
    static final String A = "directory_rec_a";
    static final String C = "directory_rec_c";
    static final int USERS = 150;
    static final int GROUPS = 4;

    @TempDir
    Path dataDir;

    @Test
    void bootstrapThenReconciliationRepairsWhatNoEventSaid() throws Exception {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(log, true, StandardCharsets.UTF_8);
        int apiPort = EmbeddedKafka.freePort();
        try (LocalStackAccess stack = LocalStackAccess.startIsolated(dataDir, Map.of(
                "WORKOS_API_KEY", KEY,
                "WORKOS_API_URL", "http://127.0.0.1:" + apiPort,
                "DSYNC_EVENTS_POLL_INTERVAL", "PT0.2S",
                "DSYNC_RECONCILE_INTERVAL", "off",
                "DSYNC_COMMIT_INTERVAL", "PT0.2S"), out);
             // WorkOS's API comes up only after the stack: dsync must wait for it, not fail
             FakeWorkosApi workos = FakeWorkosApi.start(KEY, apiPort)) {
            HostileTraffic traffic = new HostileTraffic(stack);
            Instant past = Instant.now().minus(Duration.ofDays(2));
            String at = EventTimes.format(past);
            workos.publish("dsync.activated", HostileTraffic.directory(A, at).toString(), past);
            for (int g = 0; g < GROUPS; g++) {
                workos.publish("dsync.group.created", HostileTraffic.group(A, group(g), at).toString(), past);
            }
            for (int u = 0; u < USERS; u++) {
                ObjectNode user = HostileTraffic.user(A, user(u), at);
                workos.publish("dsync.user.created", user.toString(), past);
                workos.publish("dsync.group.user_added", membership(user, HostileTraffic.group(A, group(u % GROUPS), at)),
                        past);
            }

            // 1. the bootstrap: everything, through the input topic, marked as reconciliation
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                assertThat(count(traffic, "select count(*) from directory_users where directory_id = ?", A)).isEqualTo(USERS);
                assertThat(count(traffic, "select count(*) from directory_group_memberships where directory_id = ?", A))
                        .isEqualTo(USERS);
                assertThat(count(traffic, "select count(*) from directory_groups where directory_id = ?", A)).isEqualTo(GROUPS);
                JsonNode sync = json(traffic.query("directories", A, "sync"));
                assertThat(sync.path("last_reconciliation").path("trigger").asText()).isEqualTo("bootstrap");
            });
            JsonNode boot = json(traffic.query("directories", A, "sync")).get("last_reconciliation");
            assertThat(boot.path("drift").path("directories").path("missing").asLong()).isEqualTo(1);
            assertThat(boot.path("drift").path("groups").path("missing").asLong()).isEqualTo(GROUPS);
            assertThat(boot.path("drift").path("users").path("missing").asLong()).isEqualTo(USERS);
            assertThat(boot.path("drift").path("memberships").path("missing").asLong()).isEqualTo(USERS);
            assertThat(boot.path("repaired").asLong()).isEqualTo(1 + GROUPS + 2L * USERS);
            assertThat(json(traffic.query("directories", A)).has("inferred")).isFalse();
            assertThat(traffic.readAll(Topics.EVENTS)).hasSize(1 + GROUPS + 2 * USERS)
                    .allSatisfy(r -> assertThat(HostileTraffic.header(r, "dsync-source")).isEqualTo("reconciliation"));

            // 2. WorkOS changes things and sends no event; the mirror holds a directory WorkOS does not know
            Instant now = Instant.now();
            String t = EventTimes.format(now);
            ObjectNode renamed = HostileTraffic.user(A, user(1), at).put("first_name", "Renamed").put("updated_at", t);
            workos.applySilently("dsync.user.updated", renamed.toString());
            ObjectNode added = HostileTraffic.user(A, "user_new", t);
            workos.applySilently("dsync.user.created", added.toString());
            workos.applySilently("dsync.group.user_added", membership(added, HostileTraffic.group(A, group(0), at)));
            workos.applySilently("dsync.user.deleted", HostileTraffic.user(A, user(2), at).put("updated_at", t).toString());
            workos.applySilently("dsync.group.user_removed",
                    membership(HostileTraffic.user(A, user(3), at), HostileTraffic.group(A, group(3), at)));
            String old = EventTimes.format(now.minusSeconds(60));
            assertThat(traffic.post(HostileTraffic.bytes(HostileTraffic.envelope("event_c_1", "dsync.activated",
                    HostileTraffic.directory(C, old), old))).status()).isEqualTo(200);
            assertThat(traffic.post(HostileTraffic.bytes(HostileTraffic.envelope("event_c_2", "dsync.user.created",
                    HostileTraffic.user(C, "user_c", old), old))).status()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(30)).until(() -> traffic.queryUser(C, "user_c") != null);

            // while the users of A are being listed (second page), WorkOS creates one and updates another
            AtomicBoolean raced = new AtomicBoolean();
            workos.beforePage(request -> {
                if (request.startsWith("/directory_users") && request.contains("after=") && raced.compareAndSet(false, true)) {
                    Instant late = Instant.now();
                    workos.publish("dsync.user.created", HostileTraffic.user(A, "user_late", EventTimes.format(late))
                            .toString(), late);
                    workos.publish("dsync.user.updated", HostileTraffic.user(A, user(1), at).put("first_name", "Later")
                            .put("updated_at", EventTimes.format(late)).toString(), late);
                }
            });
            JsonNode run = reconcile(traffic, null);
            assertThat(raced).isTrue();
            assertThat(run.path("status").asText()).isEqualTo("completed");
            assertThat(run.path("directories").asLong()).isEqualTo(2);

            JsonNode drift = json(traffic.query("directories", A, "sync")).path("last_reconciliation").path("drift");
            assertThat(counts(drift.path("users"))).isEqualTo("1/1/1");
            assertThat(drift.path("users").path("examples").path("missing").get(0).asText()).isEqualTo("user_new");
            assertThat(drift.path("users").path("examples").path("extra").get(0).asText()).isEqualTo(user(2));
            assertThat(drift.path("users").path("examples").path("different").get(0).asText()).isEqualTo(user(1));
            assertThat(counts(drift.path("memberships"))).isEqualTo("1/2/0");
            assertThat(counts(drift.path("groups"))).isEqualTo("0/0/0");
            assertThat(counts(drift.path("directories"))).isEqualTo("0/0/0");
            JsonNode driftC = json(traffic.query("directories", C, "sync")).path("last_reconciliation").path("drift");
            assertThat(counts(driftC.path("directories"))).isEqualTo("0/1/0");
            assertThat(counts(driftC.path("users"))).isEqualTo("0/1/0");

            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                assertThat(traffic.queryUser(A, user(2))).isNull();
                assertThat(traffic.queryUser(A, "user_new")).isNotNull();
                assertThat(traffic.queryUser(A, "user_late")).as("created during the listing").isNotNull();
                assertThat(traffic.queryUser(A, user(1)).path("first_name").asText()).isEqualTo("Later");
                assertThat(traffic.query("directories", C).status()).isEqualTo(404);
                assertThat(traffic.query("directories", A, "groups", group(3), "users").body()).doesNotContain(user(3) + "\"");
                assertThat(count(traffic, "select count(*) from directory_users where directory_id = ?", A))
                        .isEqualTo(USERS + 1);
                assertThat(count(traffic, "select count(*) from directory_users where directory_id = ?", C)).isZero();
            });
            double drifted = traffic.topologyMetrics().entrySet().stream()
                    .filter(e -> e.getKey().startsWith("dsync_drift_total{")).mapToDouble(Map.Entry::getValue).sum();
            assertThat(drifted).isEqualTo((1 + GROUPS + 2 * USERS) + 6 + 2);

            // 3. in step now: a second reconciliation finds nothing
            JsonNode second = reconcile(traffic, A);
            assertThat(second.path("status").asText()).isEqualTo("completed");
            assertThat(second.path("drift_total").asLong()).as(second.toString()).isZero();
            HostileTraffic.Answer ready = traffic.get("http://127.0.0.1:" + stack.queryPort() + "/health/ready", false);
            assertThat(ready.status()).as(ready.body()).isEqualTo(200);
            JsonNode workosApi = HostileTraffic.healthCheck(ready, "workos_api");
            assertThat(workosApi.path("data").path("status").asText()).as(ready.body()).isEqualTo("UP");
        }
        assertThat(log.toString(StandardCharsets.UTF_8)).doesNotContain(KEY);
    }

    private static JsonNode reconcile(HostileTraffic traffic, String directoryId) throws Exception {
        HttpResponse<String> posted = traffic.http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + traffic.stack.queryPort() + "/v1/reconciliations"))
                .header("Authorization", "Bearer " + traffic.stack.queryToken())
                .POST(HttpRequest.BodyPublishers.ofString(directoryId == null ? ""
                        : "{\"directory_id\":\"" + directoryId + "\"}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(posted.statusCode()).as(posted.body()).isEqualTo(202);
        String id = EventParser.MAPPER.readTree(posted.body()).path("id").asText();
        JsonNode[] done = new JsonNode[1];
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300)).until(() -> {
            HostileTraffic.Answer a = traffic.query("reconciliations", id);
            if (a.status() != 200) {
                return false;
            }
            done[0] = EventParser.MAPPER.readTree(a.body());
            String status = done[0].path("status").asText();
            return status.equals("completed") || status.equals("failed");
        });
        return done[0];
    }

    private static String counts(JsonNode kind) {
        return kind.path("missing").asLong() + "/" + kind.path("extra").asLong() + "/" + kind.path("different").asLong();
    }

    private static JsonNode json(HostileTraffic.Answer a) throws Exception {
        assertThat(a.status()).as(a.body()).isEqualTo(200);
        return EventParser.MAPPER.readTree(a.body());
    }

    private static long count(HostileTraffic traffic, String sql, String directoryId) throws Exception {
        try (var c = java.sql.DriverManager.getConnection(traffic.stack.jdbcUrl(), "dsync", "dsync");
             var s = c.prepareStatement(sql)) {
            s.setString(1, directoryId);
            try (var rs = s.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static String membership(ObjectNode user, ObjectNode group) {
        ObjectNode data = EventParser.MAPPER.createObjectNode().put("directory_id", user.get("directory_id").asText());
        data.set("user", user);
        data.set("group", group);
        return data.toString();
    }

    private static String user(int i) {
        return "user_%03d".formatted(i);
    }

    private static String group(int i) {
        return "group_%d".formatted(i);
    }
}
