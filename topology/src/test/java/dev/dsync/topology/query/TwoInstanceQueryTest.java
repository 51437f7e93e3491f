package dev.dsync.topology.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dsync.embedded.EmbeddedKafka;
import dev.dsync.events.Topics;
import dev.dsync.topology.DsyncStreams;
import dev.dsync.topology.TestEvents;
import dev.dsync.topology.TopologyConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two topology instances, each with its own query server, on one in-process broker: every endpoint answers the
 * same from either instance and matches what was sent; paging visits every record once; tokens are enforced; and
 * when one instance stops, the survivor answers only correct data or 503 until it answers everything again.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(150)
@Tag("integration")
class TwoInstanceQueryTest {


    static final String TOKEN = "test-token-" + Long.toHexString(System.nanoTime());
    static final int PARTITIONS = 3;
    static final List<String> ORGS = List.of("org_01ALPHA", "org_01BETA");
    static final int USERS = 12;
    static final int GROUPS = 3;

    record User(String id, String state, String email, String firstName) {
    }

    record Dir(String id, String org, String name, TreeMap<String, User> users, TreeMap<String, String> groups,
               Map<String, TreeSet<String>> members, boolean deleted) {
    }

    /** One topology instance and its query server. */
    record Instance(DsyncStreams streams, QueryServer query) {
        String base() {
            return "http://127.0.0.1:" + query.port();
        }

