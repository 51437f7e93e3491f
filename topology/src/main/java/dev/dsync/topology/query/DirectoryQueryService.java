package dev.dsync.topology.query;

import dev.dsync.topology.state.StateKeys;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code /v1} query API: WorkOS-shaped JSON over the directory state. What each route reads is in
 * {@link DirectoryReads}; who answers it (here, the owner, every instance) is {@link StateRouter}'s business.
 */
public final class DirectoryQueryService implements HttpService {

    private static final Logger LOG = LoggerFactory.getLogger(DirectoryQueryService.class);
    static final int DEFAULT_LIMIT = 10;
    static final int MAX_LIMIT = 100;
    static final String JSON = "application/json";
    /** The content type of one instance's piece of a fanned-out listing ({@link Rows#encode}). */
    static final String PIECE = "application/x-dsync-piece; charset=utf-8";

    private static final HeaderName FORWARDED = HeaderNames.create(InstanceClient.FORWARDED);
    private static final HeaderName SCOPE = HeaderNames.create(InstanceClient.SCOPE);
    private static final HeaderName PARTITIONS = HeaderNames.create(InstanceClient.PARTITIONS);
    private static final HeaderName STALE = HeaderNames.create(InstanceClient.STALE);

    /** A request the API refuses as malformed (400). */
    private static final class BadRequest extends RuntimeException {
        BadRequest(String message) {
            super(message, null, false, false);
        }
    }

    /** An id that can't name anything (404). */
    private static final class NotFound extends RuntimeException {
        NotFound(String message) {
            super(message, null, false, false);
        }
    }

    /** Paging parameters. */
    private record Paging(int limit, String after) {
    }

    private interface Endpoint {
        Answer answer(ServerRequest req, StateRouter router, StateRouter.Call call);
    }

    /** Request-context key of the time a query route took a request: marks the requests whose errors are ours. */
    private static final Object STARTED = new Object();

    private final Supplier<StateRouter> router;
    private final BooleanSupplier topologyProcessing;
    private final QueryMetrics metrics;
    private final String retryAfterSeconds;
    private final SyncStatus sync;

