package dev.dsync.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dsync.events.EventParser;
import dev.dsync.events.Topics;
import dev.dsync.workos.fake.FakeWorkosApi;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./dsync up} with {@code WORKOS_API_KEY} set follows WorkOS's Events API (here a local fake that speaks its
 * protocol): events no webhook delivered reach the query API and PostgreSQL through the same topic and rules, marked
 * {@code dsync-source: events-api}, and the poller's metrics are on the query port's /metrics.
 */
@Tag("integration")
class EventsApiEndToEndTest {

    static final String KEY = "sk_test_end_to_end";
    static final String DIR = "directory_events_api_1";

    @TempDir
    Path dataDir;

    @Test
    void eventsMissedByWebhooksArriveThroughTheEventsApi() throws Exception {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(log, true, StandardCharsets.UTF_8);
        try (FakeWorkosApi workos = FakeWorkosApi.start(KEY)) {
            Instant t = Instant.now().minusSeconds(30);
            workos.add("dsync.activated", DIR, t);
            List<String> users = new ArrayList<>();
            for (int i = 1; i <= 5; i++) {
                users.add(userId(workos.add("dsync.user.created", DIR, t.plusMillis(i))));
            }
            try (LocalStackAccess stack = LocalStackAccess.startIsolated(dataDir, Map.of(
                    "WORKOS_API_KEY", KEY,
                    "WORKOS_API_URL", workos.url().toString(),
                    "DSYNC_EVENTS_POLL_INTERVAL", "PT0.2S",
                    "DSYNC_EVENTS_START_AT", t.minusSeconds(60).toString(),
                    "DSYNC_COMMIT_INTERVAL", "PT0.2S"), out)) {
                HostileTraffic traffic = new HostileTraffic(stack);
                // one more while running: the poller keeps following
                users.add(userId(workos.add("dsync.user.created", DIR, Instant.now())));

                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
                    for (String user : users) {
                        JsonNode u = traffic.queryUser(DIR, user);
                        assertThat(u).as(user).isNotNull();
                        assertThat(u.get("directory_id").asText()).isEqualTo(DIR);
                    }
                    try (var c = DriverManager.getConnection(stack.jdbcUrl(), "dsync", "dsync");
                         var rs = c.createStatement().executeQuery(
                                 "select count(*) from directory_users where directory_id = '" + DIR + "'")) {
                        rs.next();
                        assertThat(rs.getInt(1)).isEqualTo(users.size());
                    }
                });

                // every event reached the input through the Events API, once; the bootstrap (which also sees this
                // world, racing the poller) may have written repairs of its own, marked as such
                List<ConsumerRecord<byte[], byte[]>> input = traffic.readAll(Topics.EVENTS);
                List<String> polled = input.stream()
                        .filter(r -> "events-api".equals(HostileTraffic.header(r, "dsync-source")))
                        .map(r -> HostileTraffic.header(r, "workos-event-id")).toList();
                assertThat(polled).containsExactlyInAnyOrderElementsOf(
                        workos.events().stream().map(FakeWorkosApi.StoredEvent::id).toList());
                assertThat(input).allSatisfy(r -> assertThat(HostileTraffic.header(r, "dsync-source"))
                        .isIn("events-api", "reconciliation"));
                // one provisioning record per entity, whichever copy came first
                List<ConsumerRecord<byte[], byte[]>> provisioning = traffic.readAll(Topics.PROVISIONING);
                assertThat(provisioning).hasSize(users.size() + 1).allSatisfy(r -> assertThat(
                        EventParser.MAPPER.readTree(r.value()).get("cause").get("source").asText())
                        .isIn("events-api", "reconciliation"));
                assertThat(traffic.topologyMetrics().keySet()).anyMatch(m -> m.startsWith("dsync_workos_api_requests"));
                assertThat(workos.requests()).isNotEmpty().allSatisfy(r -> {
                    assertThat(r.authorization()).isEqualTo("Bearer " + KEY);
                    assertThat(r.userAgent()).startsWith("dsync/");
                });
            }
        }
        assertThat(log.toString(StandardCharsets.UTF_8)).doesNotContain(KEY);
    }

    static String userId(FakeWorkosApi.StoredEvent e) throws Exception {
        return EventParser.MAPPER.readTree(e.json()).get("data").get("id").asText();
    }
}
