package dev.dsync.topology.query;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dsync.observe.Observability;
import dev.dsync.topology.query.DirectoryLocator.Route;
import dev.dsync.topology.state.DirectoryStateReader;
import io.helidon.webserver.WebServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.junit.jupiter.api.Test;

/**
 * The routing policy with a fake locator, fake local state and fake peers: who answers, in which order, and when
 * nobody can. Then the HTTP side over the same fakes: status codes, JSON errors, headers and metrics labels.
 */
class StateRouterTest {

    static final HostInfo B = new HostInfo("b", 1);
    static final HostInfo C = new HostInfo("c", 1);
    static final StateRouter.Call CLIENT = new StateRouter.Call("/v1/x", false, null);
    static final StateRouter.Call FORWARDED = new StateRouter.Call("/v1/x", true, null);
    /** The fake state holds what reading it gives, so no read is ever applied. */
    static final DirectoryReads.DirectoryRead READ = r -> {
        throw new AssertionError("not read");
    };
    static final DirectoryReads.PieceRead PIECE_READ = r -> {
        throw new AssertionError("not read");
    };

    /** Where the fake says things live. */
    static final class FakeLocator implements DirectoryLocator {
        final Map<String, Route> directories = new HashMap<>();
        List<Route> partitions;

        @Override
        public Route route(String directoryId) {
            return directories.get(directoryId);
        }

        @Override
        public List<Route> partitions() {
            return partitions;
        }
    }

    /** This instance's copies, by partition: what reading them gives (or throws, for a RuntimeException). */
    static final class FakeLocal implements LocalState {
        final Map<Integer, Object> fresh = new HashMap<>();
        final Map<Integer, Object> stale = new HashMap<>();

        @Override
        @SuppressWarnings("unchecked")
        public <T> Optional<T> read(int partition, boolean stale, Function<DirectoryStateReader, T> read) {
            Object copy = stale ? this.stale.getOrDefault(partition, fresh.get(partition)) : fresh.get(partition);
            if (copy instanceof RuntimeException e) {
                throw e;
            }
            return Optional.ofNullable((T) copy);
        }
    }

    /** Other instances: what each answers when one is forwarded, and which partitions each can read for a listing. */
    static final class FakePeers implements Peers {
        final Map<HostInfo, Answer> answers = new HashMap<>();
        final Map<HostInfo, Map<Integer, Rows.Piece>> holds = new HashMap<>();
        final List<String> asked = new ArrayList<>();

        @Override
        public Optional<Answer> forward(HostInfo host, String target) {
            asked.add(host.host() + " " + target);
            return Optional.ofNullable(answers.get(host));
        }

        @Override
        public Map<HostInfo, Answer> pieces(String target, Map<HostInfo, List<Integer>> plan) {
            Map<HostInfo, Answer> replies = new LinkedHashMap<>();
            plan.forEach((host, partitions) -> {
                asked.add(host.host() + " " + partitions);
                Map<Integer, Rows.Piece> held = holds.get(host);
                if (held != null) {
                    replies.put(host, held.keySet().containsAll(partitions)
                            ? new Answer(200, Rows.encode(Rows.merge(partitions.stream().map(held::get).toList(), 100)),
                                    false)
                            : Answer.unavailable("not here"));
                }
            });
            return replies;
        }
    }

    final FakeLocator locator = new FakeLocator();
    final FakeLocal local = new FakeLocal();
    final FakePeers peers = new FakePeers();
    final StateRouter router = new StateRouter(locator, local, peers);

    void route(HostInfo owner, HostInfo... standbys) {
        locator.directories.put("d", new Route(0, owner, List.of(standbys)));
    }

    Answer directory(StateRouter.Call call) {
        return router.directory("d", READ, call);
    }

    @Test
    void aFreshLocalCopyAnswersWithoutAskingAnyone() {
        route(B, C);
        local.fresh.put(0, Answer.ok("here"));
        assertThat(directory(CLIENT)).isEqualTo(Answer.ok("here"));
        assertThat(peers.asked).isEmpty();
    }