        void stop() {
            query.close();
            // leave the group at once, as a deliberately stopped instance does, instead of waiting for the session
            streams.streams().close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                    .withTimeout(Duration.ofSeconds(30)));
        }
    }

    Path tmp;

    EmbeddedKafka kafka;
    Instance a;
    Instance b;
    boolean bStopped;
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();
    final Map<String, Dir> dirs = new LinkedHashMap<>();

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        tmp = dir;
        kafka = new EmbeddedKafka(tmp.resolve("kafka"), 0).start();
        kafka.createContractTopics(PARTITIONS);
        produceEvents();
        a = startInstance("a");
        b = startInstance("b");
        a.streams().awaitRunning(Duration.ofSeconds(60));
        b.streams().awaitRunning(Duration.ofSeconds(60));
        // both instances known to both, and every partition owned by one of them
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() ->
                a.streams().streams().state() == KafkaStreams.State.RUNNING
                        && b.streams().streams().state() == KafkaStreams.State.RUNNING
                        && a.streams().streams().metadataForAllStreamsClients().size() == 2
                        && b.streams().streams().metadataForAllStreamsClients().size() == 2
                        && activePartitions(a) + activePartitions(b) == PARTITIONS
                        && activePartitions(a) > 0 && activePartitions(b) > 0);
        // all events applied: every live directory answers its full user list (routed, so from either instance)
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
            for (Dir d : dirs.values()) {
                HttpResponse<String> r = get(a, "/v1/directories/" + d.id() + "/users?limit=100", TOKEN);
                if (d.deleted()) {
                    assertThat(r.statusCode()).isEqualTo(404);
                } else {
                    assertThat(r.statusCode()).isEqualTo(200);
                    assertThat(ids(r)).containsExactlyElementsOf(d.users().keySet());
                }
            }
        });
    }

    @AfterAll
    void stop() {
        if (!bStopped && b != null) {
            b.stop();
        }
        if (a != null) {
            a.query().close();
            a.streams().close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    /** Standby replicas of each task: with one, the survivor of a stop can answer (stale) from its standbys. */
    int standbyReplicas() {
        return 1;
    }

    long maxStaleLag() {
        return QueryConfig.DEFAULT_MAX_STALE_LAG;
    }

    Instance startInstance(String name) {
        // port 0: the server picks a free port, which is then advertised as the topology's application.server
        QueryServer query = QueryServer.start(QueryConfig.fromEnv(Map.of("DSYNC_QUERY_HOST", "127.0.0.1",
                "DSYNC_QUERY_PORT", "0", "DSYNC_QUERY_TOKEN", TOKEN, "DSYNC_QUERY_FORWARD_TIMEOUT", "PT2S",
                "DSYNC_QUERY_MAX_STALE_LAG", Long.toString(maxStaleLag()))));
        TopologyConfig config = TopologyConfig.fromEnv(Map.of(
                "DSYNC_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers(),
                "DSYNC_APPLICATION_ID", "dsync-query-test",
                "DSYNC_STATE_DIR", tmp.resolve("state-" + name).toString(),
                "DSYNC_APPLICATION_SERVER", query.advertisedAddress(),
                "DSYNC_COMMIT_INTERVAL", "PT0.1S",
                "DSYNC_NUM_STANDBY_REPLICAS", Integer.toString(standbyReplicas()),
                "DSYNC_STREAMS_STATESTORE_CACHE_MAX_BYTES", "0"));
        DsyncStreams streams = DsyncStreams.start(config);
        query.attach(streams);
        return new Instance(streams, query);
    }

    static int activePartitions(Instance i) {
        return i.streams().streams().metadataForLocalThreads().stream()
                .flatMap(t -> t.activeTasks().stream())
                .mapToInt(t -> (int) t.topicPartitions().stream().filter(tp -> tp.topic().equals(Topics.EVENTS)).count())
                .sum();
    }

    // ------------------------------------------------------------------------------------------- tests

    @Test
    @Order(1)
    void bothInstancesAnswerEveryEndpointTheSameAndCorrectly() throws Exception {
        Map<String, HttpResponse<String>> fromA = new LinkedHashMap<>();
        for (String path : allPaths()) {
            HttpResponse<String> ra = get(a, path, TOKEN);
            HttpResponse<String> rb = get(b, path, TOKEN);
            assertThat(rb.statusCode()).as(path).isEqualTo(ra.statusCode());
            assertThat(rb.body()).as(path).isEqualTo(ra.body());
            assertThat(ra.headers().firstValue("X-Dsync-Stale")).as(path).isEmpty();
            fromA.put(path, ra);
        }
        assertCorrect(fromA);
        // each instance really answered some directories itself and forwarded the others
        Set<Integer> ownedByA = new HashSet<>();
        for (Dir d : dirs.values()) {
            assertThat(a.streams().ownerOf(d.id()).partition()).isEqualTo(DirectoryLocator.partitionOf(d.id(), PARTITIONS));
            if (a.streams().ownerOf(d.id()).activeHost().port() == a.query().port()) {
                ownedByA.add(DirectoryLocator.partitionOf(d.id(), PARTITIONS));
            }
        }
        assertThat(ownedByA).isNotEmpty().hasSizeLessThan(PARTITIONS);
    }

    @Test
    @Order(2)
    void pagingVisitsEveryRecordExactlyOnce() throws Exception {
        List<String> allDirs = dirs.values().stream().filter(d -> !d.deleted()).map(Dir::id).sorted().toList();
        assertThat(walk("/v1/directories", 2)).containsExactlyElementsOf(allDirs);
        for (String org : ORGS) {
            assertThat(walk("/v1/organizations/" + org + "/directories", 1))
                    .containsExactlyElementsOf(live().filter(d -> d.org().equals(org)).map(Dir::id).sorted().toList());
            assertThat(walk("/v1/organizations/" + org + "/users", 7))
                    .containsExactlyElementsOf(live().filter(d -> d.org().equals(org))
                            .flatMap(d -> d.users().keySet().stream()).sorted().toList());
        }
        for (Dir d : live().toList()) {
            String base = "/v1/directories/" + d.id();
            assertThat(walk(base + "/users", 5)).containsExactlyElementsOf(d.users().keySet());
            assertThat(walk(base + "/users?state=active", 3)).containsExactlyElementsOf(
                    d.users().values().stream().filter(u -> u.state().equals("active")).map(User::id).toList());
            assertThat(walk(base + "/groups", 2)).containsExactlyElementsOf(d.groups().keySet());
            for (String g : d.groups().keySet()) {
                assertThat(walk(base + "/groups/" + g + "/users", 2)).containsExactlyElementsOf(liveMembers(d, g));
            }
        }
    }

    @Test
    @Order(3)
    void everyEndpointNeedsTheToken() throws Exception {
        for (String path : allPaths()) {
            assertThat(get(a, path, null).statusCode()).as(path).isEqualTo(401);
            assertThat(get(b, path, "wrong-" + TOKEN).statusCode()).as(path).isEqualTo(401);
            assertThat(get(a, path, TOKEN.substring(1)).statusCode()).as(path).isEqualTo(401);
            HttpResponse<String> unauthorized = get(b, path, null);
            assertThat(Json.MAPPER.readTree(unauthorized.body()).path("error").asText()).isEqualTo("unauthorized");
            assertThat(get(b, path, TOKEN).statusCode()).as(path).isIn(200, 404);
        }
        for (String path : okPaths()) {
            assertThat(get(a, path, TOKEN).statusCode()).as(path).isEqualTo(200);
        }
        // the OpenAPI document, health and metrics need no token
        HttpResponse<String> openApi = get(a, "/v1/openapi.yaml", null);
        assertThat(openApi.statusCode()).isEqualTo(200);
        assertThat(openApi.body()).startsWith("openapi: 3").contains("/v1/organizations/{organization_id}/users:");
        assertThat(get(a, "/health/live", null).statusCode()).isEqualTo(200);
        assertThat(get(b, "/health/ready", null).statusCode()).isEqualTo(200);
        String metrics = get(a, "/metrics", null).body();
        assertThat(metrics).contains("dsync_query_requests_seconds_count{outcome=\"unauthorized\"")
                .contains("route=\"/v1/directories/{directory_id}/users\"")
                .contains("scope=\"forwarded\"")
                .contains("dsync_topology_events_received_total")
                .contains("kafka_stream_");
    }

    @Test
    @Order(4)
    void invalidParametersAre400WithAJsonError() throws Exception {
        String d = live().findFirst().orElseThrow().id();
        for (String q : List.of("limit=0", "limit=101", "limit=abc", "limit=", "state=suspended")) {
            for (String path : List.of("/v1/directories?" + q, "/v1/directories/" + d + "/users?" + q)) {
                HttpResponse<String> r = get(b, path, TOKEN);
                if (q.equals("limit=")) {
                    assertThat(r.statusCode()).as(path).isEqualTo(200); // empty means the default
                    continue;
                }
                if (q.startsWith("state") && path.equals("/v1/directories?" + q)) {
                    continue; // no state filter on directories
                }
                assertThat(r.statusCode()).as(path).isEqualTo(400);
                assertThat(Json.MAPPER.readTree(r.body()).path("error").asText()).isEqualTo("invalid_request");
            }
        }
        assertThat(ids(get(a, "/v1/directories", TOKEN))).hasSize(Math.min(10, (int) live().count()));
        for (String path : List.of("/v1/nothing", "/v1/directories/" + d + "/nothing/here")) {
            HttpResponse<String> r = get(a, path, TOKEN);
            assertThat(r.statusCode()).as(path).isEqualTo(404);
            assertThat(Json.MAPPER.readTree(r.body()).path("error").asText()).isEqualTo("not_found");
            assertThat(get(a, path, null).statusCode()).as(path).isEqualTo(401);
        }
    }

    @Test
    @Order(5)
    void theSurvivorAnswersCorrectlyOr503WhileTakingOverAndEverythingAfter() throws Exception {
        Map<String, String> expected = new LinkedHashMap<>();
        List<String> paths = allPaths();
        for (String path : paths) {
            HttpResponse<String> r = get(a, path, TOKEN);
            expected.put(path, r.statusCode() + " " + r.body());
        }
        b.stop();
        bStopped = true;
        int ok = 0;
        int stale = 0;
        int unavailable = 0;
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        int cleanRounds = 0;
        while (cleanRounds < 2) {
            assertThat(System.nanoTime()).as("the survivor never settled").isLessThan(deadline);
            boolean clean = a.streams().streams().state() == KafkaStreams.State.RUNNING;
            for (String path : paths) {
                HttpResponse<String> r = get(a, path, TOKEN);
                if (r.statusCode() == 503) {
                    unavailable++;
                    clean = false;
                    assertThat(r.headers().firstValue("Retry-After")).as(path).isPresent();
                    assertThat(Json.MAPPER.readTree(r.body()).path("error").asText()).isEqualTo("unavailable");
                    continue;
                }
                assertThat(r.statusCode() + " " + r.body()).as(path).isEqualTo(expected.get(path));
                if (r.headers().firstValue("X-Dsync-Stale").isPresent()) {
                    stale++;
                    clean = false;
                } else {
                    ok++;
                }
            }
            cleanRounds = clean ? cleanRounds + 1 : 0;
        }
        System.out.printf("failover (%d standby): %d fresh answers, %d stale answers, %d 503s before settling%n", standbyReplicas(), ok, stale,
                unavailable);
        assertThat(activePartitions(a)).isEqualTo(PARTITIONS);
        assertThat(walk("/v1/directories", 2, a)).containsExactlyElementsOf(
                live().map(Dir::id).sorted().toList());
    }

    // ------------------------------------------------------------------------------------------- checks

    /** Every path the tests ask, over every route: live, deleted and unknown directories, users and groups. */
    List<String> allPaths() {
        List<String> out = new ArrayList<>(List.of("/v1/directories", "/v1/directories?limit=100",
                "/v1/directories/directory_unknown", "/v1/directories/directory_unknown/users",
                "/v1/organizations/org_unknown/directories", "/v1/organizations/org_unknown/users"));
        for (String org : ORGS) {
            out.add("/v1/organizations/" + org + "/directories?limit=100");
            out.add("/v1/organizations/" + org + "/users?limit=100");
            Dir first = live().filter(d -> d.org().equals(org)).findFirst().orElseThrow();
            out.add("/v1/organizations/" + org + "/users?email="
                    + first.users().firstEntry().getValue().email().toUpperCase(Locale.ROOT));
        }
        for (Dir d : dirs.values()) {
            String base = "/v1/directories/" + d.id();
            out.add(base);
            out.add(base + "/users?limit=100");
            out.add(base + "/users?state=inactive&limit=100");
            out.add(base + "/groups?limit=100");
            out.add(base + "/users/user_unknown");
            out.add(base + "/groups/group_unknown");
            out.add(base + "/groups/group_unknown/users");
            out.add(base + "/users/user_unknown/groups");
            String someUser = d.users().isEmpty() ? "directory_user_x" : d.users().firstKey();
            String someGroup = d.groups().isEmpty() ? "directory_group_x" : d.groups().firstKey();
            out.add(base + "/users/" + someUser);
            out.add(base + "/users/" + someUser + "/groups");
            out.add(base + "/users?email=" + someUser.toUpperCase(Locale.ROOT) + "@example.COM");
            out.add(base + "/groups/" + someGroup);
            out.add(base + "/groups/" + someGroup + "/users?limit=100");
        }
        return out;
    }

    /** Paths that must answer 200. */
    List<String> okPaths() {
        return allPaths().stream().filter(p -> !p.contains("unknown") || p.startsWith("/v1/organizations/"))
                .filter(p -> live().anyMatch(d -> p.contains(d.id())) || !p.contains("/v1/directories/"))
                .toList();
    }

    void assertCorrect(Map<String, HttpResponse<String>> responses) throws Exception {
        for (Map.Entry<String, HttpResponse<String>> e : responses.entrySet()) {
            String path = e.getKey();
            HttpResponse<String> r = e.getValue();
            boolean shouldExist = okPaths().contains(path);
            assertThat(r.statusCode()).as(path).isEqualTo(shouldExist ? 200 : 404);
            JsonNode body = Json.MAPPER.readTree(r.body());
            if (!shouldExist) {
                assertThat(body.path("error").asText()).as(path).isEqualTo("not_found");
                assertThat(body.path("message").asText()).as(path).isNotBlank();
            }
        }
        assertThat(ids(responses.get("/v1/directories?limit=100")))
                .containsExactlyElementsOf(live().map(Dir::id).sorted().toList());
        assertThat(ids(responses.get("/v1/directories"))).hasSize(Math.min(10, (int) live().count()));
        assertThat(ids(responses.get("/v1/organizations/org_unknown/users"))).isEmpty();
        for (String org : ORGS) {
            assertThat(ids(responses.get("/v1/organizations/" + org + "/directories?limit=100")))
                    .containsExactlyElementsOf(live().filter(d -> d.org().equals(org)).map(Dir::id).sorted().toList());
            assertThat(ids(responses.get("/v1/organizations/" + org + "/users?limit=100")))
                    .containsExactlyElementsOf(live().filter(d -> d.org().equals(org))
                            .flatMap(d -> d.users().keySet().stream()).sorted().limit(100).toList());
            User first = live().filter(d -> d.org().equals(org)).findFirst().orElseThrow().users().firstEntry()
                    .getValue();
            assertThat(ids(responses.get("/v1/organizations/" + org + "/users?email="
                    + first.email().toUpperCase(Locale.ROOT)))).containsExactly(first.id());
        }
        for (Dir d : live().toList()) {
            String base = "/v1/directories/" + d.id();
            JsonNode dir = Json.MAPPER.readTree(responses.get(base).body());
            assertThat(dir.path("id").asText()).isEqualTo(d.id());
            assertThat(dir.path("name").asText()).isEqualTo(d.name());
            assertThat(dir.path("organization_id").asText()).isEqualTo(d.org());
            JsonNode users = Json.MAPPER.readTree(responses.get(base + "/users?limit=100").body());
            assertThat(users.path("list_metadata").path("after").isNull()).isTrue();
            List<String> userIds = new ArrayList<>();
            for (JsonNode u : users.path("data")) {
                User expected = d.users().get(u.path("id").asText());
                assertThat(expected).as(u.toString()).isNotNull();
                assertThat(u.path("state").asText()).isEqualTo(expected.state());
                assertThat(u.path("email").asText()).isEqualTo(expected.email());
                assertThat(u.path("first_name").asText()).isEqualTo(expected.firstName());
                assertThat(u.path("directory_id").asText()).isEqualTo(d.id());
                userIds.add(u.path("id").asText());
            }
            assertThat(userIds).containsExactlyElementsOf(d.users().keySet());
            assertThat(ids(responses.get(base + "/users?state=inactive&limit=100"))).containsExactlyElementsOf(
                    d.users().values().stream().filter(u -> u.state().equals("inactive")).map(User::id).toList());
            assertThat(ids(responses.get(base + "/groups?limit=100"))).containsExactlyElementsOf(d.groups().keySet());
            String someUser = d.users().firstKey();
            String someGroup = d.groups().firstKey();
            assertThat(Json.MAPPER.readTree(responses.get(base + "/users/" + someUser).body()).path("id").asText())
                    .isEqualTo(someUser);
            assertThat(ids(responses.get(base + "/users?email=" + someUser.toUpperCase(Locale.ROOT) + "@example.COM")))
                    .containsExactly(someUser);
            assertThat(ids(responses.get(base + "/users/" + someUser + "/groups"))).containsExactlyElementsOf(
                    d.members().entrySet().stream().filter(m -> m.getValue().contains(someUser)).map(Map.Entry::getKey)
                            .sorted().toList());
            JsonNode group = Json.MAPPER.readTree(responses.get(base + "/groups/" + someGroup).body());
            assertThat(group.path("name").asText()).isEqualTo(d.groups().get(someGroup));
            // the membership of a user that was never created is skipped
            assertThat(d.members().get(someGroup)).anyMatch(u -> u.startsWith("directory_user_ghost"));
            assertThat(ids(responses.get(base + "/groups/" + someGroup + "/users?limit=100")))
                    .containsExactlyElementsOf(liveMembers(d, someGroup));
        }
    }

    List<String> liveMembers(Dir d, String groupId) {
        return d.members().getOrDefault(groupId, new TreeSet<>()).stream().filter(d.users()::containsKey).toList();
    }

    /** Pages through a listing with {@code limit}, alternating between the instances. */
    List<String> walk(String path, int limit) throws Exception {
        return walk(path, limit, null);
    }

    List<String> walk(String path, int limit, Instance only) throws Exception {
        List<String> seen = new ArrayList<>();
        String after = null;
        int page = 0;
        do {
            String sep = path.contains("?") ? "&" : "?";
            Instance target = only != null ? only : (page++ % 2 == 0 ? a : b);
            HttpResponse<String> r = get(target, path + sep + "limit=" + limit + (after == null ? "" : "&after=" + after),
                    TOKEN);
            assertThat(r.statusCode()).as(path).isEqualTo(200);
            JsonNode body = Json.MAPPER.readTree(r.body());
            assertThat(body.path("data").size()).isLessThanOrEqualTo(limit);
            body.path("data").forEach(n -> seen.add(n.path("id").asText()));
            JsonNode next = body.path("list_metadata").path("after");
            after = next.isNull() ? null : next.asText();
            if (after != null) {
                assertThat(body.path("data").size()).isEqualTo(limit);
            }
            assertThat(seen.size()).as("runaway paging of " + path).isLessThan(10_000);
        } while (after != null);
        return seen;
    }

    static List<String> ids(HttpResponse<String> r) throws Exception {
        assertThat(r.statusCode()).as(r.uri().toString() + " " + r.body()).isEqualTo(200);
        List<String> out = new ArrayList<>();
        Json.MAPPER.readTree(r.body()).path("data").forEach(n -> out.add(n.path("id").asText()));
        return out;
    }

    HttpResponse<String> get(Instance i, String path, String token) throws Exception {
        HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(i.base() + path)).timeout(Duration.ofSeconds(10));
        if (token != null) {
            req.header("Authorization", "Bearer " + token);
        }
        return http.send(req.build(), HttpResponse.BodyHandlers.ofString());
    }

    java.util.stream.Stream<Dir> live() {
        return dirs.values().stream().filter(d -> !d.deleted());
    }

    // ------------------------------------------------------------------------------------------- input

    /**
     * Directories on every partition (two each) across two organizations, one more that gets deleted; each with
     * users (some inactive, one deleted), groups and memberships, including one of a user that never existed.
     */
    void produceEvents() {
        Map<Integer, List<String>> byPartition = new TreeMap<>();
        for (int i = 0; byPartition.values().stream().mapToInt(List::size).sum() < PARTITIONS * 2; i++) {
            String id = String.format("directory_01Q%04d", i);
            List<String> ids = byPartition.computeIfAbsent(DirectoryLocator.partitionOf(id, PARTITIONS), k -> new ArrayList<>());
            if (ids.size() < 2) {
                ids.add(id);
            }
        }
        List<String> dirIds = byPartition.values().stream().flatMap(List::stream).sorted().collect(Collectors.toList());
        dirIds.add("directory_01ZDELETED");
        List<ProducerRecord<String, String>> records = new ArrayList<>();
        long[] clock = {1000};
        for (int di = 0; di < dirIds.size(); di++) {
            String dir = dirIds.get(di);
            String org = ORGS.get(di % ORGS.size());
            boolean deleted = dir.endsWith("DELETED");
            Dir d = new Dir(dir, org, "Directory " + di, new TreeMap<>(), new TreeMap<>(), new TreeMap<>(), deleted);
            dirs.put(dir, d);
            ObjectNode data = TestEvents.directoryData(dir, "active", d.name(), at(clock[0]));
            data.put("organization_id", org);
            records.add(event(dir, "dsync.activated", data, clock));
            for (int u = 0; u <= USERS; u++) {
                String userId = String.format("directory_user_%d_%02d", di, u);
                String state = u % 4 == 3 ? "inactive" : "active";
                ObjectNode user = TestEvents.userData(dir, userId, state, "First" + u, at(clock[0]));
                user.put("organization_id", org);
                records.add(event(dir, "dsync.user.created", user, clock));
                if (u == USERS) {
                    records.add(event(dir, "dsync.user.deleted", user.deepCopy().put("updated_at",
                            at(clock[0] + 1)), clock));
                } else {
                    d.users().put(userId, new User(userId, state, userId + "@Example.com", "First" + u));
                }
            }
            for (int g = 0; g < GROUPS; g++) {
                String groupId = String.format("directory_group_%d_%d", di, g);
                ObjectNode group = TestEvents.groupData(dir, groupId, "Group " + di + "/" + g, at(clock[0]));
                group.put("organization_id", org);
                records.add(event(dir, "dsync.group.created", group, clock));
                d.groups().put(groupId, group.path("name").asText());
                TreeSet<String> members = new TreeSet<>();
                for (int u = 0; u < USERS; u++) {
                    if (u % GROUPS == g || u == 0) {
                        members.add(String.format("directory_user_%d_%02d", di, u));
                    }
                }
                members.add("directory_user_ghost_" + di);
                for (String member : members) {
                    ObjectNode membership = Json.MAPPER.createObjectNode();
                    membership.put("directory_id", dir);
                    membership.set("user", TestEvents.userData(dir, member, "active", "Member", at(0)));
                    membership.set("group", group.deepCopy());
                    records.add(event(dir, "dsync.group.user_added", membership, clock));
                }
                d.members().put(groupId, members);
            }
            if (deleted) {
                ObjectNode gone = TestEvents.directoryData(dir, "deleting", d.name(), at(clock[0]));
                gone.put("organization_id", org);
                records.add(event(dir, "dsync.deleted", gone, clock));
            }
        }
        // the topics are brand new: on a busy machine the broker may refuse appends for a while, so every record
        // is confirmed and the refused ones are sent again (the topology does not depend on arrival order)
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 20_000,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000,
                ProducerConfig.LINGER_MS_CONFIG, 5), new StringSerializer(), new StringSerializer())) {
            List<ProducerRecord<String, String>> pending = records;
            for (int attempt = 1; !pending.isEmpty(); attempt++) {
                assertThat(attempt).as("could not produce the input events").isLessThanOrEqualTo(6);
                List<java.util.concurrent.Future<?>> sent = new ArrayList<>();
                pending.forEach(r -> sent.add(producer.send(r)));
                producer.flush();
                List<ProducerRecord<String, String>> failed = new ArrayList<>();
                for (int i = 0; i < sent.size(); i++) {
                    try {
                        sent.get(i).get();
                    } catch (Exception e) {
                        failed.add(pending.get(i));
                    }
                }
                pending = failed;
            }
        }
    }

    /**
     * Event times shortly before now. (With the samples' fixed 2026 dates, the broker deletes old segments of the
     * stores' change-logs by retention, and a task restoring it is re-initialized from scratch: a topology
     * matter that this test is not about.)
     */
    static String at(long ms) {
        return dev.dsync.events.EventTimes.format(START.plusMillis(ms));
    }

    static final java.time.Instant START = java.time.Instant.now().minus(Duration.ofHours(1))
            .truncatedTo(java.time.temporal.ChronoUnit.MILLIS);

    static ProducerRecord<String, String> event(String dir, String type, ObjectNode data, long[] clock) {
        long t = clock[0]++;
        return record(dir, TestEvents.envelope("evt_" + t, type, at(t), data));
    }

    static ProducerRecord<String, String> record(String dir, String json) {
        return new ProducerRecord<>(Topics.EVENTS, dir, json);
    }
}
