package dev.dsync.workos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.dsync.embedded.EmbeddedKafka;
import dev.dsync.workos.fake.FakeWorkosApi;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;

/**
 * The poller against a real in-process KRaft broker and the fake WorkOS API over real HTTP. Each test has its own
 * topics, consumer group and transactional id on the shared broker.
 */
@Timeout(120)
@Tag("integration")
class EventsPollerKafkaTest {

    private static final String KEY = "sk_test_poller_0123456789";
    private static final List<String> DIRECTORIES = List.of("directory_01ALPHA", "directory_01BRAVO", "directory_01CHARLIE");
    private static EmbeddedKafka kafka;

    private FakeWorkosApi fake;
    private String prefix;
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @BeforeAll
    static void startKafka() throws Exception {
        kafka = new EmbeddedKafka(Files.createTempDirectory("dsync-workos-api-kafka"), 0).start();
    }

    @AfterAll
    static void stopKafka() {
        kafka.close();
    }

    @BeforeEach
    void setUp(TestInfo test) {
        fake = FakeWorkosApi.start(KEY);
        prefix = "t" + test.getTestMethod().orElseThrow().getName().hashCode() + "." + System.nanoTime();
        kafka.createTopics(List.of(eventsTopic(), otherTopic()), 3);
        kafka.createTopics(List.of(cursorTopic()), 1);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : toClose.reversed()) {
            c.close();
        }
        fake.close();
    }

    private String eventsTopic() {
        return prefix + ".events";
    }

    private String otherTopic() {
        return prefix + ".other";
    }

    private String cursorTopic() {
        return prefix + ".cursor";
    }

    private EventsPoller.Settings settings(Instant startAt) {
        return new EventsPoller.Settings(kafka.bootstrapServers(), eventsTopic(), otherTopic(), cursorTopic(),
                prefix + ".group", prefix + ".txn", Duration.ofMillis(200), Duration.ofMinutes(1), 500,
                Duration.ofDays(30), startAt, Duration.ofSeconds(6), 3, (short) 1);
    }

    private WorkosClient client(String key) {
        // shorter waits, which have no variable
        return new WorkosClient(new WorkosClient.Settings(key, fake.url(), 50, 4, Duration.ofSeconds(30),
                Duration.ofMillis(50), Duration.ofMillis(500), Duration.ofSeconds(60), Duration.ofSeconds(1)),
                new WorkosApiMetrics());
    }

    private EventsPoller poller(Instant startAt) {
        return poller(startAt, client(KEY));
    }

    private EventsPoller poller(Instant startAt, WorkosClient client) {
        EventsPoller poller = EventsPoller.start(settings(startAt), client);
        toClose.add(poller);
        return poller;
    }

    /** {@code count} events one second apart, starting {@code minutesAgo} minutes ago, cycling the types. */
    private List<FakeWorkosApi.StoredEvent> addEvents(int count, Instant from) {
        String[] types = {"dsync.user.created", "dsync.group.created", "dsync.group.user_added", "dsync.user.updated",
                "dsync.activated", "dsync.group.user_removed", "dsync.user.deleted"};
        List<FakeWorkosApi.StoredEvent> added = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            added.add(fake.add(types[i % types.length], DIRECTORIES.get(i % DIRECTORIES.size()), from.plusSeconds(i)));
        }
        return added;
    }

    private static Set<String> ids(List<FakeWorkosApi.StoredEvent> events) {
        return events.stream().map(FakeWorkosApi.StoredEvent::id).collect(Collectors.toSet());
    }

    private static String header(ConsumerRecord<String, byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private static List<String> eventIds(List<ConsumerRecord<String, byte[]>> records) {
        return records.stream().map(r -> header(r, dev.dsync.events.InputHeaders.EVENT_ID)).toList();
    }

    @Test
    void catchesUpFromAStoredCursorWritingTheGatewaysRecordFormat() throws Exception {
        Instant twoHoursAgo = Instant.now().minus(Duration.ofHours(2));
        List<FakeWorkosApi.StoredEvent> events = addEvents(250, twoHoursAgo);
        FakeWorkosApi.StoredEvent orphan = fake.addWithData("dsync.user.created", twoHoursAgo.plusSeconds(300),
                "{\"object\":\"directory_user\",\"id\":\"directory_user_orphan\"}");
        FakeWorkosApi.StoredEvent stored = events.get(49);
        writeCursor(new CursorState(stored.id(), stored.createdAt(), twoHoursAgo, List.of(), null, null, Instant.now()));

        EventsPoller poller = poller(null);

        List<FakeWorkosApi.StoredEvent> expected = events.subList(50, 250);
        await().atMost(Duration.ofSeconds(60)).until(() -> kafka.readAll(eventsTopic()).size() >= expected.size());
        List<ConsumerRecord<String, byte[]>> records = kafka.readAll(eventsTopic());
        assertThat(eventIds(records)).containsExactlyInAnyOrderElementsOf(ids(expected));
        Map<String, FakeWorkosApi.StoredEvent> byId = expected.stream()
                .collect(Collectors.toMap(FakeWorkosApi.StoredEvent::id, e -> e));
        for (ConsumerRecord<String, byte[]> r : records) {
            FakeWorkosApi.StoredEvent e = byId.get(header(r, dev.dsync.events.InputHeaders.EVENT_ID));
            assertThat(r.key()).isEqualTo(e.directoryId());
            assertThat(new String(r.value(), StandardCharsets.UTF_8)).isEqualTo(e.json());
            assertThat(header(r, dev.dsync.events.InputHeaders.EVENT_TYPE)).isEqualTo(e.type());
            assertThat(header(r, dev.dsync.events.InputHeaders.SOURCE)).isEqualTo("events-api");
            assertThat(Long.parseLong(header(r, dev.dsync.events.InputHeaders.RECEIVED_AT))).isPositive();
            assertThat(r.headers().lastHeader("workos-signature-timestamp")).isNull();
        }
        // per directory, in the Events API's order
        for (String directory : DIRECTORIES) {
            List<String> inPartition = records.stream().filter(r -> r.key().equals(directory))
                    .map(r -> header(r, dev.dsync.events.InputHeaders.EVENT_ID)).toList();
            assertThat(inPartition).isSorted();
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> kafka.readAll(otherTopic()).size() == 1);
        ConsumerRecord<String, byte[]> other = kafka.readAll(otherTopic()).getFirst();
        assertThat(other.key()).isEqualTo(orphan.id());
        assertThat(new String(other.value(), StandardCharsets.UTF_8)).isEqualTo(orphan.json());

        // caught up: the cursor trails the newest event by the safety window, and it is on Kafka
        await().atMost(Duration.ofSeconds(20)).until(() -> poller.cursor().map(CursorState::checkedAt).isPresent());
        CursorState onKafka = readCursor();
        assertThat(onKafka.newest().id()).isEqualTo(orphan.id());
        assertThat(onKafka.after()).isNotNull();
        assertThat(Duration.between(onKafka.afterCreatedAt(), orphan.createdAt())).isBetween(Duration.ofSeconds(59), Duration.ofSeconds(61));
        assertThat(poller.reconciliationNeeded()).isEmpty();
        assertThat(poller.active()).isTrue();
    }

    @Test
    void aNewPollerContinuesWhereTheOldStoppedWithNothingLost() throws Exception {
        Instant start = Instant.now().minus(Duration.ofMinutes(30));
        List<FakeWorkosApi.StoredEvent> all = new ArrayList<>(addEvents(150, start));
        EventsPoller first = poller(start);
        await().atMost(Duration.ofSeconds(60)).until(() -> kafka.readAll(eventsTopic()).size() >= 150);
        first.close();

        all.addAll(addEvents(150, start.plusSeconds(150)));
        EventsPoller second = poller(start);
        await().atMost(Duration.ofSeconds(60)).until(() -> new HashSet<>(eventIds(kafka.readAll(eventsTopic()))).containsAll(ids(all)));
        await().atMost(Duration.ofSeconds(20)).until(() -> second.cursor().map(CursorState::checkedAt).isPresent());

        List<String> written = eventIds(kafka.readAll(eventsTopic()));
        assertThat(new HashSet<>(written)).isEqualTo(ids(all));
        // re-reading the safety window skips what the stored window says was written: no duplicates here
        assertThat(written).hasSize(all.size());
        // the second poller resumed from the stored cursor instead of re-reading from the start
        long rangeStartRequests = fake.requests().stream().filter(r -> r.query().containsKey("range_start")).count();
        assertThat(rangeStartRequests).isLessThanOrEqualTo(2);
    }

    @Test
    void findsAnEventThatBecomesVisibleAfterLaterOnes() throws Exception {
        Instant now = Instant.now();
        List<FakeWorkosApi.StoredEvent> visible = addEvents(10, now.minusSeconds(40));
        FakeWorkosApi.StoredEvent late = fake.addHidden("dsync.user.updated", DIRECTORIES.getFirst(), now.minusSeconds(35));
        EventsPoller poller = poller(now.minus(Duration.ofMinutes(5)));
        await().atMost(Duration.ofSeconds(30)).until(() -> kafka.readAll(eventsTopic()).size() >= 10
                && poller.cursor().map(CursorState::checkedAt).isPresent());

        fake.reveal(late.id());

        await().atMost(Duration.ofSeconds(30)).until(() -> eventIds(kafka.readAll(eventsTopic())).contains(late.id()));
        List<String> written = eventIds(kafka.readAll(eventsTopic()));
        Set<String> expected = ids(visible);
        expected.add(late.id());
        assertThat(written).containsExactlyInAnyOrderElementsOf(expected);
    }

    @Test
    void aCrashInsideAPageTransactionLosesNothing() throws Exception {
        Instant start = Instant.now().minus(Duration.ofMinutes(30));
        List<FakeWorkosApi.StoredEvent> all = addEvents(450, start);
        WorkosClient crashingClient = client(KEY);
        EventsPoller crashing = poller(start, crashingClient);
        // commit 1 stores the initial cursor, commits 2 and 3 the first two pages; the fourth dies before its commit
        crashing.beforeCommit(n -> {
            if (n == 4) {
                throw new SimulatedCrash();
            }
        });
        // the crash is an uncaught Error on the poller's thread, which Awaitility would otherwise report as a failure
        await().dontCatchUncaughtExceptions().atMost(Duration.ofSeconds(60)).until(() -> !crashing.alive());
        assertThat(eventIds(kafka.readAll(eventsTopic()))).hasSize(200); // the third page's sends are not committed

        EventsPoller successor = poller(start);
        await().atMost(Duration.ofSeconds(60)).until(() -> new HashSet<>(eventIds(kafka.readAll(eventsTopic()))).containsAll(ids(all)));
        List<String> written = eventIds(kafka.readAll(eventsTopic()));
        assertThat(new HashSet<>(written)).isEqualTo(ids(all));
        assertThat(written).hasSize(all.size());
        assertThat(successor.active()).isTrue();
    }

    @Test
    void ridesOutA429StormAndA5xxSpell() throws Exception {
        Instant start = Instant.now().minus(Duration.ofMinutes(30));
        List<FakeWorkosApi.StoredEvent> all = addEvents(250, start);
        fake.rateLimitNext(3, "1");
        fake.rateLimitNext(2, null);
        fake.failNext(4, 503);
        fake.failNext(1, 502);
        WorkosClient client = client(KEY);
        poller(start, client);

        await().atMost(Duration.ofSeconds(60)).until(() -> new HashSet<>(eventIds(kafka.readAll(eventsTopic()))).containsAll(ids(all)));

        assertThat(eventIds(kafka.readAll(eventsTopic()))).hasSize(all.size());
        assertThat(client.metrics().count("dsync.workos.api.rate.limited")).isEqualTo(5);
        assertThat(client.metrics().count("dsync.workos.api.requests", "status", "503")).isEqualTo(4);
        List<FakeWorkosApi.Request> requests = fake.requests();
        assertThat(Duration.between(requests.get(0).at(), requests.get(1).at())).isGreaterThanOrEqualTo(Duration.ofMillis(950));
        assertThat(client.status().degraded()).isFalse();
    }

    @Test
    void aRefusedKeyIsReportedDegradedWithoutACrashLoop() throws Exception {
        Instant start = Instant.now().minus(Duration.ofMinutes(5));
        List<FakeWorkosApi.StoredEvent> all = addEvents(20, start);
        WorkosClient client = client("sk_test_revoked_key");
        EventsPoller poller = poller(start, client);

        await().atMost(Duration.ofSeconds(30)).until(() -> client.status().degraded());
        assertThat(client.status().reason()).isEqualTo("unauthorized");
        int before = fake.requests().size();
        Instant from = Instant.now();
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).until(() -> poller.alive() && poller.active());
        double seconds = Duration.between(from, Instant.now()).toMillis() / 1000.0;
        // one attempt a second (authRetryInterval in this test; 60 s by default), the poller still alive and leading
        assertThat(fake.requests().size() - before).isLessThanOrEqualTo((int) Math.ceil(seconds) + 1);
        assertThat(kafka.readAll(eventsTopic())).isEmpty();

        fake.apiKey("sk_test_revoked_key"); // the operator fixes the key on WorkOS's side

        await().atMost(Duration.ofSeconds(30)).until(() -> eventIds(kafka.readAll(eventsTopic())).size() == all.size());
        assertThat(client.status().degraded()).isFalse();
    }

    @Test
    void onlyOnePollerFetchesAndTheOtherTakesOverWhenItStops() throws Exception {
        Instant start = Instant.now().minus(Duration.ofMinutes(30));
        List<FakeWorkosApi.StoredEvent> all = new ArrayList<>(addEvents(120, start));
        WorkosClient clientA = client(KEY);
        WorkosClient clientB = client(KEY);
        EventsPoller a = poller(start, clientA);
        EventsPoller b = poller(start, clientB);

        await().atMost(Duration.ofSeconds(30)).until(() -> a.active() || b.active());
        EventsPoller leader = a.active() ? a : b;
        EventsPoller standby = leader == a ? b : a;
        WorkosClient leaderClient = leader == a ? clientA : clientB;
        WorkosClient standbyClient = leader == a ? clientB : clientA;
        await().atMost(Duration.ofSeconds(30)).until(() -> eventIds(kafka.readAll(eventsTopic())).size() >= 120
                && leaderClient.metrics().count("dsync.workos.api.requests") >= 5);
        assertThat(standby.active()).isFalse();
        assertThat(standbyClient.metrics().count("dsync.workos.api.requests")).isZero();

        leader.close();
        long stopped = System.nanoTime();
        await().atMost(Duration.ofSeconds(60)).until(standby::active);
        Duration failover = Duration.ofNanos(System.nanoTime() - stopped);
        System.out.println("failover after a clean stop took " + failover.toMillis() + " ms");
        assertThat(failover).isLessThan(Duration.ofSeconds(60));

        all.addAll(addEvents(30, start.plusSeconds(120)));
        await().atMost(Duration.ofSeconds(30)).until(() -> new HashSet<>(eventIds(kafka.readAll(eventsTopic()))).containsAll(ids(all)));
        assertThat(eventIds(kafka.readAll(eventsTopic()))).hasSize(all.size());
        assertThat(standbyClient.metrics().count("dsync.workos.api.requests")).isPositive();
    }

    @Test
    void aCursorOlderThanTheRetentionIsFlaggedForReconciliation() throws Exception {
        Instant longAgo = Instant.now().minus(Duration.ofDays(45));
        writeCursor(new CursorState("event_long_gone", longAgo, longAgo, List.of(), null, null, longAgo));
        List<FakeWorkosApi.StoredEvent> recent = addEvents(5, Instant.now().minus(Duration.ofDays(2)));
        fake.add("dsync.user.created", DIRECTORIES.getFirst(), Instant.now().minus(Duration.ofDays(40))); // expired

        EventsPoller poller = poller(null);

        await().atMost(Duration.ofSeconds(30)).until(() -> poller.reconciliationNeeded().isPresent());
        CursorState.Gap gap = poller.reconciliationNeeded().orElseThrow();
        assertThat(gap.reason()).isEqualTo("cursor_expired");
        assertThat(gap.from()).isEqualTo(longAgo);
        await().atMost(Duration.ofSeconds(30)).until(() -> eventIds(kafka.readAll(eventsTopic())).size() == recent.size());
        assertThat(eventIds(kafka.readAll(eventsTopic()))).containsExactlyInAnyOrderElementsOf(ids(recent));
        // durable: a successor sees the flag too
        assertThat(readCursor().reconciliation()).isNotNull();
    }

    /** Stands for the process dying: an Error that the poller does not handle. */
    private static final class SimulatedCrash extends Error {
        SimulatedCrash() {
            super("simulated crash before commit", null, false, false);
        }
    }

    private void writeCursor(CursorState state) throws Exception {
        Map<String, Object> props = Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(props)) {
            producer.send(new ProducerRecord<>(cursorTopic(), 0, CursorState.KEY, state.toJson())).get();
        }
    }

    private CursorState readCursor() throws Exception {
        List<ConsumerRecord<String, byte[]>> records = kafka.readAll(cursorTopic());
        return CursorState.fromJson(records.getLast().value());
    }

}