    @Test
    void forwardsToTheOwnerOnlyRequestsFromClients() {
        route(B, C);
        peers.answers.put(B, Answer.ok("from b"));
        assertThat(directory(CLIENT)).isEqualTo(Answer.ok("from b"));
        assertThat(peers.asked).containsExactly("b /v1/x");
        // the owner's "not found" is an answer, a bad request too
        peers.answers.put(B, Answer.notFound("directory d not found"));
        assertThat(directory(CLIENT).status()).isEqualTo(404);
        peers.answers.put(B, Answer.badRequest("no"));
        assertThat(directory(CLIENT).status()).isEqualTo(400);
        // a forwarded request is answered from here or not at all: never forwarded again
        peers.asked.clear();
        assertThat(directory(FORWARDED).status()).isEqualTo(503);
        assertThat(peers.asked).isEmpty();
    }

    @Test
    void whenTheOwnerIsDownAStaleLocalCopyAnswersMarkedStale() {
        route(B, C);
        local.stale.put(0, Answer.ok("old"));
        assertThat(directory(CLIENT)).isEqualTo(new Answer(200, "old", true));
        assertThat(peers.asked).containsExactly("b /v1/x");
        // also for a forwarded request, from this instance's own copy
        assertThat(directory(FORWARDED)).isEqualTo(new Answer(200, "old", true));
    }

    @Test
    void aStaleCopyNeverAnswersNotFound() {
        route(B, C);
        local.stale.put(0, Answer.notFound("directory d not found"));
        assertThat(directory(CLIENT).status()).isEqualTo(503);
        // nor does another instance's stale copy
        peers.answers.put(C, Answer.notFound("directory d not found").markedStale());
        assertThat(directory(CLIENT).status()).isEqualTo(503);
        peers.answers.put(C, Answer.ok("from c").markedStale());
        assertThat(directory(CLIENT)).isEqualTo(new Answer(200, "from c", true));
    }

    @Test
    void standbysAreAskedInTurnAfterTheOwner() {
        HostInfo d = new HostInfo("d", 1);
        route(B, C, d);
        peers.answers.put(C, Answer.unavailable("restoring"));
        peers.answers.put(d, Answer.ok("from d").markedStale());
        assertThat(directory(CLIENT)).isEqualTo(new Answer(200, "from d", true));
        assertThat(peers.asked).containsExactly("b /v1/x", "c /v1/x", "d /v1/x");
    }

    @Test
    void nothingAvailableIs503() {
        Answer starting = directory(CLIENT);
        assertThat(starting.status()).isEqualTo(503);
        assertThat(starting.body()).contains("\"error\":\"unavailable\"", "starting");
        route(null);
        Answer moving = directory(CLIENT);
        assertThat(moving.status()).isEqualTo(503);
        assertThat(moving.body()).contains("directory d is being moved or restored");
        assertThat(router.listing(PIECE_READ, 10, CLIENT).body()).contains("starting");
    }

    @Test
    void aListingIsGatheredOverEveryPartitionAndSurvivesAnInstanceFailing() {
        // 0: fresh here; 1: owned by b; 2: owned by c (down), standby on b; 3: owned by c, a stale copy here
        locator.partitions = List.of(new Route(0, null, List.of()), new Route(1, B, List.of()),
                new Route(2, C, List.of(B)), new Route(3, C, List.of()));
        local.fresh.put(0, piece("a1", "a5"));
        peers.holds.put(B, Map.of(1, piece("a2"), 2, piece("a3", "a6")));
        local.stale.put(3, piece("a4"));
        Answer page = router.listing(PIECE_READ, 4, CLIENT);
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.stale()).isTrue();
        JsonNode body = json(page.body());
        assertThat(body.path("data").findValuesAsText("id")).containsExactly("a1", "a2", "a3", "a4");
        assertThat(body.path("list_metadata").path("after").asText()).isEqualTo("a4");
        assertThat(peers.asked).containsExactly("b [1]", "c [2, 3]", "b [2]");

