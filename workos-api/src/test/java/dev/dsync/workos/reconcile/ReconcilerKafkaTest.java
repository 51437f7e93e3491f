package dev.dsync.workos.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dsync.embedded.EmbeddedKafka;
import dev.dsync.events.EventParser;
import dev.dsync.events.Topics;
import dev.dsync.workos.WorkosApiMetrics;
import dev.dsync.workos.WorkosClient;
import dev.dsync.workos.fake.FakeWorkosApi;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The reconciler against a real broker and a fake WorkOS over HTTP (no topology: the change-logs stay empty, so
 * every run sees an empty mirror). A bootstrap cut off half-way by a change of leader starts over and completes; a
 * 429 storm and a 5xx spell only slow it down; requests made on any instance are run by the leader and reported.
 */
@Tag("integration")
class ReconcilerKafkaTest {

    static final String KEY = "sk_test_reconciler_kafka";
    static EmbeddedKafka kafka;

    @BeforeAll
    static void startKafka() throws Exception {
        kafka = new EmbeddedKafka(Files.createTempDirectory("dsync-reconciler-kafka"), 0).start();
        kafka.createTopics(List.of(Topics.EVENTS, Topics.DIRECTORIES, Topics.USERS, Topics.GROUPS, Topics.MEMBERSHIPS), 3);
    }

    @AfterAll
    static void stopKafka() {
        kafka.close();
    }

