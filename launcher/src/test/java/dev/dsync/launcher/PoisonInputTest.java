package dev.dsync.launcher;

import static dev.dsync.launcher.HostileTraffic.bytes;
import static dev.dsync.launcher.HostileTraffic.counter;
import static dev.dsync.launcher.HostileTraffic.deadLetters;
import static dev.dsync.launcher.HostileTraffic.envelope;
import static dev.dsync.launcher.HostileTraffic.expectedRow;
import static dev.dsync.launcher.HostileTraffic.expectedUser;
import static dev.dsync.launcher.HostileTraffic.header;
import static dev.dsync.launcher.HostileTraffic.now;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dsync.events.EventParser;
import dev.dsync.events.Topics;
import dev.dsync.topology.processing.ParseEventProcessor;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Issue 13, poison inputs: one bad webhook at a time, signed and sent through the gateway of a full stack (broker,
 * topology and query API, Connect, PostgreSQL), each followed by ordinary traffic on every partition of
 * {@code workos.dsync.events}. For each: the gateway's answer, the ordinary traffic converging exactly in the query
 * API and PostgreSQL, the poison applied exactly or dead-lettered with its reason, the counters saying which, and
 * the topology's {@code /health/live} UP all along.
 *
 * <p>One stack for the class (starting one takes most of the time); every case is its own test, with its own
 * users and counter deltas, in a fixed order only so that the deltas are each case's own.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Tag("integration")
class PoisonInputTest {

    private static final int MAX_BODY = 1024 * 1024;
    private static final Duration CONVERGENCE = Duration.ofSeconds(60);

    private Path dataDir;
    private LocalStackAccess stack;
    private HostileTraffic traffic;
    private List<String> directories;
    private String run;
    /** Ordinary users sent so far (id → their created event) and the poison users applied (id → directory). */
    private final Map<String, ObjectNode> ordinary = new LinkedHashMap<>();
    private final Map<String, String> appliedPoison = new LinkedHashMap<>();
    private int round;
    private final ConcurrentLinkedQueue<String> liveFailures = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean probing = new AtomicBoolean(true);
    private Thread prober;

