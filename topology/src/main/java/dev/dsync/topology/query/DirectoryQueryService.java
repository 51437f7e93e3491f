package dev.dsync.topology.query;

import dev.dsync.topology.state.StateKeys;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
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

    @FunctionalInterface
    private interface Endpoint {
        Answer answer(ServerRequest req, StateRouter router, StateRouter.Call call);
    }

    private final Supplier<StateRouter> router;
    private final QueryMetrics metrics;
    private final String retryAfterSeconds;
    private final SyncStatus sync;

    DirectoryQueryService(Supplier<StateRouter> router, QueryMetrics metrics, QueryConfig config, SyncStatus sync) {
        this.router = router;
        this.metrics = metrics;
        this.retryAfterSeconds = Long.toString(Math.max(1, config.retryAfter().toSeconds()));
        this.sync = sync;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/v1/directories", handle("/v1/directories", (req, r, call) -> {
            Paging p = paging(req);
            return r.listing(DirectoryReads.directories(null, p.after(), p.limit()), p.limit(), call);
        }));
        rules.get("/v1/directories/{directory_id}", handle("/v1/directories/{directory_id}", (req, r, call) -> {
            String d = id(req, "directory_id");
            return r.directory(d, DirectoryReads.directory(d), call);
        }));
        rules.get("/v1/directories/{directory_id}/users", handle("/v1/directories/{directory_id}/users",
                (req, r, call) -> {
                    String d = id(req, "directory_id");
                    Paging p = paging(req);
                    return r.directory(d, DirectoryReads.users(d, userFilter(req), p.after(), p.limit()), call);
                }));
        rules.get("/v1/directories/{directory_id}/users/{user_id}",
                handle("/v1/directories/{directory_id}/users/{user_id}", (req, r, call) -> {
                    String d = id(req, "directory_id");
                    return r.directory(d, DirectoryReads.user(d, id(req, "user_id")), call);
                }));
        rules.get("/v1/directories/{directory_id}/users/{user_id}/groups",
                handle("/v1/directories/{directory_id}/users/{user_id}/groups", (req, r, call) -> {
                    String d = id(req, "directory_id");
                    Paging p = paging(req);
                    return r.directory(d, DirectoryReads.groupsOfUser(d, id(req, "user_id"), p.after(), p.limit()),
                            call);
                }));
        rules.get("/v1/directories/{directory_id}/groups", handle("/v1/directories/{directory_id}/groups",
                (req, r, call) -> {
                    String d = id(req, "directory_id");
                    Paging p = paging(req);
                    return r.directory(d, DirectoryReads.groups(d, p.after(), p.limit()), call);
                }));
        rules.get("/v1/directories/{directory_id}/groups/{group_id}",
                handle("/v1/directories/{directory_id}/groups/{group_id}", (req, r, call) -> {
                    String d = id(req, "directory_id");
                    return r.directory(d, DirectoryReads.group(d, id(req, "group_id")), call);
                }));
        rules.get("/v1/directories/{directory_id}/groups/{group_id}/users",
                handle("/v1/directories/{directory_id}/groups/{group_id}/users", (req, r, call) -> {
                    String d = id(req, "directory_id");
                    Paging p = paging(req);
                    return r.directory(d, DirectoryReads.usersOfGroup(d, id(req, "group_id"), p.after(), p.limit()),
                            call);
                }));
        rules.get("/v1/organizations/{organization_id}/directories",
                handle("/v1/organizations/{organization_id}/directories", (req, r, call) -> {
                    String o = id(req, "organization_id");
                    Paging p = paging(req);
                    return r.listing(DirectoryReads.directories(o, p.after(), p.limit()), p.limit(), call);
                }));
        rules.get("/v1/organizations/{organization_id}/users",
                handle("/v1/organizations/{organization_id}/users", (req, r, call) -> {
                    String o = id(req, "organization_id");
                    Paging p = paging(req);
                    return r.listing(DirectoryReads.organizationUsers(o, userFilter(req), p.after(), p.limit()),
                            p.limit(), call);
                }));
        rules.get("/v1/directories/{directory_id}/sync",
                handle("/v1/directories/{directory_id}/sync", (req, r, call) -> {
                    String d = id(req, "directory_id");
                    return r.directory(d, reader -> sync.directory(d, reader), call);
                }));
        rules.post("/v1/reconciliations", handle("/v1/reconciliations", (req, r, call) -> sync.request(body(req))));
        rules.get("/v1/reconciliations/{reconciliation_id}", handle("/v1/reconciliations/{reconciliation_id}",
                (req, r, call) -> sync.reconciliation(req.path().pathParameters().get("reconciliation_id"))));
        // anything else under /v1 is an unknown route: a JSON 404 like every other error of the API
        rules.any("/v1/*", (req, res) -> {
            res.status(404).header(HeaderNames.CONTENT_TYPE, JSON)
                    .send(Json.error("not_found", "no such route: " + req.prologue().method().text() + " "
                            + req.path().path()).getBytes(StandardCharsets.UTF_8));
            metrics.request("(unknown)", "client", 404, false, 0);
        });
    }

    private Handler handle(String route, Endpoint endpoint) {
        return (req, res) -> {
            long start = System.nanoTime();
            boolean forwarded = req.headers().first(FORWARDED).map("true"::equalsIgnoreCase).orElse(false);
            boolean piece = false;
            Answer answer;
            try {
                StateRouter r = router.get();
                StateRouter.Call call = call(req, forwarded);
                piece = call.partitions() != null;
                answer = r == null ? Answer.unavailable("the topology is not running yet; retry shortly")
                        : endpoint.answer(req, r, call);
            } catch (BadRequest e) {
                answer = Answer.badRequest(e.getMessage());
            } catch (NotFound e) {
                answer = Answer.notFound(e.getMessage());
            } catch (InvalidStateStoreException e) {
                // the state is closing, migrating or restoring: not an error of the request, and it passes
                answer = Answer.unavailable("this instance's state is not available right now; retry shortly");
            } catch (RuntimeException e) {
                StateRouter r = router.get();
                if (r == null || !r.topologyProcessing()) {
                    // e.g. "KafkaStreams is not running. State is ERROR": /health/live says why
                    answer = Answer.unavailable("this instance's topology is not running; retry shortly");
                } else {
                    LOG.error("{} failed", req.path().path(), e);
                    answer = new Answer(500, Json.error("internal_error",
                            "the request failed; see the instance's log"), false);
                }
            }
            res.status(answer.status());
            res.header(HeaderNames.CONTENT_TYPE, piece && answer.status() == 200 ? PIECE : JSON);
            if (answer.stale()) {
                res.header(STALE, "true");
            }
            if (answer.status() == 503) {
                res.header(HeaderNames.RETRY_AFTER, retryAfterSeconds);
            }
            res.send(answer.body().getBytes(StandardCharsets.UTF_8));
            metrics.request(route, forwarded ? "forwarded" : "client", answer.status(), answer.stale(),
                    System.nanoTime() - start);
        };
    }

    private static StateRouter.Call call(ServerRequest req, boolean forwarded) {
        String query = req.query().rawValue();
        String target = req.path().absolute().rawPath() + (query == null || query.isEmpty() ? "" : "?" + query);
        List<Integer> partitions = null;
        if (req.headers().first(SCOPE).map("local"::equalsIgnoreCase).orElse(false)) {
            partitions = new ArrayList<>();
            for (String p : req.headers().first(PARTITIONS).orElse("").split(",")) {
                try {
                    partitions.add(Integer.parseInt(p.trim()));
                } catch (NumberFormatException e) {
                    throw new BadRequest(InstanceClient.PARTITIONS + " must list partition numbers");
                }
            }
        }
        return new StateRouter.Call(target, forwarded, partitions);
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
