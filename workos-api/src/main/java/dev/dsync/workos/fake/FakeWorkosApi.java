package dev.dsync.workos.fake;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.fasterxml.jackson.databind.JsonNode;
import dev.dsync.events.EventParser;
import dev.dsync.events.EventTimes;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * An in-process stand-in for WorkOS's API over real HTTP, for tests and {@code ./dsync simulate --api}: the Events API
 * ({@code GET /events}) and the Directory Sync list endpoints over a {@link FakeDirectoryWorld}.
 *
 * <p>It keeps an event log ordered by (created_at, id) and pages through it with {@code after} or
 * {@code range_start} as WorkOS does (oldest first, whatever {@code order} says). {@link #publish} changes the world
 * and logs the event; {@link #applySilently} changes the world only (WorkOS changed something and no event came);
 * {@link #add} and friends log an event without touching the world. The Directory Sync endpoints
 * ({@code /directories}, {@code /directory_users}, {@code /directory_groups}, each also by id) page the live world as
 * WorkOS documents: {@code limit} 1..100 (default 10), {@code order} {@code asc}, {@code desc} (default) or
 * {@code normal}, {@code after}/{@code before} cursors that are object ids (a since-deleted object's id still has a
 * position).
 *
 * <p>It checks the API key (401), enforces WorkOS's rate limits (6,000 requests a minute per key; 4 a second per
 * directory on {@code GET /directory_users}, answered with the JSON string {@code "Ratelimited"} and
 * {@code Retry-After: 1}), and injects what a client must survive: 429s with or without {@code Retry-After}, 5xx
 * spells, events that become visible only after later ones were served ({@link #addHidden}, {@link #reveal}), and
 * changes made while a client pages ({@link #beforePage}).
 */
public final class FakeWorkosApi implements AutoCloseable {

    /**
     * An event in the log.
     *
     * @param json the exact event object served in {@code data}
     */
    public record StoredEvent(String id, String type, String directoryId, Instant createdAt, String json) {
    }

    /** One request as the fake saw it. */
    public record Request(Instant at, String path, Map<String, String> query, String authorization, String userAgent,
                          int status) {
    }

    private record Fault(int status, String retryAfter) {
    }

    private static final Comparator<StoredEvent> ORDER =
            Comparator.comparing(StoredEvent::createdAt).thenComparing(StoredEvent::id);

    private final HttpServer server;
    private final FakeDirectoryWorld world = new FakeDirectoryWorld();
    private final List<StoredEvent> log = new ArrayList<>();
    private final Set<String> hidden = new HashSet<>();
    private final Deque<Fault> faults = new ArrayDeque<>();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final AtomicLong sequence = new AtomicLong();
    private volatile String apiKey;
    private volatile Duration retention = Duration.ofDays(30);
    private volatile Consumer<String> beforePage;
    private volatile boolean groupsFieldOnUsers = true;
    private final RateLimits limits = new RateLimits();
    private final AtomicInteger rateLimited = new AtomicInteger();

    private FakeWorkosApi(String apiKey, int port) throws IOException {
        this.apiKey = apiKey;
        this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        server.createContext("/", this::handle);
        server.setExecutor(Executors.newFixedThreadPool(4));
    }

    /** Starts serving on a free port of 127.0.0.1. */
    public static FakeWorkosApi start(String apiKey) {
        return start(apiKey, 0);
    }

    /** Starts serving on {@code port} of 127.0.0.1 (0: a free one). */
    public static FakeWorkosApi start(String apiKey, int port) {
        return start(apiKey, port, fake -> { });
    }

    /**
     * Binds {@code port} of 127.0.0.1 (0: a free one), lets {@code prepare} fill the fake (publish a world, set
     * limits), and only then starts answering: a client that connects meanwhile waits and never sees a half-built
     * world.
     */
    public static FakeWorkosApi start(String apiKey, int port, Consumer<FakeWorkosApi> prepare) {
        FakeWorkosApi fake;
        try {
            fake = new FakeWorkosApi(apiKey, port);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the fake WorkOS API on 127.0.0.1:" + port
                    + (port == 0 ? "" : " (is the port in use?)") + ": " + e.getMessage(), e);
        }
        try {
            prepare.accept(fake);
        } catch (RuntimeException e) {
            fake.close();
            throw e;
        }
        fake.server.start();
        return fake;
    }

    public URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** The key the fake accepts from now on (a rotation, or fixing a wrong key). */
    public void apiKey(String key) {
        this.apiKey = key;
    }

    public void retention(Duration value) {
        this.retention = value;
    }

    /**
     * Adds a Directory Sync event with a realistic payload for {@code directoryId}, applied to the world too (what
     * WorkOS lists always agrees with its events, or a bootstrap would undo them).
     */
    public StoredEvent add(String type, String directoryId, Instant createdAt) {
        return publish(type, data(type, directoryId, createdAt), createdAt);
    }

    /** Adds an event whose {@code data} is given verbatim (e.g. one without a directory id). */
    public StoredEvent addWithData(String type, Instant createdAt, String dataJson) {
        return insert(type, null, createdAt, dataJson, false);
    }

    /**
     * Adds an event that stays invisible until {@link #reveal}: it sorts by its {@code createdAt} among the
     * others, so once revealed it appears behind events a reader may already have passed.
     */
    public synchronized StoredEvent addHidden(String type, String directoryId, Instant createdAt) {
        String data = data(type, directoryId, createdAt);
        world.apply(type, parseData(data));
        return insert(type, directoryId, createdAt, data, true);
    }

    public synchronized void reveal(String eventId) {
        hidden.remove(eventId);
    }

    /** The next {@code count} requests get 429, with {@code Retry-After: retryAfter} unless it is null. */
    public synchronized void rateLimitNext(int count, String retryAfter) {
        for (int i = 0; i < count; i++) {
            faults.add(new Fault(429, retryAfter));
        }
    }

    /** The next {@code count} requests get {@code status} (a 5xx). */
    public synchronized void failNext(int count, int status) {
        for (int i = 0; i < count; i++) {
            faults.add(new Fault(status, null));
        }
    }

    /**
     * Applies a Directory Sync event to the world and appends it to the event log, as WorkOS does when something
     * changes in a directory. Events apply in call order (the world does no version checks); types the world does
     * not model are only logged.
     *
     * @param dataJson the event's {@code data}, kept verbatim in the logged event
     */
    public StoredEvent publish(String type, String dataJson, Instant createdAt) {
        JsonNode data = parseData(dataJson);
        synchronized (this) {
            world.apply(type, data);
            return insert(type, FakeDirectoryWorld.directoryIdOf(type, data), createdAt, dataJson, false);
        }
    }

    /** The same change to the world as {@link #publish}, but no event: WorkOS changed something and never said so. */
    public void applySilently(String type, String dataJson) {
        world.apply(type, parseData(dataJson));
    }

    /**
     * A hook called with the request's path and query (e.g. {@code /directory_users?directory=d&limit=100}) before
     * each page of a Directory Sync list is served, outside every lock, so it may change the world; null clears it.
     */
    public void beforePage(Consumer<String> hook) {
        this.beforePage = hook;
    }

    /** Whether {@code /directory_users} fills each user's {@code groups} (default); off gives {@code []} as for new teams. */
    public void groupsFieldOnUsers(boolean on) {
        this.groupsFieldOnUsers = on;
    }

    /** Requests a second allowed on {@code GET /directory_users} per directory (default 4; 0 or less: no limit). */
    public void directoryUsersRateLimit(double perSecond) {
        limits.directoryUsers(perSecond);
    }

    /** Requests a minute allowed per API key on every endpoint (default 6,000; 0 or less: no limit). */
    public void overallRateLimit(int perMinute) {
        limits.overall(perMinute);
    }

    /** How many 429s the fake has answered (rate limits and injected ones). */
    public int rateLimited() {
        return rateLimited.get();
    }

    /** The world behind the Directory Sync endpoints (read it with {@link FakeDirectoryWorld#snapshot()}). */
    public FakeDirectoryWorld world() {
        return world;
    }

    public synchronized List<StoredEvent> events() {
        return List.copyOf(log);
    }

    public List<Request> requests() {
        return List.copyOf(requests);
    }

    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }

    private synchronized StoredEvent insert(String type, String directoryId, Instant createdAt, String data,
                                            boolean hide) {
        String id = "event_%013d%013d".formatted(createdAt.toEpochMilli(), sequence.incrementAndGet());
        String json = "{\"object\":\"event\",\"id\":\"" + id + "\",\"event\":\"" + type + "\",\"data\":" + data
                + ",\"created_at\":\"" + EventTimes.format(createdAt) + "\",\"context\":{}}";
        StoredEvent event = new StoredEvent(id, type, directoryId, createdAt, json);
        int at = 0;
        while (at < log.size() && ORDER.compare(log.get(at), event) < 0) {
            at++;
        }
        log.add(at, event);
        if (hide) {
            hidden.add(id);
        }
        return event;
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
            String auth = exchange.getRequestHeaders().getFirst("Authorization");
            String path = exchange.getRequestURI().getPath();
            int status;
            String body;
            String retryAfter = null;
            Fault fault;
            synchronized (this) {
                fault = faults.poll();
            }
            Long overallWait;
            if (!("Bearer " + apiKey).equals(auth)) {
                status = 401;
                body = "{\"message\":\"Unauthorized\"}";
            } else if (fault != null) {
                status = fault.status();
                retryAfter = fault.retryAfter();
                body = status == 429 ? "\"Ratelimited\"" : "{\"message\":\"Internal error\"}";
            } else if ((overallWait = limits.takeOverall(auth)) != null) {
                status = 429;
                retryAfter = Long.toString(Math.max(1, overallWait));
                body = "{\"message\":\"Rate limit exceeded.\"}";
            } else if (!exchange.getRequestMethod().equals("GET")) {
                status = 404;
                body = "{\"message\":\"Not found\"}";
            } else {
                Answer answer;
                try {
                    answer = path.equals("/events") ? events(query) : directorySync(path, query, exchange.getRequestURI());
                } catch (RuntimeException e) {
                    answer = new Answer(500, "{\"message\":\"fake WorkOS API: " + e.getClass().getSimpleName() + "\"}");
                }
                status = answer.status();
                body = answer.body();
                retryAfter = answer.retryAfter();
            }
            if (status == 429) {
                rateLimited.incrementAndGet();
            }
            requests.add(new Request(Instant.now(), exchange.getRequestURI().getPath(), query, auth,
                    exchange.getRequestHeaders().getFirst("User-Agent"), status));
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.getResponseHeaders().set("X-Request-ID", "req_" + sequence.incrementAndGet());
            if (retryAfter != null) {
                exchange.getResponseHeaders().set("Retry-After", retryAfter);
            }
            exchange.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    private record Answer(int status, String body, String retryAfter) {
        Answer(int status, String body) {
            this(status, body, null);
        }
    }

    private static final Answer NOT_FOUND = new Answer(404, "{\"message\":\"Not found\"}");

    /** The Directory Sync endpoints: lists (validated, rate-limited, then the page hook) and single objects. */
    private Answer directorySync(String path, Map<String, String> query, URI uri) {
        String[] parts = path.split("/", -1);
        if (parts.length < 2 || parts.length > 3 || (parts.length == 3 && parts[2].isEmpty())) {
            return NOT_FOUND;
        }
        String collection = parts[1];
        if (!collection.equals("directories") && !collection.equals("directory_users")
                && !collection.equals("directory_groups")) {
            return NOT_FOUND;
        }
        try {
            if (parts.length == 3) {
                String id = parts[2];
                JsonNode object = switch (collection) {
                    case "directories" -> world.getDirectory(id);
                    case "directory_users" -> world.getUser(id, groupsFieldOnUsers);
                    default -> world.getGroup(id);
                };
                return new Answer(200, object.toString());
            }
            FakeDirectoryWorld.PageRequest paging;
            try {
                paging = paging(query);
            } catch (IllegalArgumentException e) {
                return invalid(e.getMessage());
            }
            String directory = blankToNull(query.get("directory"));
            if (collection.equals("directory_users")) {
                String group = blankToNull(query.get("group"));
                if (directory == null && group == null) {
                    return new Answer(422, "{\"message\":\"Validation failed: provide 'directory' or 'group'.\","
                            + "\"errors\":[{\"code\":\"required\",\"field\":\"directory\"}]}");
                }
                String scope = directory != null ? directory : world.directoryOfGroup(group).orElse(group);
                if (!limits.takeDirectoryUsers(scope)) {
                    return new Answer(429, "\"Ratelimited\"", "1");
                }
                hook(uri);
                return new Answer(200, world.listUsers(directory, group, paging, groupsFieldOnUsers).json());
            }
            if (collection.equals("directory_groups")) {
                String user = blankToNull(query.get("user"));
                if (directory == null && user == null) {
                    return new Answer(422, "{\"message\":\"Validation failed: provide 'directory' or 'user'.\","
                            + "\"errors\":[{\"code\":\"required\",\"field\":\"directory\"}]}");
                }
                hook(uri);
                return new Answer(200, world.listGroups(directory, user, paging).json());
            }
            hook(uri);
            return new Answer(200, world.listDirectories(blankToNull(query.get("organization_id")), paging).json());
        } catch (FakeDirectoryWorld.NotFound e) {
            return new Answer(404, EventParser.MAPPER.createObjectNode().put("message", e.getMessage()).toString());
        } catch (FakeDirectoryWorld.UnknownCursor e) {
            return invalid(e.getMessage());
        }
    }

    private void hook(URI uri) {
        Consumer<String> hook = beforePage;
        if (hook != null) {
            hook.accept(uri.getRawQuery() == null ? uri.getRawPath() : uri.getRawPath() + "?" + uri.getRawQuery());
        }
    }

    private static Answer invalid(String field) {
        return new Answer(422, "{\"message\":\"Validation failed.\",\"errors\":[{\"code\":\"invalid\",\"field\":\""
                + field + "\"}]}");
    }

    /** WorkOS's {@code limit} (default 10); -1 when it is not a number. */
    private static int limit(Map<String, String> query) {
        try {
            return Integer.parseInt(query.getOrDefault("limit", "10"));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Validated paging parameters; an invalid one throws with the field's name. */
    private static FakeDirectoryWorld.PageRequest paging(Map<String, String> query) {
        int limit = limit(query);
        if (limit < 1 || limit > 100) {
            throw new IllegalArgumentException("limit");
        }
        String order = query.getOrDefault("order", "desc");
        if (!order.equals("asc") && !order.equals("desc") && !order.equals("normal")) {
            throw new IllegalArgumentException("order");
        }
        String after = blankToNull(query.get("after"));
        String before = blankToNull(query.get("before"));
        if (after != null && before != null) {
            throw new IllegalArgumentException("before");
        }
        return new FakeDirectoryWorld.PageRequest(limit, order, after, before);
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }

    private static JsonNode parseData(String dataJson) {
        try {
            JsonNode data = EventParser.MAPPER.readTree(dataJson);
            if (data == null || !data.isObject()) {
                throw new IllegalArgumentException("event data must be a JSON object");
            }
            return data;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("event data is not JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** WorkOS's rate limits: per key on every call, per directory on {@code GET /directory_users}. */
    private static final class RateLimits {
        private double directoryUsersPerSecond = 4;
        private int overallPerMinute = 6000;
        private final Map<String, Bucket> directoryUsers = new HashMap<>();
        private final Map<String, Bucket> overall = new HashMap<>();

        synchronized void directoryUsers(double perSecond) {
            directoryUsersPerSecond = perSecond;
            directoryUsers.clear();
        }

        synchronized void overall(int perMinute) {
            overallPerMinute = perMinute;
            overall.clear();
        }

        /** Null when the call may go ahead, else the seconds until it could. */
        synchronized Long takeOverall(String key) {
            if (overallPerMinute <= 0) {
                return null;
            }
            long wait = overall.computeIfAbsent(key, k -> new Bucket(overallPerMinute / 60.0, overallPerMinute)).take();
            return wait == 0 ? null : (long) Math.ceil(wait / 1e9);
        }

        synchronized boolean takeDirectoryUsers(String directory) {
            if (directoryUsersPerSecond <= 0) {
                return true;
            }
            return directoryUsers.computeIfAbsent(directory,
                    k -> new Bucket(directoryUsersPerSecond, Math.max(1, directoryUsersPerSecond))).take() == 0;
        }
    }

    /** A token bucket that never waits: {@link #take} answers 0 and takes a token, or the nanoseconds until one. */
    private static final class Bucket {
        private final double perNano;
        private final double capacity;
        private double tokens;
        private long at = System.nanoTime();

        Bucket(double perSecond, double capacity) {
            this.perNano = perSecond / 1e9;
            this.capacity = capacity;
            this.tokens = capacity;
        }

        long take() {
            long now = System.nanoTime();
            tokens = Math.min(capacity, tokens + (now - at) * perNano);
            at = now;
            if (tokens >= 1) {
                tokens -= 1;
                return 0;
            }
            return Math.max(1, (long) Math.ceil((1 - tokens) / perNano));
        }
    }

    private synchronized Answer events(Map<String, String> query) {
        String types = query.get("events");
        if (types == null || types.isBlank()) {
            return new Answer(422, "{\"message\":\"Validation failed.\",\"errors\":[{\"code\":\"required\",\"field\":\"events\"}]}");
        }
        int limit = limit(query);
        if (limit < 1 || limit > 100) {
            return new Answer(422, "{\"message\":\"Validation failed.\",\"errors\":[{\"code\":\"invalid\",\"field\":\"limit\"}]}");
        }
        if (query.containsKey("after") && query.containsKey("range_start")) {
            return new Answer(422, "{\"message\":\"after and range_start are mutually exclusive.\"}");
        }
        Set<String> wanted = new HashSet<>(Arrays.asList(types.split(",")));
        Instant oldest = Instant.now().minus(retention);
        StoredEvent cursor = null;
        if (query.containsKey("after")) {
            String after = query.get("after");
            cursor = log.stream().filter(e -> e.id().equals(after)).findFirst().orElse(null);
            if (cursor == null || cursor.createdAt().isBefore(oldest)) {
                return new Answer(400, "{\"message\":\"Invalid cursor: '" + after + "'.\"}");
            }
        }
        Instant rangeStart = Optional.ofNullable(query.get("range_start")).flatMap(EventTimes::parse).orElse(null);
        List<StoredEvent> matching = new ArrayList<>();
        for (StoredEvent e : log) {
            if (hidden.contains(e.id()) || !wanted.contains(e.type()) || e.createdAt().isBefore(oldest)) {
                continue;
            }
            if (cursor != null && ORDER.compare(e, cursor) <= 0) {
                continue;
            }
            if (rangeStart != null && e.createdAt().isBefore(rangeStart)) {
                continue;
            }
            matching.add(e);
        }
        List<StoredEvent> page = matching.subList(0, Math.min(limit, matching.size()));
        StringBuilder body = new StringBuilder("{\"object\":\"list\",\"data\":[");
        for (int i = 0; i < page.size(); i++) {
            body.append(i == 0 ? "" : ",").append(page.get(i).json());
        }
        String next = matching.size() > page.size() ? "\"" + page.getLast().id() + "\"" : "null";
        body.append("],\"list_metadata\":{\"after\":").append(next).append("}}");
        return new Answer(200, body.toString());
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> params = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return params;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            params.put(k, v);
        }
        return params;
    }

    private String data(String type, String directoryId, Instant at) {
        long n = sequence.incrementAndGet();
        String time = EventTimes.format(at);
        String org = "org_" + directoryId.substring(directoryId.length() - Math.min(8, directoryId.length()));
        String user = "{\"object\":\"directory_user\",\"id\":\"directory_user_" + n + "\",\"directory_id\":\"" + directoryId
                + "\",\"organization_id\":\"" + org + "\",\"idp_id\":\"00u" + n + "\",\"email\":\"zoe." + n
                + "@example.com\",\"first_name\":\"Zoë\",\"last_name\":\"Ñúñez-O'Brien\",\"name\":\"Zoë Ñúñez-O'Brien\","
                + "\"state\":\"active\",\"raw_attributes\":{},\"custom_attributes\":{\"department_name\":\"R&D\","
                + "\"cost\":1.50},\"role\":{\"slug\":\"member\"},\"roles\":[{\"slug\":\"member\"}],\"created_at\":\""
                + time + "\",\"updated_at\":\"" + time + "\"}";
        String group = "{\"object\":\"directory_group\",\"id\":\"directory_group_" + n + "\",\"idp_id\":\"00g" + n
                + "\",\"directory_id\":\"" + directoryId + "\",\"organization_id\":\"" + org
                + "\",\"name\":\"Ingeniería\",\"raw_attributes\":{},\"created_at\":\"" + time + "\",\"updated_at\":\""
                + time + "\"}";
        return switch (type) {
            case "dsync.activated", "dsync.deleted" -> "{\"object\":\"directory\",\"id\":\"" + directoryId
                    + "\",\"organization_id\":\"" + org + "\",\"type\":\"okta scim v2.0\",\"state\":\"active\","
                    + "\"name\":\"Société Générale\",\"created_at\":\"" + time + "\",\"updated_at\":\"" + time + "\"}";
            case "dsync.group.created", "dsync.group.updated", "dsync.group.deleted" -> group;
            case "dsync.group.user_added", "dsync.group.user_removed" ->
                    "{\"directory_id\":\"" + directoryId + "\",\"user\":" + user + ",\"group\":" + group + "}";
            default -> user;
        };
    }
}