    @BeforeAll
    void startStack() throws Exception {
        dataDir = Files.createTempDirectory("dsync-poison");
        PrintStream out = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        stack = LocalStackAccess.startIsolated(dataDir, Map.of(), out);
        traffic = new HostileTraffic(stack);
        run = Long.toString(System.currentTimeMillis() % 1_000_000, 36);
        directories = HostileTraffic.directoryPerPartition("directory_poison" + run);
        for (String d : directories) {
            String at = now();
            assertThat(traffic.post(bytes(envelope("event_act_" + d, "dsync.activated", HostileTraffic.directory(d, at), at)))
                    .status()).isEqualTo(200);
        }
        prober = Thread.ofVirtual().start(() -> {
            while (probing.get()) {
                HostileTraffic.Answer live = traffic.topologyLive();
                if (live.status() != 200 || !live.body().contains("\"UP\"")) {
                    liveFailures.add(Instant.now() + " " + live.status() + " " + live.body());
                }
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        ordinaryRoundConverges();
    }

    @AfterEach
    void stayedLive() {
        assertThat(liveFailures).as("topology /health/live answers other than UP").isEmpty();
    }

    @AfterAll
    void stopStack() throws Exception {
        probing.set(false);
        if (prober != null) {
            prober.join();
        }
        if (stack != null) {
            stack.close();
        }
        if (dataDir != null) {
            try (var paths = Files.walk(dataDir)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    // (a) event time and updated_at two days ahead: applied (record timestamps are clamped, nothing stops), and it
    // outranks a later genuine update until real time catches up: the version rule, stated here so it is visible.
    @Test
    @Order(1)
    void eventTwoDaysInTheFutureIsAppliedAndOutranksLaterGenuineUpdates() throws Exception {
        Instant future = Instant.now().plus(Duration.ofDays(2)).truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        Outcome o = applied("future2d", future, Duration.ofDays(2));
        // a genuine update sent now, with a real clock, is older than the future version: stale
        String userId = o.userId();
        ObjectNode update = HostileTraffic.user(o.directoryId(), userId, now());
        update.put("name", "Updated Now");
        Map<String, Double> before = traffic.topologyMetrics();
        assertThat(traffic.post(bytes(envelope("event_upd_" + userId, "dsync.user.updated", update, now()))).status())
                .isEqualTo(200);
        ordinaryRoundConverges();
        Map<String, Double> after = traffic.topologyMetrics();
        assertThat(counter(after, "events_stale") - counter(before, "events_stale")).isEqualTo(1);
        assertThat(traffic.queryUser(o.directoryId(), userId)).isEqualTo(expectedUser(o.event()));
    }

    // (b) the realistic clock-skew case: two hours ahead
    @Test
    @Order(2)
    void eventTwoHoursAheadIsApplied() throws Exception {
        Instant ahead = Instant.now().plus(Duration.ofHours(2)).truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        applied("skew2h", ahead, Duration.ofHours(2));
    }

    // (c) at the size limit, signed and valid JSON with id, event and data, but no user id: accepted by the
    // gateway (which does not look inside data), dead-lettered whole; one byte more is 413 and writes nothing.
    @Test
    @Order(3)
    void bodyAtTheSizeLimitWithoutAUserIdIsDeadLetteredWhole() throws Exception {
        String d = directories.get(2);
        String eventId = "event_noid_" + run;
        ObjectNode data = HostileTraffic.user(d, "x", now());
        data.remove("id");
        ObjectNode event = envelope(eventId, "dsync.user.created", data, now());
        byte[] body = padTo(event, MAX_BODY);
        assertThat(body).hasSize(MAX_BODY);

        Map<String, Double> gatewayBefore = traffic.gatewayMetrics();
        byte[] oneMore = padTo(envelope(eventId + "_big", "dsync.user.created", data, now()), MAX_BODY + 1);
        HostileTraffic.Answer tooLarge = traffic.post(oneMore);
        assertThat(tooLarge.status()).isEqualTo(413);
        assertThat(HostileTraffic.gatewayRequests(traffic.gatewayMetrics(), "body_too_large", 413)
                - HostileTraffic.gatewayRequests(gatewayBefore, "body_too_large", 413)).isEqualTo(1);

        ConsumerRecord<byte[], byte[]> letter = deadLettered(eventId, body, d, "missing_user_id");
        assertThat(letter.value()).as("the dead letter is the exact body").isEqualTo(body);
        assertThat(header(letter, ParseEventProcessor.TRUNCATED_HEADER)).isNull();
        assertThat(traffic.readAll(Topics.DEAD_LETTERS).stream()
                .filter(r -> (eventId + "_big").equals(header(r, "workos-event-id")))).as("413 wrote nothing").isEmpty();
    }

    // (d) numbers JSON allows and a double does not hold, and nesting as deep as the gateway accepts
    @Test
    @Order(4)
    void extremeNumbersAndDeepNestingAreKeptExactly() throws Exception {
        String d = directories.get(0);
        String userId = "directory_user_numbers_" + run;
        String at = now();
        ObjectNode data = HostileTraffic.user(d, userId, at);
        // depth: event 1, data 2, custom_attributes 3, deep 4; Jackson's limit (and so the gateway's) is 1000
        int arrays = 1000 - 4;
        String numbers = "{\"million\":1e6,\"huge\":1e400,\"negzero\":-0.0,\"bigint\":123456789012345678901234567890,"
                + "\"tiny\":1e-400,\"pi\":3.14159265358979323846264338327950288,\"cents\":-12.50,\"deep\":{\"x\":"
                + "[".repeat(arrays - 1) + "\"bottom\"" + "]".repeat(arrays - 1) + "}}";
        data.set("custom_attributes", EventParser.MAPPER.readTree(numbers));
        ObjectNode event = envelope("event_numbers_" + run, "dsync.user.created", data, at);
        String text = event.toString();
        assertThat(text).contains("\"huge\":1E+400", "\"negzero\":0.0", "\"tiny\":1E-400");
        Outcome o = send(event, userId, d);
        assertThat(o.status()).isEqualTo(200);
        appliedPoison.put(userId, d);
        ordinaryRoundConverges();
        JsonNode inQuery = traffic.queryUser(d, userId);
        assertThat(inQuery).as("applied").isNotNull();
        assertThat(inQuery).isEqualTo(expectedUser(event));
        String raw = traffic.query("directories", d, "users", userId).body();
        assertThat(raw).contains("\"million\":1E+6", "\"huge\":1E+400", "\"negzero\":0.0",
                "\"bigint\":123456789012345678901234567890", "\"tiny\":1E-400",
                "\"pi\":3.14159265358979323846264338327950288", "\"cents\":-12.50");
        assertDatabaseConverged();
        Map<String, String> row = traffic.rows("select id, custom_attributes->>'million' as million,"
                + " custom_attributes->>'huge' as huge, custom_attributes->>'negzero' as negzero,"
                + " custom_attributes->>'bigint' as bigint, custom_attributes->>'tiny' as tiny,"
                + " custom_attributes->>'pi' as pi, custom_attributes->>'cents' as cents,"
                + " (custom_attributes->'huge')::numeric = 1e400 as huge_exact,"
                + " (custom_attributes->'tiny')::numeric = 1e-400 as tiny_exact,"
                + " custom_attributes->'deep'->'x' as deep from directory_users where id = ?", userId).get(userId);
        assertThat(row).containsEntry("million", "1000000").containsEntry("negzero", "0.0")
                .containsEntry("bigint", "123456789012345678901234567890")
                .containsEntry("pi", "3.14159265358979323846264338327950288").containsEntry("cents", "-12.50")
                .containsEntry("huge_exact", "t").containsEntry("tiny_exact", "t")
                .containsEntry("huge", "1" + "0".repeat(400)).containsEntry("tiny", "0." + "0".repeat(399) + "1");
        assertThat(row.get("deep").replace(" ", ""))
                .isEqualTo("[".repeat(arrays - 1) + "\"bottom\"" + "]".repeat(arrays - 1));
    }

    // (e) a created_at that is not a time: dead-lettered (any stand-in could outrank a newer event)
    @Test
    @Order(5)
    void unreadableEventTimeIsDeadLettered() throws Exception {
        String d = directories.get(1);
        String userId = "directory_user_badtime_" + run;
        ObjectNode event = envelope("event_badtime_" + run, "dsync.user.created", HostileTraffic.user(d, userId, now()),
                "2026-13-45T25:61:00Z");
        byte[] body = bytes(event);
        deadLettered("event_badtime_" + run, body, d, "invalid_created_at");
        assertThat(traffic.queryUser(d, userId)).isNull();
        assertThat(traffic.databaseUsers(List.of(d))).doesNotContainKey(userId);
    }

    // (f) a valid user close to 1 MiB: large custom attributes (multi-byte text, escapes, astral characters)
    @Test
    @Order(6)
    void hugeValidUserIsAppliedExactly() throws Exception {
        String d = directories.get(2);
        String userId = "directory_user_huge_" + run;
        String at = now();
        ObjectNode data = HostileTraffic.user(d, userId, at);
        ObjectNode custom = (ObjectNode) data.get("custom_attributes");
        custom.put("ascii", "a".repeat(300_000));
        custom.put("multibyte", "Zoë–Łukasz–日本語–".repeat(10_000));
        custom.put("escapes", "\"quoted\"\\back\\slash\n\ttab/".repeat(5_000));
        custom.put("astral", "𝄞😀".repeat(10_000));
        ObjectNode event = envelope("event_huge_" + run, "dsync.user.created", data, at);
        byte[] body = padTo(event, MAX_BODY - 100);
        event = (ObjectNode) EventParser.MAPPER.readTree(body);
        Outcome o = send(event, userId, d);
        assertThat(o.status()).isEqualTo(200);
        appliedPoison.put(userId, d);
        ordinaryRoundConverges();
        assertThat(traffic.queryUser(d, userId)).isEqualTo(expectedUser(event));
        assertDatabaseConverged();
        Map<String, String> row = traffic.rows("select id, custom_attributes->>'ascii' as ascii,"
                + " custom_attributes->>'multibyte' as multibyte, custom_attributes->>'escapes' as escapes,"
                + " custom_attributes->>'astral' as astral, custom_attributes->>'padding' as padding"
                + " from directory_users where id = ?", userId).get(userId);
        for (String k : List.of("ascii", "multibyte", "escapes", "astral", "padding")) {
            assertThat(row.get(k)).as(k).isEqualTo(event.at("/data/custom_attributes/" + k).asText());
        }
    }

    @Test
    @Order(7)
    void afterAllPoisonsTheStreamsClientAndTheSinksAreRunning() throws Exception {
        ordinaryRoundConverges();
        HostileTraffic.Answer ready = traffic.get("http://127.0.0.1:" + stack.queryPort() + "/health/ready", false);
        assertThat(ready.status()).isEqualTo(200);
        assertThat(HostileTraffic.healthCheck(ready, "streams").path("data").path("state").asText()).isEqualTo("RUNNING");
        Map<String, Double> m = traffic.topologyMetrics();
        assertThat(m.get("dsync_topology_up")).isEqualTo(1.0);
        assertThat(counter(m, "production_errors")).isZero();
        // every record read is accounted for exactly once
        assertThat(counter(m, "events_received")).isEqualTo(counter(m, "events_applied") + counter(m, "events_stale")
                + counter(m, "events_duplicate") + counter(m, "events_unknown_type") + counter(m, "events_dead_lettered"));
        System.out.println("PoisonInputTest: topology counters " + m.entrySet().stream()
                .filter(e -> e.getKey().startsWith("dsync_topology_")).toList());
    }

    // ---------------------------------------------------------------------------------------------------------

    record Outcome(int status, String userId, String directoryId, ObjectNode event) {
    }

    private Outcome send(ObjectNode event, String userId, String directoryId) throws Exception {
        return new Outcome(traffic.post(bytes(event)).status(), userId, directoryId, event);
    }

    /** A user.created whose event time is {@code at} (and updated_at too), expected to be applied exactly. */
    private Outcome applied(String name, Instant at, Duration ahead) throws Exception {
        String d = directories.get(round % directories.size());
        String userId = "directory_user_" + name + "_" + run;
        ObjectNode data = HostileTraffic.user(d, userId, now());
        data.put("updated_at", at.toString());
        ObjectNode event = envelope("event_" + name + "_" + run, "dsync.user.created", data, at.toString());
        Map<String, Double> before = traffic.topologyMetrics();
        long sentAt = System.currentTimeMillis();
        Outcome o = send(event, userId, d);
        assertThat(o.status()).isEqualTo(200);
        appliedPoison.put(userId, d);
        ordinaryRoundConverges();
        Map<String, Double> after = traffic.topologyMetrics();
        assertThat(traffic.queryUser(d, userId)).isEqualTo(expectedUser(event));
        assertDatabaseConverged();
        assertThat(traffic.databaseUsers(List.of(d)).get(userId)).isEqualTo(expectedRow(event));
        assertThat(counter(after, "events_applied") - counter(before, "events_applied")).isEqualTo(1 + directories.size());
        assertThat(counter(after, "events_dead_lettered") - counter(before, "events_dead_lettered")).isZero();
        // the change-log record carries the receive time, not the future event time
        List<ConsumerRecord<byte[], byte[]>> records = committed(Topics.USERS,
                r -> userId.equals(new String(r.key(), StandardCharsets.UTF_8)));
        assertThat(records).hasSize(1);
        assertThat(records.get(0).timestamp()).isBetween(sentAt - 5_000, System.currentTimeMillis());
        System.out.printf("PoisonInputTest: %s ahead applied; change-log record timestamp %s, event time %s%n", ahead,
                Instant.ofEpochMilli(records.get(0).timestamp()), at);
        return o;
    }

    /** Posts {@code body}, expects 200, ordinary traffic after it, and a dead letter with {@code reason}. */
    private ConsumerRecord<byte[], byte[]> deadLettered(String eventId, byte[] body, String directoryId, String reason)
            throws Exception {
        Map<String, Double> before = traffic.topologyMetrics();
        HostileTraffic.Answer a = traffic.post(body);
        assertThat(a.status()).as(a.body()).isEqualTo(200);
        ordinaryRoundConverges();
        Map<String, Double> after = traffic.topologyMetrics();
        assertThat(counter(after, "events_dead_lettered") - counter(before, "events_dead_lettered")).isEqualTo(1);
        assertThat(deadLetters(after, reason) - deadLetters(before, reason)).isEqualTo(1);
        assertThat(counter(after, "events_applied") - counter(before, "events_applied")).isEqualTo(directories.size());
        assertThat(counter(after, "events_received") - counter(before, "events_received")).isEqualTo(1 + directories.size());
        List<ConsumerRecord<byte[], byte[]>> letters = committed(Topics.DEAD_LETTERS,
                r -> eventId.equals(header(r, "workos-event-id")));
        assertThat(letters).hasSize(1);
        ConsumerRecord<byte[], byte[]> letter = letters.get(0);
        assertThat(header(letter, ParseEventProcessor.REASON_HEADER)).isEqualTo(reason);
        assertThat(new String(letter.key(), StandardCharsets.UTF_8)).isEqualTo(directoryId);
        assertThat(header(letter, ParseEventProcessor.TOPIC_HEADER)).isEqualTo(Topics.EVENTS);
        assertThat(letter.partition()).isEqualTo(HostileTraffic.partitionOf(directoryId));
        assertThat(header(letter, ParseEventProcessor.PARTITION_HEADER))
                .isEqualTo(Integer.toString(HostileTraffic.partitionOf(directoryId)));
        assertThat(letter.value()).isEqualTo(body);
        return letter;
    }

    /**
     * The records of {@code topic} that match, once there are any: the query API and the counters see a change as
     * soon as it is processed, {@code read_committed} readers only when its transaction commits (at most
     * {@code DSYNC_COMMIT_INTERVAL} later).
     */
    private List<ConsumerRecord<byte[], byte[]>> committed(String topic,
                                                           java.util.function.Predicate<ConsumerRecord<byte[], byte[]>> match) {
        return Awaitility.await(topic + " committed").atMost(CONVERGENCE).pollInterval(Duration.ofMillis(250))
                .until(() -> traffic.readAll(topic).stream().filter(match).toList(), found -> !found.isEmpty());
    }

    /** One new user per directory (so every partition gets traffic), then everything so far in both outputs. */
    private void ordinaryRoundConverges() throws Exception {
        int r = round++;
        for (String d : directories) {
            String userId = "directory_user_r" + r + "_" + d.substring("directory_".length());
            String at = now();
            ObjectNode event = envelope("event_r" + r + "_" + d, "dsync.user.created", HostileTraffic.user(d, userId, at), at);
            assertThat(traffic.post(bytes(event)).status()).isEqualTo(200);
            ordinary.put(userId, event);
        }
        Awaitility.await("ordinary traffic in the query API").atMost(CONVERGENCE).pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    for (ObjectNode e : ordinary.values()) {
                        JsonNode u = traffic.queryUser(e.at("/data/directory_id").asText(), e.at("/data/id").asText());
                        if (u == null) {
                            return false;
                        }
                        assertThat(u).isEqualTo(expectedUser(e));
                    }
                    return true;
                });
        assertDatabaseConverged();
    }

    /** PostgreSQL holds exactly the ordinary users (field for field) and the applied poison users, nothing else. */
    private void assertDatabaseConverged() throws Exception {
        Map<String, Map<String, String>> expected = new LinkedHashMap<>();
        for (var e : ordinary.entrySet()) {
            expected.put(e.getKey(), expectedRow(e.getValue()));
        }
        Set<String> ids = new HashSet<>(expected.keySet());
        ids.addAll(appliedPoison.keySet());
        Map<String, Map<String, String>>[] last = new Map[1];
        try {
            Awaitility.await("PostgreSQL").atMost(CONVERGENCE).pollInterval(Duration.ofMillis(250)).until(() -> {
                Map<String, Map<String, String>> rows = traffic.databaseUsers(directories);
                last[0] = rows;
                return rows.keySet().equals(ids)
                        && expected.entrySet().stream().allMatch(e -> e.getValue().equals(rows.get(e.getKey())));
            });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            Set<String> missing = new HashSet<>(ids);
            missing.removeAll(last[0] == null ? Set.of() : last[0].keySet());
            String diff = last[0] == null ? "" : expected.entrySet().stream()
                    .filter(x -> !x.getValue().equals(last[0].get(x.getKey()))).limit(2)
                    .map(x -> "\n expected " + x.getValue() + "\n actual   " + last[0].get(x.getKey()))
                    .collect(java.util.stream.Collectors.joining());
            Set<String> extra = new HashSet<>(last[0] == null ? Set.of() : last[0].keySet());
            extra.removeAll(ids);
            throw new AssertionError("PostgreSQL did not converge; missing " + missing + ", extra " + extra + diff
                    + "; connect status "
                    + traffic.get("http://127.0.0.1:" + stack.connectPort() + "/connectors/dsync-users-sink/status", false).body(), e);
        }
        Map<String, Map<String, String>> dirs = traffic.rows("select id, state, name from directories where id = any(?)",
                directories);
        assertThat(dirs.keySet()).containsExactlyInAnyOrderElementsOf(directories);
    }

    /** The event with a {@code padding} custom attribute that makes its body exactly {@code size} bytes. */
    private static byte[] padTo(ObjectNode event, int size) {
        ObjectNode custom = (ObjectNode) event.get("data").get("custom_attributes");
        custom.put("padding", "");
        int base = bytes(event).length;
        custom.put("padding", "p".repeat(size - base));
        byte[] body = bytes(event);
        assertThat(body).hasSize(size);
        return body;
    }
}