    DirectoryQueryService(Supplier<StateRouter> router, BooleanSupplier topologyProcessing, QueryMetrics metrics,
                          QueryConfig config, SyncStatus sync) {
        this.router = router;
        this.topologyProcessing = topologyProcessing;
        this.metrics = metrics;
        this.retryAfterSeconds = Long.toString(Math.max(1, config.retryAfter().toSeconds()));
        this.sync = sync;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/v1/directories", query((req, r, call) -> {
            Paging p = paging(req);
            return r.listing(DirectoryReads.directories(null, p.after(), p.limit()), p.limit(), call);
        })).get("/v1/directories/{directory_id}", query((req, r, call) -> {
            String d = id(req, "directory_id");
            return r.directory(d, DirectoryReads.directory(d), call);
        })).get("/v1/directories/{directory_id}/users", query((req, r, call) -> {
            String d = id(req, "directory_id");
            Paging p = paging(req);
            return r.directory(d, DirectoryReads.users(d, userFilter(req), p.after(), p.limit()), call);
        })).get("/v1/directories/{directory_id}/users/{user_id}", query((req, r, call) -> {
            String d = id(req, "directory_id");
            return r.directory(d, DirectoryReads.user(d, id(req, "user_id")), call);
        })).get("/v1/directories/{directory_id}/users/{user_id}/groups", query((req, r, call) -> {
            String d = id(req, "directory_id");
            Paging p = paging(req);
            return r.directory(d, DirectoryReads.groupsOfUser(d, id(req, "user_id"), p.after(), p.limit()), call);
        })).get("/v1/directories/{directory_id}/groups", query((req, r, call) -> {
            String d = id(req, "directory_id");
            Paging p = paging(req);
            return r.directory(d, DirectoryReads.groups(d, p.after(), p.limit()), call);
        })).get("/v1/directories/{directory_id}/groups/{group_id}", query((req, r, call) -> {
            String d = id(req, "directory_id");
            return r.directory(d, DirectoryReads.group(d, id(req, "group_id")), call);
        })).get("/v1/directories/{directory_id}/groups/{group_id}/users", query((req, r, call) -> {
            String d = id(req, "directory_id");
            Paging p = paging(req);
            return r.directory(d, DirectoryReads.usersOfGroup(d, id(req, "group_id"), p.after(), p.limit()), call);
        })).get("/v1/organizations/{organization_id}/directories", query((req, r, call) -> {
            String o = id(req, "organization_id");
            Paging p = paging(req);
            return r.listing(DirectoryReads.directories(o, p.after(), p.limit()), p.limit(), call);
        })).get("/v1/organizations/{organization_id}/users", query((req, r, call) -> {
            String o = id(req, "organization_id");
            Paging p = paging(req);
            return r.listing(DirectoryReads.organizationUsers(o, userFilter(req), p.after(), p.limit()), p.limit(),
                    call);
        })).get("/v1/directories/{directory_id}/sync", query((req, r, call) -> {
            String d = id(req, "directory_id");
            return r.directory(d, reader -> sync.directory(d, reader), call);
        })).post("/v1/reconciliations", query((req, r, call) -> sync.request(body(req))))
                .get("/v1/reconciliations/{reconciliation_id}", query((req, r, call) ->
                        sync.reconciliation(req.path().pathParameters().get("reconciliation_id"))));
        // anything else under /v1 is an unknown route: a JSON 404 like every other error of the API
        rules.any("/v1/*", (req, res) -> {
            res.status(404).header(HeaderNames.CONTENT_TYPE, JSON)
                    .send(Json.error("not_found", "no such route: " + req.prologue().method().text() + " "
                            + req.path().path()).getBytes(StandardCharsets.UTF_8));
            metrics.request("(unknown)", "client", 404, false, 0);
        });
    }

    /** Turns what a query route throws into the API's JSON errors. */
    void errorHandling(HttpRouting.Builder routing) {
        routing.error(BadRequest.class, (req, res, e) -> send(req, res, Answer.badRequest(e.getMessage()), false))
                .error(NotFound.class, (req, res, e) -> send(req, res, Answer.notFound(e.getMessage()), false))
                // the state is closing, migrating or restoring: not an error of the request, and it passes
                .error(InvalidStateStoreException.class, (req, res, e) -> send(req, res, Answer.unavailable(
                        "this instance's state is not available right now; retry shortly"), false))
                .error(RuntimeException.class, this::failed);
    }

    /** Any other failure of a query route; those of requests no query route took are left to Helidon. */
    private void failed(ServerRequest req, ServerResponse res, RuntimeException e) {
        if (req.context().get(STARTED, Long.class).isEmpty()) {
            return;
        }
        if (!topologyProcessing.getAsBoolean()) {
            // e.g. "KafkaStreams is not running. State is ERROR": /health/live says why
            send(req, res, Answer.unavailable("this instance's topology is not running; retry shortly"), false);
        } else {
            LOG.error("{} failed", req.path().path(), e);
            send(req, res, new Answer(500, Json.error("internal_error", "the request failed; see the instance's log"),
                    false), false);
        }
    }

    /** A query route, labelled in the metrics by its path pattern; what it throws goes to {@link #errorHandling}. */
    private Handler query(Endpoint endpoint) {
        return (req, res) -> {
            req.context().register(STARTED, System.nanoTime());
            StateRouter.Call call = call(req);
            StateRouter r = router.get();
            Answer answer = r == null ? Answer.unavailable("the topology is not running yet; retry shortly")
                    : endpoint.answer(req, r, call);
            send(req, res, answer, call.partitions() != null);
        };
    }

    private void send(ServerRequest req, ServerResponse res, Answer answer, boolean piece) {
        res.status(answer.status());
        res.header(HeaderNames.CONTENT_TYPE, piece && answer.status() == 200 ? PIECE : JSON);
        if (answer.stale()) {
            res.header(STALE, "true");
        }
        if (answer.status() == 503) {
            res.header(HeaderNames.RETRY_AFTER, retryAfterSeconds);
        }
        res.send(answer.body().getBytes(StandardCharsets.UTF_8));
        metrics.request(req.matchingPattern().orElse("(unknown)"), forwarded(req) ? "forwarded" : "client",
                answer.status(), answer.stale(), System.nanoTime() - req.context().get(STARTED, Long.class).get());
    }

    private static boolean forwarded(ServerRequest req) {
        return req.headers().first(FORWARDED).map("true"::equalsIgnoreCase).orElse(false);
    }

    private static StateRouter.Call call(ServerRequest req) {
        String query = req.query().rawValue();
        String target = req.path().absolute().rawPath() + (query == null || query.isEmpty() ? "" : "?" + query);
        List<Integer> partitions = null;
        if (req.headers().first(SCOPE).map("local"::equalsIgnoreCase).orElse(false)) {
            try {
                partitions = Arrays.stream(req.headers().first(PARTITIONS).orElse("").split(","))
                        .map(p -> Integer.parseInt(p.trim())).toList();
            } catch (NumberFormatException e) {
                throw new BadRequest(InstanceClient.PARTITIONS + " must list partition numbers");
            }
        }
        return new StateRouter.Call(target, forwarded(req), partitions);
    }

    private static String id(ServerRequest req, String name) {
        String id = req.path().pathParameters().get(name);
        if (!StateKeys.isValidId(id)) {
            throw new NotFound(name.replace("_id", "") + " " + id + " not found");
        }
        return id;
    }

    private static Paging paging(ServerRequest req) {
        String limit = param(req, "limit");
        int n = DEFAULT_LIMIT;
        if (limit != null) {
            try {
                n = Integer.parseInt(limit);
            } catch (NumberFormatException e) {
                n = -1;
            }
            if (n < 1 || n > MAX_LIMIT) {
                throw new BadRequest("limit must be an integer between 1 and " + MAX_LIMIT);
            }
        }
        String after = param(req, "after");
        if (after != null && !StateKeys.isValidId(after)) {
            throw new BadRequest("after is not a valid cursor");
        }
        return new Paging(n, after);
    }

    private static DirectoryReads.UserFilter userFilter(ServerRequest req) {
        String state = param(req, "state");
        if (state != null && !state.equals("active") && !state.equals("inactive")) {
            throw new BadRequest("state must be 'active' or 'inactive'");
        }
        return new DirectoryReads.UserFilter(state, param(req, "email"));
    }

    private static String body(ServerRequest req) {
        if (!req.content().hasEntity()) {
            return "";
        }
        byte[] bytes = req.content().as(byte[].class);
        if (bytes.length > 64 * 1024) {
            throw new BadRequest("the body is too large");
        }
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static String param(ServerRequest req, String name) {
        String v = req.query().first(name).orElse(null);
        return v == null || v.isEmpty() ? null : v;
    }
}