    @Test
    void anInterruptedBootstrapStartsOverAndCompletesThroughRateLimitsAndErrors() throws Exception {
        try (FakeWorkosApi workos = FakeWorkosApi.start(KEY)) {
            Instant t = Instant.now().minus(Duration.ofDays(1));
            String dir = "directory_kafka_boot";
            workos.publish("dsync.activated", DirectoryReconciliationTest.directory(t).replace(
                    DirectoryReconciliationTest.DIR, dir), t);
            int users = 250; // three pages
            for (int u = 0; u < users; u++) {
                workos.publish("dsync.user.created", DirectoryReconciliationTest.user("user_" + u, t, "Zed")
                        .replace(DirectoryReconciliationTest.DIR, dir), t);
            }
            AtomicBoolean leader = new AtomicBoolean(true);
            AtomicInteger userPages = new AtomicInteger();
            workos.beforePage(request -> {
                // the leader changes while the second page of users is read: this run must stop writing
                if (request.startsWith("/directory_users") && userPages.incrementAndGet() == 2) {
                    leader.set(false);
                }
            });
            // shorter waits, which have no variable
            WorkosClient client = new WorkosClient(new WorkosClient.Settings(KEY, workos.url(), 20, 4,
                    Duration.ofSeconds(30), Duration.ofMillis(50), Duration.ofMillis(200), Duration.ofSeconds(60),
                    Duration.ofMillis(200)), new WorkosApiMetrics());
            try (Reconciler reconciler = Reconciler.start(settings("cursor-boot", "reconciliations-boot"), client,
                    leader::get, new SimpleMeterRegistry())) {
                await().atMost(Duration.ofSeconds(30)).until(() -> userPages.get() >= 2);
                Thread.sleep(1500);
                assertThat(reconciler.log().lastFull()).as("no bootstrap completed").isEmpty();
                int writtenBeforeTakeover = kafka.readAll(Topics.EVENTS).size();
                assertThat(writtenBeforeTakeover).isLessThan(1 + users);

                workos.beforePage(null);
                workos.rateLimitNext(5, "0");
                workos.failNext(3, 503);
                leader.set(true);
                await().atMost(Duration.ofSeconds(60)).until(() -> reconciler.log().lastFull().isPresent());

                JsonNode full = reconciler.log().lastFull().orElseThrow();
                assertThat(full.path("trigger").asText()).isEqualTo("bootstrap");
                assertThat(full.path("status").asText()).isEqualTo("completed");
                assertThat(full.path("repaired").asLong()).isEqualTo(1 + users);
                List<ConsumerRecord<String, byte[]>> input = kafka.readAll(Topics.EVENTS);
                Set<String> userIds = input.stream().map(r -> json(r.value()))
                        .filter(e -> e.path("event").asText().equals("dsync.user.created"))
                        .map(e -> e.path("data").path("id").asText()).collect(Collectors.toSet());
                assertThat(userIds).hasSize(users);
                assertThat(input).allSatisfy(r -> assertThat(r.key()).isEqualTo(dir));

                // each directory's result is on the reconciliations topic
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(reconciler.log().directory(dir))
                        .hasValueSatisfying(r -> assertThat(r.path("drift").path("users").path("missing").asLong())
                                .isEqualTo(users)));

                // a request, then its run reported under the request's id
                JsonNode request = reconciler.request(dir);
                String id = request.path("id").asText();
                await().atMost(Duration.ofSeconds(30)).until(() -> reconciler.status(id)
                        .map(s -> s.path("status").asText().equals("completed")).orElse(false));
                assertThat(reconciler.status(id).orElseThrow().path("trigger").asText()).isEqualTo("request");
                assertThat(workos.rateLimited() + client.metrics().count("dsync.workos.api.rate.limited")).isPositive();
            }
        }
    }

    @Test
    void aGapThePollerFlaggedIsClosedByAReconciliationOfEveryDirectory() throws Exception {
        String cursorTopic = "cursor-gap";
        try (FakeWorkosApi workos = FakeWorkosApi.start(KEY)) {
            WorkosClient client = new WorkosClient(WorkosClient.Settings.fromEnv(Map.of("WORKOS_API_KEY", KEY,
                    "WORKOS_API_URL", workos.url().toString())), new WorkosApiMetrics());
            AtomicBoolean leader = new AtomicBoolean(true);
            try (Reconciler reconciler = Reconciler.start(settings(cursorTopic, "reconciliations-gap"), client,
                    leader::get, new SimpleMeterRegistry())) {
                await().atMost(Duration.ofSeconds(30)).until(() -> reconciler.log().lastFull().isPresent());
                assertThat(reconciler.log().lastFull().orElseThrow().path("trigger").asText()).isEqualTo("bootstrap");
                assertThat(reconciler.gapOpen()).isFalse();
                leader.set(false);

                // the poller finds its cursor past the Events API's retention and says so in the cursor record
                Instant now = Instant.now();
                var cursor = dev.dsync.workos.CursorState.startingAt(now.minus(Duration.ofDays(40)), now)
                        .withGap(new dev.dsync.workos.CursorState.Gap("cursor_expired", now.minus(Duration.ofDays(40)),
                                now.minus(Duration.ofDays(30)), now));
                writeCursor(cursorTopic, cursor);
                await().atMost(Duration.ofSeconds(10)).until(reconciler::gapOpen);
                leader.set(true);
                await().atMost(Duration.ofSeconds(30)).until(() -> reconciler.log().lastFull()
                        .map(r -> r.path("trigger").asText().equals("gap")).orElse(false));
                assertThat(reconciler.gapOpen()).isFalse();

                // a second gap, found after that reconciliation, is open again (it widens the first one)
                leader.set(false);
                var second = cursor.withGap(new dev.dsync.workos.CursorState.Gap("cursor_rejected", now,
                        Instant.now(), Instant.now()));
                writeCursor(cursorTopic, second);
                await().atMost(Duration.ofSeconds(10)).until(reconciler::gapOpen);
            }
        }
    }

    @Test
    void aStandbyNeverTalksToWorkos() throws Exception {
        try (FakeWorkosApi workos = FakeWorkosApi.start(KEY)) {
            WorkosClient client = new WorkosClient(WorkosClient.Settings.fromEnv(Map.of("WORKOS_API_KEY", KEY,
                    "WORKOS_API_URL", workos.url().toString())), new WorkosApiMetrics());
            try (Reconciler standby = Reconciler.start(settings("cursor-standby", "reconciliations-standby"), client,
                    () -> false, new SimpleMeterRegistry())) {
                JsonNode request = standby.request(null);
                await().atMost(Duration.ofSeconds(10)).until(() -> standby.log().caughtUp());
                Thread.sleep(2000);
                assertThat(workos.requests()).isEmpty();
                assertThat(standby.status(request.path("id").asText())).hasValueSatisfying(
                        s -> assertThat(s.path("status").asText()).isEqualTo("requested"));
            }
        }
    }

    /** Stores {@code cursor} as the poller would, gap and all. */
    private static void writeCursor(String cursorTopic, dev.dsync.workos.CursorState cursor) throws Exception {
        try (var producer = new org.apache.kafka.clients.producer.KafkaProducer<String, byte[]>(java.util.Map.of(
                "bootstrap.servers", kafka.bootstrapServers()), new org.apache.kafka.common.serialization.StringSerializer(),
                new org.apache.kafka.common.serialization.ByteArraySerializer())) {
            producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(cursorTopic, 0,
                    dev.dsync.workos.CursorState.KEY, cursor.toJson())).get();
        }
    }

    private static Reconciler.Settings settings(String cursorTopic, String reconciliationsTopic) {
        return new Reconciler.Settings(kafka.bootstrapServers(), Topics.EVENTS, cursorTopic, reconciliationsTopic,
                null, 2, 3, (short) 1, false);
    }

    private static JsonNode json(byte[] value) {
        try {
            return EventParser.MAPPER.readTree(new String(value, StandardCharsets.UTF_8));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