        // every partition or nothing
        local.stale.remove(3);
        Answer missing = router.listing(PIECE_READ, 4, CLIENT);
        assertThat(missing.status()).isEqualTo(503);
        assertThat(missing.body()).contains("partitions [3]");
    }

    @Test
    void anotherInstancesPieceIsReadHereOnly() {
        local.fresh.put(0, piece("a1"));
        local.stale.put(1, piece("a2"));
        Answer piece = router.listing(PIECE_READ, 10, new StateRouter.Call("/v1/x", true, List.of(0, 1)));
        assertThat(piece.stale()).isTrue();
        assertThat(Rows.decode(piece.body())).isEqualTo(piece("a1", "a2"));
        assertThat(router.listing(PIECE_READ, 10, new StateRouter.Call("/v1/x", true, List.of(0, 2))).status())
                .isEqualTo(503);
        assertThat(peers.asked).isEmpty();
    }

    // ------------------------------------------------------------------------------------------- over HTTP

    @Test
    void theHttpSideAnswersWithTheApisStatusesBodiesAndHeaders() throws Exception {
        boolean[] processing = {true};
        Observability observability = new Observability();
        QueryMetrics metrics = new QueryMetrics(observability.registry());
        DirectoryQueryService queries = new DirectoryQueryService(() -> router, () -> processing[0], metrics,
                QueryConfig.local("token", 0), new SyncStatus(Optional::empty));
        WebServer server = WebServer.builder().host("127.0.0.1").port(0).addFeature(observability.feature(List.of()))
                .routing(r -> {
                    r.register(queries);
                    queries.errorHandling(r);
                }).build().start();
        try {
            route(B);
            local.fresh.put(0, Answer.ok("{\"id\":\"d\"}"));
            HttpResponse<String> ok = get(server, "/v1/directories/d");
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(ok.body()).isEqualTo("{\"id\":\"d\"}");
            assertThat(ok.headers().firstValue("Content-Type")).hasValue("application/json");
            assertThat(ok.headers().firstValue("X-Dsync-Stale")).isEmpty();

            local.fresh.remove(0);
            local.stale.put(0, Answer.ok("{\"id\":\"d\"}"));
            assertThat(get(server, "/v1/directories/d").headers().firstValue("X-Dsync-Stale"))
                    .hasValue("true");

            local.stale.put(0, new InvalidStateStoreException("migrating"));
            HttpResponse<String> migrating = get(server, "/v1/directories/d/groups");
            assertError(migrating, 503, "unavailable", "this instance's state is not available right now");
            assertThat(migrating.headers().firstValue("Retry-After")).hasValue("1");

            local.stale.put(0, new IllegalStateException("bug"));
            assertError(get(server, "/v1/directories/d"), 500, "internal_error", "see the instance's log");
            processing[0] = false;
            assertError(get(server, "/v1/directories/d"), 503, "unavailable", "topology is not running");

            assertError(get(server, "/v1/directories/d/users?limit=0"), 400, "invalid_request",
                    "limit must be an integer between 1 and 100");
            assertError(get(server, "/v1/directories/x%1Fy/users"), 404, "not_found", "directory x");
            assertError(get(server, "/v1/directories", "X-Dsync-Scope", "local", "X-Dsync-Partitions",
                    "x"), 400, "invalid_request", "X-Dsync-Partitions must list partition numbers");
            assertError(get(server, "/v1/nothing"), 404, "not_found", "no such route: GET /v1/nothing");
            assertThat(get(server, "/elsewhere").statusCode()).isEqualTo(404);

            local.fresh.put(0, piece("a1"));
            HttpResponse<String> piece = get(server, "/v1/directories", "X-Dsync-Forwarded", "true",
                    "X-Dsync-Scope", "local", "X-Dsync-Partitions", "0");
            assertThat(piece.statusCode()).isEqualTo(200);
            assertThat(piece.headers().firstValue("Content-Type")).hasValue(DirectoryQueryService.PIECE);
            assertThat(Rows.decode(piece.body())).isEqualTo(piece("a1"));

            String scrape = get(server, "/metrics").body();
            assertThat(scrape).contains("route=\"/v1/directories/{directory_id}\"", "route=\"/v1/directories\"",
                    "route=\"/v1/directories/{directory_id}/users\"", "route=\"(unknown)\"", "scope=\"forwarded\"",
                    "outcome=\"ok_stale\"", "outcome=\"error\"", "outcome=\"bad_request\"");
        } finally {
            server.stop();
            observability.close();
        }
    }

    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    HttpResponse<String> get(WebServer server, String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static void assertError(HttpResponse<String> r, int status, String error, String message) throws Exception {
        assertThat(r.statusCode()).as(r.uri().toString()).isEqualTo(status);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
        JsonNode body = json(r.body());
        assertThat(body.path("error").asText()).isEqualTo(error);
        assertThat(body.path("message").asText()).contains(message);
    }

    static Rows.Piece piece(String... ids) {
        return new Rows.Piece(Arrays.stream(ids).map(id -> new Rows.Row(id, "{\"id\":\"" + id + "\"}")).toList(),
                false);
    }

    static JsonNode json(String body) {
        try {
            return Json.MAPPER.readTree(body);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
