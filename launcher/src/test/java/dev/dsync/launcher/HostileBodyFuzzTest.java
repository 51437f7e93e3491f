package dev.dsync.launcher;

import static dev.dsync.launcher.HostileTraffic.bytes;
import static dev.dsync.launcher.HostileTraffic.counter;
import static dev.dsync.launcher.HostileTraffic.envelope;
import static dev.dsync.launcher.HostileTraffic.expectedRow;
import static dev.dsync.launcher.HostileTraffic.expectedUser;
import static dev.dsync.launcher.HostileTraffic.header;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dsync.events.EventParser;
import dev.dsync.events.Topics;
import dev.dsync.events.WorkosEvent;
import dev.dsync.events.signature.SignatureVerifier;
import dev.dsync.topology.processing.EventInterpreter;
import dev.dsync.topology.processing.ParseEventProcessor;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13, hostile bodies: a few hundred seeded random bodies (random JSON, wrong types in every envelope and data
 * field, deep nesting, huge strings, duplicate keys, invalid UTF-8, extreme numbers and times, bad signatures),
 * shuffled together with well-formed events for a few directories, sent through the gateway of a full stack.
 * Reproduce a run with {@code -Ddsync.fuzz.seed=<seed>} (printed at the start).
 *
 * <p>Each body's fate is predicted with the same parsing code the gateway and the topology use
 * ({@link EventParser}, {@link EventInterpreter}): the gateway's status and reason, the topic it lands on, and for
 * the topology dead-lettered (reason) / unknown type / usable. The test then checks, with exact counts:
 * <ul>
 *   <li>the gateway's answers and its {@code dsync_gateway_requests_total} by reason are the predicted ones; every
 *       refusal is a 4xx with a reason, never a 5xx;</li>
 *   <li>records on {@code workos.dsync.events} = accepted Directory Sync bodies = the topology's
 *       {@code events_received} = applied + stale + duplicate + unknown type + dead-lettered; dead letters by reason
 *       (counters and the DLQ's {@code dsync.dlq.reason} headers) are the predicted ones;</li>
 *   <li>the well-formed directories end exactly as computed here, in the query API and PostgreSQL; for the
 *       directories the hostile bodies wrote to, PostgreSQL and the query API agree;</li>
 *   <li>{@code /health/live} is UP throughout, Streams RUNNING and the sinks RUNNING at the end.</li>
 * </ul>
 */
@Tag("integration")
class HostileBodyFuzzTest {

    private static final int MAX_BODY = 1024 * 1024;
    private static final int HOSTILE = Integer.getInteger("dsync.fuzz.bodies", 300);
    private static final int USERS_PER_DIRECTORY = 8;
    private static final int GROUPS_PER_DIRECTORY = 2;
    private static final Duration CONVERGENCE = Duration.ofSeconds(60);
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    @TempDir
    Path dataDir;

    /** One body to send: how to sign it and what the test predicts for it. */
    record Body(String label, byte[] bytes, boolean badSignature, boolean wellFormed) {
    }

    record Sent(Body body, int status) {
    }

    @Test
    void everyAcceptedBodyIsAppliedOrDeadLetteredAndTheMirrorOfTheWellFormedIsExact() throws Exception {
        long seed = Long.getLong("dsync.fuzz.seed", System.nanoTime());
        System.out.println("HostileBodyFuzzTest: seed " + seed + " (rerun with -Ddsync.fuzz.seed=" + seed + ")");
        Random rnd = new Random(seed);
        String run = Long.toString(Math.floorMod(seed, 1_000_000_000L), 36);
        PrintStream out = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        long started = System.nanoTime();
        try (LocalStackAccess stack = LocalStackAccess.startIsolated(dataDir, Map.of(), out)) {
            HostileTraffic traffic = new HostileTraffic(stack);
            long stackUp = System.nanoTime();
            List<String> good = HostileTraffic.directoryPerPartition("directory_good" + run);
            List<String> hostileDirs = HostileTraffic.directoryPerPartition("directory_bad" + run);

            // The well-formed part: per directory, an activation, users created once (every fourth later deleted),
            // groups, and each user added to one group before any deletion. Times are fixed, so the final state
            // does not depend on the (shuffled) delivery order.
            Instant t0 = Instant.now().minusSeconds(600).truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
            List<Body> bodies = new ArrayList<>();
            Map<String, ObjectNode> expectedUsers = new TreeMap<>();
            Map<String, ObjectNode> expectedGroups = new TreeMap<>();
            Set<String> expectedMemberships = new java.util.TreeSet<>();
            int seq = 0;
            for (String d : good) {
                String at = t0.toString();
                bodies.add(wellFormed("activate " + d, envelope("event_act_" + d, "dsync.activated",
                        HostileTraffic.directory(d, at), at)));
                List<ObjectNode> groups = new ArrayList<>();
                for (int g = 0; g < GROUPS_PER_DIRECTORY; g++) {
                    String gid = "directory_group_" + g + "_" + d.substring(10);
                    String gat = t0.plusMillis(++seq).toString();
                    ObjectNode group = HostileTraffic.group(d, gid, gat);
                    groups.add(group);
                    bodies.add(wellFormed("group " + gid, envelope("event_g_" + gid, "dsync.group.created", group, gat)));
                    expectedGroups.put(gid, group);
                }
                for (int u = 0; u < USERS_PER_DIRECTORY; u++) {
                    String uid = "directory_user_" + u + "_" + d.substring(10);
                    String uat = t0.plusMillis(++seq).toString();
                    ObjectNode user = HostileTraffic.user(d, uid, uat);
                    ObjectNode created = envelope("event_u_" + uid, "dsync.user.created", user, uat);
                    bodies.add(wellFormed("user " + uid, created));
                    ObjectNode group = groups.get(u % GROUPS_PER_DIRECTORY);
                    String mat = t0.plusSeconds(30).plusMillis(seq).toString();
                    ObjectNode membership = NODES.objectNode().put("directory_id", d);
                    membership.set("user", user);
                    membership.set("group", group);
                    bodies.add(wellFormed("add " + uid, envelope("event_m_" + uid, "dsync.group.user_added", membership, mat)));
                    if (u % 4 == 0) {
                        String dat = t0.plusSeconds(60).plusMillis(seq).toString();
                        ObjectNode deleted = user.deepCopy().put("updated_at", dat);
                        bodies.add(wellFormed("delete " + uid, envelope("event_del_" + uid, "dsync.user.deleted", deleted, dat)));
                    } else {
                        expectedUsers.put(uid, created);
                        expectedMemberships.add(group.get("id").asText() + "|" + uid);
                    }
                }
            }
            // WorkOS's duplicates: some well-formed bodies again, byte for byte
            int wellFormedCount = bodies.size();
            for (int i = 0; i < 10; i++) {
                Body b = bodies.get(rnd.nextInt(wellFormedCount));
                bodies.add(new Body("duplicate of " + b.label(), b.bytes(), false, true));
            }
            Hostile hostile = new Hostile(rnd, hostileDirs, run);
            for (int i = 0; i < HOSTILE; i++) {
                bodies.add(hostile.next(i));
            }
            Collections.shuffle(bodies, rnd);

            // Predictions, with the gateway's and the topology's own parsing code.
            Map<String, Long> expectedRejections = new TreeMap<>();
            Map<String, Long> expectedDeadLetters = new TreeMap<>();
            long expectedDirectorySync = 0;
            long expectedOther = 0;
            long expectedUnknown = 0;
            long expectedUsable = 0;
            Map<String, Integer> expectedStatus = new LinkedHashMap<>();
            // PostgreSQL's primary keys are the WorkOS ids alone, the topology's are (directory, id): an id a forged
            // body puts in two directories is one row there and two here, so such ids are left out of the agreement
            Map<String, Set<String>> directoriesOf = new TreeMap<>();
            for (Body b : bodies) {
                Prediction p = predict(b);
                expectedStatus.merge(p.status() + " " + p.reason(), 1, Integer::sum);
                if (p.status() != 200) {
                    expectedRejections.merge(p.reason(), 1L, Long::sum);
                } else if (p.reason().equals("other")) {
                    expectedOther++;
                } else {
                    expectedDirectorySync++;
                    switch (p.topology()) {
                        case EventInterpreter.Rejected r -> expectedDeadLetters.merge(r.reason(), 1L, Long::sum);
                        case EventInterpreter.Unknown u -> expectedUnknown++;
                        case EventInterpreter.Accepted a -> {
                            expectedUsable++;
                            if (a.event() instanceof dev.dsync.topology.processing.EntityEvent ee) {
                                directoriesOf.computeIfAbsent(ee.kind() + " " + ee.entityId(), k -> new HashSet<>())
                                        .add(ee.meta().directoryId());
                            }
                        }
                    }
                }
            }
            System.out.println("HostileBodyFuzzTest: " + bodies.size() + " bodies (" + wellFormedCount + " well-formed + 10 "
                    + "duplicates + " + HOSTILE + " hostile), " + bodies.stream().mapToLong(b -> b.bytes().length).sum()
                    + " bytes; predicted gateway outcomes " + expectedStatus + "; dead letters " + expectedDeadLetters);

            // /health/live, all along
            ConcurrentLinkedQueue<String> notLive = new ConcurrentLinkedQueue<>();
            AtomicBoolean probing = new AtomicBoolean(true);
            Thread prober = Thread.ofVirtual().start(() -> {
                while (probing.get()) {
                    HostileTraffic.Answer live = traffic.topologyLive();
                    if (live.status() != 200 || !live.body().contains("\"UP\"")) {
                        notLive.add(live.status() + " " + live.body());
                    }
                    try {
                        Thread.sleep(200);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });

            Map<String, Double> gatewayBefore = traffic.gatewayMetrics();
            long sendStart = System.nanoTime();
            List<Sent> sent = Collections.synchronizedList(new ArrayList<>());
            try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
                List<Future<?>> futures = new ArrayList<>();
                for (Body b : bodies) {
                    futures.add(pool.submit(() -> {
                        sent.add(new Sent(b, send(traffic, stack, b)));
                        return null;
                    }));
                }
                for (Future<?> f : futures) {
                    f.get();
                }
            }
            double sendSeconds = (System.nanoTime() - sendStart) / 1e9;

            // (1) The gateway: exactly the predicted answers, 4xx with a reason for every refusal, never a 5xx.
            for (Sent s : sent) {
                Prediction p = predict(s.body());
                assertThat(s.status()).as("%s (%d bytes)", s.body().label(), s.body().bytes().length).isEqualTo(p.status());
            }
            Map<String, Double> gatewayAfter = traffic.gatewayMetrics();
            Map<String, Long> rejections = new TreeMap<>();
            for (var e : gatewayAfter.entrySet()) {
                if (e.getKey().startsWith("dsync_gateway_requests_total{") && e.getKey().contains("outcome=\"rejected\"")) {
                    long delta = e.getValue().longValue() - gatewayBefore.getOrDefault(e.getKey(), 0.0).longValue();
                    String reason = e.getKey().replaceAll(".*reason=\"([^\"]*)\".*", "$1");
                    String status = e.getKey().replaceAll(".*status=\"([^\"]*)\".*", "$1");
                    assertThat(status).as("status of refusals for %s", reason).startsWith("4");
                    if (delta > 0) {
                        rejections.merge(reason, delta, Long::sum);
                    }
                }
            }
            assertThat(rejections).as("gateway refusals by reason").isEqualTo(expectedRejections);
            assertThat(acceptedBy(gatewayAfter, "directory_sync") - acceptedBy(gatewayBefore, "directory_sync"))
                    .isEqualTo(expectedDirectorySync);
            assertThat(acceptedBy(gatewayAfter, "other") - acceptedBy(gatewayBefore, "other")).isEqualTo(expectedOther);

            // (2) Every accepted Directory Sync body is read by the topology and ends in exactly one outcome.
            final long directorySync = expectedDirectorySync;
            Awaitility.await("the topology read every accepted event").atMost(CONVERGENCE)
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> counter(traffic.topologyMetrics(), "events_received") == directorySync);
            assertThat(traffic.readAll(Topics.EVENTS)).hasSize((int) expectedDirectorySync);
            assertThat(traffic.readAll(Topics.OTHER_EVENTS)).hasSize((int) expectedOther);
            Map<String, Double> m = traffic.topologyMetrics();
            long received = counter(m, "events_received");
            long applied = counter(m, "events_applied");
            long stale = counter(m, "events_stale");
            long duplicate = counter(m, "events_duplicate");
            long unknown = counter(m, "events_unknown_type");
            long deadLettered = counter(m, "events_dead_lettered");
            assertThat(received).isEqualTo(applied + stale + duplicate + unknown + deadLettered);
            assertThat(unknown).isEqualTo(expectedUnknown);
            assertThat(applied + stale + duplicate).isEqualTo(expectedUsable);
            assertThat(duplicate).as("the re-sent well-formed bodies at least").isGreaterThanOrEqualTo(10);
            Map<String, Long> byReason = new TreeMap<>();
            m.forEach((k, v) -> {
                if (k.startsWith("dsync_topology_dead_letters_total{")) {
                    byReason.put(k.replaceAll(".*reason=\"([^\"]*)\".*", "$1"), v.longValue());
                }
            });
            assertThat(byReason).as("dead letters by reason (counters)").isEqualTo(expectedDeadLetters);
            // the counters move as records are processed; the topic shows them once their transaction commits
            Awaitility.await("dead letters committed").atMost(CONVERGENCE).pollInterval(Duration.ofMillis(250))
                    .untilAsserted(() -> {
                        Map<String, Long> letterReasons = traffic.readAll(Topics.DEAD_LETTERS).stream()
                                .collect(Collectors.groupingBy(r -> header(r, ParseEventProcessor.REASON_HEADER),
                                        TreeMap::new, Collectors.counting()));
                        assertThat(letterReasons).as("dead letters by reason (topic)").isEqualTo(expectedDeadLetters);
                    });

            // (3) The well-formed directories, exactly, in the query API and PostgreSQL.
            long convergeStart = System.nanoTime();
            Awaitility.await("query API").atMost(CONVERGENCE).pollInterval(Duration.ofMillis(250)).ignoreExceptions()
                    .untilAsserted(() -> assertQueryApi(traffic, good, expectedUsers, expectedGroups, expectedMemberships));
            try {
                Awaitility.await("PostgreSQL").atMost(CONVERGENCE).pollInterval(Duration.ofMillis(250)).ignoreExceptions()
                        .untilAsserted(() -> assertDatabase(traffic, good, expectedUsers, expectedGroups, expectedMemberships));
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                throw new AssertionError("PostgreSQL did not converge; sinks: " + sinkStatus(traffic, stack), e);
            }
            // (4) The hostile directories: whatever was applied is the same in both.
            Set<String> shared = directoriesOf.entrySet().stream().filter(e -> e.getValue().size() > 1)
                    .map(e -> e.getKey().substring(e.getKey().indexOf(' ') + 1)).collect(Collectors.toSet());
            System.out.println("HostileBodyFuzzTest: ids that forged bodies put in more than one directory: " + shared.size());
            Awaitility.await("PostgreSQL agrees with the query API on the hostile directories").atMost(CONVERGENCE)
                    .pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                    .untilAsserted(() -> assertAgree(traffic, hostileDirs, shared));
            double convergeSeconds = (System.nanoTime() - convergeStart) / 1e9;

            probing.set(false);
            prober.join();
            assertThat(notLive).as("topology /health/live answers other than UP").isEmpty();
            HostileTraffic.Answer ready = traffic.get("http://127.0.0.1:" + stack.queryPort() + "/health/ready", false);
            assertThat(ready.status()).isEqualTo(200);
            assertThat(HostileTraffic.healthCheck(ready, "streams").path("data").path("state").asText()).isEqualTo("RUNNING");
            assertThat(sinkStatus(traffic, stack)).as("sink connectors").allSatisfy(s ->
                    assertThat(s).doesNotContain("FAILED").contains("RUNNING"));
            assertThat(counter(traffic.topologyMetrics(), "production_errors")).isZero();
            System.out.printf("HostileBodyFuzzTest: seed %d: stack up in %.1f s, %d bodies sent in %.1f s, converged "
                            + "%.1f s later; topology received %d = applied %d + stale %d + duplicate %d + unknown %d + "
                            + "dead-lettered %d %s; gateway refusals %s; other-events %d%n", seed,
                    (stackUp - started) / 1e9, bodies.size(), sendSeconds, convergeSeconds, received, applied, stale,
                    duplicate, unknown, deadLettered, byReason, rejections, expectedOther);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------

    record Prediction(int status, String reason, EventInterpreter.Result topology) {
    }

    /** What the gateway answers ({@code reason}: its rejection reason, or the route) and what the topology does. */
    static Prediction predict(Body b) {
        if (b.bytes().length > MAX_BODY) {
            return new Prediction(413, "body_too_large", null);
        }
        if (b.badSignature()) {
            return new Prediction(401, "signature_mismatch", null);
        }
        WorkosEvent event;
        try {
            event = EventParser.parse(b.bytes());
        } catch (EventParser.InvalidEventException e) {
            return new Prediction(400, e.reason(), null);
        }
        String directoryId = event.directoryId().orElse(null);
        if (directoryId == null) {
            return new Prediction(200, "other", null);
        }
        return new Prediction(200, "directory_sync", EventInterpreter.interpret(directoryId, b.bytes()));
    }

    private static int send(HostileTraffic traffic, LocalStackAccess stack, Body b) throws Exception {
        String signature = SignatureVerifier.header(b.badSignature() ? "whsec_not_the_secret" : stack.webhookSecret(),
                System.currentTimeMillis(), b.bytes());
        HttpResponse<String> r = traffic.http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + stack.gatewayPort() + "/webhooks/workos"))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                .header("WorkOS-Signature", signature)
                .POST(HttpRequest.BodyPublishers.ofByteArray(b.bytes())).build(), HttpResponse.BodyHandlers.ofString());
        return r.statusCode();
    }

    private static long acceptedBy(Map<String, Double> metrics, String route) {
        return metrics.entrySet().stream()
                .filter(e -> e.getKey().startsWith("dsync_gateway_requests_total{")
                        && e.getKey().contains("outcome=\"accepted\"") && e.getKey().contains("reason=\"" + route + "\""))
                .mapToLong(e -> e.getValue().longValue()).sum();
    }

    private static Body wellFormed(String label, ObjectNode event) {
        return new Body(label, bytes(event), false, true);
    }

    private static void assertQueryApi(HostileTraffic traffic, List<String> directories, Map<String, ObjectNode> users,
                                       Map<String, ObjectNode> groups, Set<String> memberships) throws Exception {
        Set<String> userIds = new HashSet<>();
        Set<String> groupIds = new HashSet<>();
        Set<String> members = new HashSet<>();
        for (String d : directories) {
            HostileTraffic.Answer dir = traffic.query("directories", d);
            assertThat(dir.status()).as("directory %s", d).isEqualTo(200);
            for (JsonNode u : list(traffic, "directories", d, "users")) {
                userIds.add(u.get("id").asText());
                assertThat(u).isEqualTo(expectedUser(users.get(u.get("id").asText())));
            }
            for (JsonNode g : list(traffic, "directories", d, "groups")) {
                String gid = g.get("id").asText();
                groupIds.add(gid);
                assertThat(g.get("name")).isEqualTo(groups.get(gid).get("name"));
                for (JsonNode u : list(traffic, "directories", d, "groups", gid, "users")) {
                    members.add(gid + "|" + u.get("id").asText());
                }
            }
        }
        assertThat(userIds).isEqualTo(users.keySet());
        assertThat(groupIds).isEqualTo(groups.keySet());
        assertThat(members).isEqualTo(memberships);
    }

    private static List<JsonNode> list(HostileTraffic traffic, String... path) throws Exception {
        HostileTraffic.Answer a = traffic.queryWith("limit=100", path);
        assertThat(a.status()).as(String.join("/", path)).isEqualTo(200);
        JsonNode page = EventParser.MAPPER.readTree(a.body());
        assertThat(page.path("list_metadata").path("after").isNull()).as("one page").isTrue();
        List<JsonNode> out = new ArrayList<>();
        page.get("data").forEach(out::add);
        return out;
    }

    private static void assertDatabase(HostileTraffic traffic, List<String> directories, Map<String, ObjectNode> users,
                                       Map<String, ObjectNode> groups, Set<String> memberships) throws Exception {
        Map<String, Map<String, String>> expected = new TreeMap<>();
        for (var e : users.entrySet()) {
            expected.put(e.getKey(), expectedRow(e.getValue()));
        }
        assertThat(new TreeMap<>(traffic.databaseUsers(directories))).isEqualTo(expected);
        Map<String, Map<String, String>> g = traffic.rows(
                "select id, name, directory_id from directory_groups where directory_id = any(?)", directories);
        assertThat(g.keySet()).isEqualTo(groups.keySet());
        g.forEach((id, row) -> assertThat(row.get("name")).isEqualTo(groups.get(id).get("name").asText()));
        Set<String> members = traffic.rows("select group_id || '|' || user_id from directory_group_memberships"
                + " where directory_id = any(?)", directories).keySet();
        assertThat(members).isEqualTo(memberships);
        assertThat(traffic.rows("select id from directories where id = any(?)", directories).keySet())
                .containsExactlyInAnyOrderElementsOf(directories);
    }

    /** For the directories hostile bodies wrote to: the same users, groups and memberships in both outputs. */
    private static void assertAgree(HostileTraffic traffic, List<String> directories, Set<String> shared)
            throws Exception {
        Map<String, String> dbUsers = new TreeMap<>();
        traffic.rows("select id, last_event_id from directory_users where directory_id = any(?)", directories)
                .forEach((id, row) -> dbUsers.put(id, row.get("last_event_id")));
        Map<String, String> dbGroups = new TreeMap<>();
        traffic.rows("select id, last_event_id from directory_groups where directory_id = any(?)", directories)
                .forEach((id, row) -> dbGroups.put(id, row.get("last_event_id")));
        Set<String> dbDirectories = traffic.rows("select id from directories where id = any(?)", directories).keySet();
        Map<String, String> apiUsers = new TreeMap<>();
        Map<String, String> apiGroups = new TreeMap<>();
        Set<String> apiDirectories = new HashSet<>();
        for (String d : directories) {
            if (traffic.query("directories", d).status() == 200) {
                apiDirectories.add(d);
            }
            for (JsonNode u : list(traffic, "directories", d, "users")) {
                apiUsers.put(u.get("id").asText(), u.get("last_event_id").asText());
            }
            for (JsonNode g : list(traffic, "directories", d, "groups")) {
                apiGroups.put(g.get("id").asText(), g.get("last_event_id").asText());
            }
        }
        for (Map<String, String> m : List.of(dbUsers, dbGroups, apiUsers, apiGroups)) {
            m.keySet().removeAll(shared);
        }
        assertThat(dbUsers).isEqualTo(apiUsers);
        assertThat(dbGroups).isEqualTo(apiGroups);
        assertThat(dbDirectories).isEqualTo(apiDirectories);
    }

    private static List<String> sinkStatus(HostileTraffic traffic, LocalStackAccess stack) {
        List<String> out = new ArrayList<>();
        for (String name : dev.dsync.embedded.ConnectWorker.dsyncConnectorNames()) {
            out.add(traffic.get("http://127.0.0.1:" + stack.connectPort() + "/connectors/" + name + "/status", false).body());
        }
        return out;
    }

    /** The hostile generator: every body is derived from {@code rnd} only. */
    static final class Hostile {
        private final Random rnd;
        private final List<String> directories;
        private final String run;
        private int hugeBodies;

        Hostile(Random rnd, List<String> directories, String run) {
            this.rnd = rnd;
            this.directories = directories;
            this.run = run;
        }

        Body next(int i) {
            int kind = rnd.nextInt(100);
            if (kind < 10) {
                return new Body("random json", bytes(randomValue(0)), false, false);
            }
            if (kind < 22) {
                return raw(i);
            }
            if (kind < 25) {
                ObjectNode e = baseEvent(i);
                return new Body("bad signature", bytes(e), true, false);
            }
            ObjectNode e = baseEvent(i);
            int mutations = 1 + rnd.nextInt(3);
            List<String> labels = new ArrayList<>();
            for (int k = 0; k < mutations; k++) {
                labels.add(mutate(e));
            }
            byte[] b = bytes(e);
            if (b.length > 64 * 1024) {
                hugeBodies++;
            }
            return new Body("mutated " + labels, b, false, false);
        }

        /** A plausible event in one of the hostile directories. */
        ObjectNode baseEvent(int i) {
            int di = rnd.nextInt(directories.size());
            String d = directories.get(di);
            String at = Instant.now().minusSeconds(rnd.nextInt(3600)).toString();
            String tag = run + "_" + i;
            return switch (rnd.nextInt(6)) {
                case 0 -> envelope("event_h_" + tag, "dsync.activated", HostileTraffic.directory(d, at), at);
                case 1 -> envelope("event_h_" + tag, "dsync.group.created",
                        HostileTraffic.group(d, "directory_group_h" + rnd.nextInt(20) + "_" + di, at), at);
                case 2 -> {
                    ObjectNode m = NODES.objectNode().put("directory_id", d);
                    m.set("user", HostileTraffic.user(d, "directory_user_h" + rnd.nextInt(40) + "_" + di, at));
                    m.set("group", HostileTraffic.group(d, "directory_group_h" + rnd.nextInt(20) + "_" + di, at));
                    yield envelope("event_h_" + tag, rnd.nextBoolean() ? "dsync.group.user_added"
                            : "dsync.group.user_removed", m, at);
                }
                case 3 -> envelope("event_h_" + tag, rnd.nextBoolean() ? "dsync.user.deleted" : "dsync.group.deleted",
                        rnd.nextBoolean() ? HostileTraffic.user(d, "directory_user_h" + rnd.nextInt(40) + "_" + di, at)
                                : HostileTraffic.group(d, "directory_group_h" + rnd.nextInt(20) + "_" + di, at), at);
                default -> envelope("event_h_" + tag, rnd.nextBoolean() ? "dsync.user.created" : "dsync.user.updated",
                        HostileTraffic.user(d, "directory_user_h" + rnd.nextInt(40) + "_" + di, at), at);
            };
        }

        /** One change to an envelope or data field: wrong types, extreme values, hostile text. */
        String mutate(ObjectNode e) {
            ObjectNode data = e.get("data") instanceof ObjectNode o ? o : null;
            switch (rnd.nextInt(16)) {
                case 0 -> {
                    e.set("id", wrongType());
                    return "id";
                }
                case 1 -> {
                    e.set("event", rnd.nextBoolean() ? wrongType()
                            : NODES.textNode(pick("dsync.user.exploded", "connection.activated", "DSYNC.USER.CREATED",
                            "dsync.", "dsync.group.user_added ", "user.created")));
                    return "event";
                }
                case 2 -> {
                    e.set("data", rnd.nextBoolean() ? wrongType() : NODES.arrayNode().add(e.get("data")));
                    return "data";
                }
                case 3 -> {
                    e.set("created_at", rnd.nextBoolean() ? wrongType() : NODES.textNode(hostileTime()));
                    return "created_at";
                }
                case 4 -> {
                    if (data != null) {
                        String field = data.has("user") ? "user" : "id";
                        if (field.equals("user")) {
                            data.set("user", rnd.nextBoolean() ? wrongType() : NODES.objectNode().set("id", wrongType()));
                        } else {
                            data.set("id", rnd.nextBoolean() ? wrongType() : NODES.textNode(hostileText()));
                        }
                    }
                    return "data.id";
                }
                case 5 -> {
                    if (data != null) {
                        data.set(data.has("directory_id") ? "directory_id" : "id",
                                rnd.nextBoolean() ? wrongType() : NODES.textNode(hostileText()));
                    }
                    return "directory id";
                }
                case 6 -> {
                    if (data != null) {
                        data.put(pick("updated_at", "created_at"), hostileTime());
                    }
                    return "data time";
                }
                case 7, 8 -> {
                    if (data != null) {
                        data.set(pick("name", "email", "first_name", "idp_id", "state", "organization_id",
                                "last_name"), rnd.nextBoolean() ? wrongType() : NODES.textNode(hostileText()));
                    }
                    return "text field";
                }
                case 9, 10 -> {
                    if (data != null) {
                        ObjectNode custom = data.get("custom_attributes") instanceof ObjectNode c ? c : data.putObject("custom_attributes");
                        custom.set("fuzz" + rnd.nextInt(5), randomValue(0));
                        custom.set("number", NODES.numberNode(new java.math.BigDecimal(hostileNumber())));
                    }
                    return "custom attributes";
                }
                case 11 -> {
                    if (data != null) {
                        data.set(pick("custom_attributes", "roles", "role", "domains", "raw_attributes"), wrongType());
                    }
                    return "structured field";
                }
                case 12 -> {
                    if (data != null) {
                        JsonNode deep = NODES.textNode("bottom");
                        int depth = 1 + rnd.nextInt(990);
                        for (int k = 0; k < depth; k++) {
                            deep = rnd.nextBoolean() ? NODES.arrayNode().add(deep) : NODES.objectNode().set("n", deep);
                        }
                        data.set("nested", deep);
                    }
                    return "deep nesting";
                }
                case 13 -> {
                    if (data != null && hugeBodies < 6) {
                        hugeBodies++;
                        int size = rnd.nextBoolean() ? 1000 + rnd.nextInt(200_000) : MAX_BODY - 5_000 + rnd.nextInt(10_000);
                        ((ObjectNode) (data.get("custom_attributes") instanceof ObjectNode c ? c : data.putObject("custom_attributes")))
                                .put("huge", "ü".repeat(size / 2));
                    }
                    return "huge string";
                }
                case 14 -> {
                    e.remove(pick("id", "event", "data", "created_at"));
                    return "missing field";
                }
                default -> {
                    e.set(pick("context", "object", "extra"), randomValue(0));
                    return "envelope extras";
                }
            }
        }

        /** Bodies that are not JSON a parser accepts, or accepted only barely. */
        Body raw(int i) {
            ObjectNode e = baseEvent(i);
            String json = e.toString();
            byte[] b;
            String label;
            switch (rnd.nextInt(11)) {
                case 0 -> {
                    label = "duplicate key";
                    b = utf8(json.replaceFirst("\\{", "{\"id\":\"event_dup_" + i + "\","));
                }
                case 1 -> {
                    label = "invalid utf-8";
                    byte[] base = utf8(json);
                    int at = json.indexOf("\"name\":\"") + 8;
                    b = java.util.Arrays.copyOf(base, base.length);
                    b[at] = (byte) pickInt(0xC3, 0xFF, 0x80, 0xED, 0xF8);
                }
                case 2 -> {
                    label = "trailing content";
                    b = utf8(json + pick("}", " x", "{}", "\u0000"));
                }
                case 3 -> {
                    label = "truncated";
                    b = java.util.Arrays.copyOf(utf8(json), rnd.nextInt(json.length()));
                }
                case 4 -> {
                    label = "nesting beyond the parser's limit";
                    int depth = 1001 + rnd.nextInt(5000);
                    b = utf8(json.substring(0, json.length() - 1) + ",\"n\":" + "[".repeat(depth) + "]".repeat(depth) + "}");
                }
                case 5 -> {
                    label = "number too long";
                    b = utf8(json.substring(0, json.length() - 1) + ",\"n\":" + "9".repeat(1001 + rnd.nextInt(3000)) + "}");
                }
                case 6 -> {
                    label = "non-JSON literals";
                    b = utf8(json.substring(0, json.length() - 1) + ",\"n\":" + pick("NaN", "Infinity", "-Infinity",
                            "undefined", "'single'", "0x10", "01", "+1", ".5") + "}");
                }
                case 7 -> {
                    label = "over the size limit";
                    b = utf8(json.substring(0, json.length() - 1) + ",\"pad\":\"" + "x".repeat(MAX_BODY) + "\"}");
                }
                case 8 -> {
                    label = "escaped control and surrogate text";
                    b = utf8(json.replace("\"name\":\"", "\"name\":\"" + pick("\\u0000", "\\ud800", "\\udfff\\ud800",
                            "\\u001f", "\\u2028") + "x"));
                }
                case 9 -> {
                    label = "byte order mark / whitespace";
                    b = pick(utf8("\uFEFF" + json), utf8(" \n\t" + json + "\n\n"), new byte[0], utf8("null"));
                }
                default -> {
                    label = "comments";
                    b = utf8("/* c */" + json);
                }
            }
            return new Body("raw " + label, b, false, false);
        }

        JsonNode wrongType() {
            return switch (rnd.nextInt(9)) {
                case 0 -> NODES.numberNode(rnd.nextLong());
                case 1 -> NODES.objectNode().put("x", 1);
                case 2 -> NODES.arrayNode().add("x");
                case 3 -> NODES.nullNode();
                case 4 -> NODES.booleanNode(rnd.nextBoolean());
                case 5 -> NODES.textNode("");
                case 6 -> NODES.textNode("   ");
                case 7 -> NODES.numberNode(new java.math.BigDecimal(hostileNumber()));
                default -> NODES.textNode(hostileText());
            };
        }

        String hostileText() {
            return switch (rnd.nextInt(10)) {
                case 0 -> "with\u001Funit-separator";
                case 1 -> "nul\u0000inside";
                case 2 -> "x".repeat(3000 + rnd.nextInt(5000));
                case 3 -> "\uD800lone-surrogate";
                case 4 -> "日本語😀\u2028\u202E";
                case 5 -> "../../etc/passwd?x=1#y";
                case 6 -> "'; drop table directory_users; --";
                case 7 -> "<script>alert(1)</script>";
                case 8 -> "%00%2F%5C";
                default -> "tab\tnewline\nquote\"backslash\\";
            };
        }

        String hostileTime() {
            return pick("not a time", "", "2026-02-30T00:00:00Z", "1969-12-31T23:59:59Z", "0001-01-01T00:00:00Z",
                    "9999-12-31T23:59:59.999999999Z", "+300000-01-01T00:00:00Z", "-4714-11-24T00:00:00Z",
                    "2026-05-18 14:03:41.512", "2026-05-18T14:03:41+14:00", "2026-05-18T14:03:41.1234567891Z",
                    "2026-05-18T24:00:00Z", "1e10", "2026-05-18T14:03", "+12345-06-01T00:00:00Z");
        }

        String hostileNumber() {
            return pick("1e6", "1e400", "-0.0", "123456789012345678901234567890", "1e-400", "1e1000", "1e1001",
                    "1e-1001", "1e100000", "-1e100000", "1e-100000", "9" + "9".repeat(900), "0.0000000000000000000001",
                    "3.4028235e38", "1.7976931348623157e309");
        }

        JsonNode randomValue(int depth) {
            int k = rnd.nextInt(depth > 4 ? 5 : 8);
            return switch (k) {
                case 0 -> NODES.nullNode();
                case 1 -> NODES.booleanNode(rnd.nextBoolean());
                case 2 -> NODES.numberNode(new java.math.BigDecimal(hostileNumber()));
                case 3 -> NODES.textNode(hostileText());
                case 4 -> NODES.numberNode(rnd.nextInt());
                case 5, 6 -> {
                    ObjectNode o = NODES.objectNode();
                    int n = rnd.nextInt(5);
                    for (int j = 0; j < n; j++) {
                        o.set(pick("id", "event", "data", "created_at", "directory_id", "x", "", "\u0000"), randomValue(depth + 1));
                    }
                    yield o;
                }
                default -> {
                    ArrayNode a = NODES.arrayNode();
                    int n = rnd.nextInt(4);
                    for (int j = 0; j < n; j++) {
                        a.add(randomValue(depth + 1));
                    }
                    yield a;
                }
            };
        }

        @SafeVarargs
        private <T> T pick(T... options) {
            return options[rnd.nextInt(options.length)];
        }

        private int pickInt(int... options) {
            return options[rnd.nextInt(options.length)];
        }

        private static byte[] utf8(String s) {
            return s.getBytes(StandardCharsets.UTF_8);
        }
    }
}
