package dev.dsync.workos.fake;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
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
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An in-process stand-in for WorkOS's {@code GET /events}, over real HTTP, for tests and (later) the simulator.
 *
 * <p>It keeps an event log ordered by (created_at, id) and pages through it with {@code after} or
 * {@code range_start} as WorkOS does (oldest first, whatever {@code order} says). It checks the API key (401),
 * and injects what a client must survive: 429s with or without {@code Retry-After}, 5xx spells, and events that
 * become visible only after later ones were served ({@link #addHidden}, {@link #reveal}).
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
    private final List<StoredEvent> log = new ArrayList<>();
    private final Set<String> hidden = new HashSet<>();
    private final Deque<Fault> faults = new ArrayDeque<>();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final AtomicLong sequence = new AtomicLong();
    private volatile String apiKey;
    private volatile Duration retention = Duration.ofDays(30);

    private FakeWorkosApi(String apiKey) throws IOException {
        this.apiKey = apiKey;
        this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::handle);
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.start();
    }

    public static FakeWorkosApi start(String apiKey) {
        try {
            return new FakeWorkosApi(apiKey);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the fake WorkOS API", e);
        }
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

    /** Adds a Directory Sync event with a realistic payload for {@code directoryId}. */
    public StoredEvent add(String type, String directoryId, Instant createdAt) {
        return insert(type, directoryId, createdAt, data(type, directoryId, createdAt), false);
    }

    /** Adds an event whose {@code data} is given verbatim (e.g. one without a directory id). */
    public StoredEvent addWithData(String type, Instant createdAt, String dataJson) {
        return insert(type, null, createdAt, dataJson, false);
    }

    /**
     * Adds an event that stays invisible until {@link #reveal}: it sorts by its {@code createdAt} among the
     * others, so once revealed it appears behind events a reader may already have passed.
     */
    public StoredEvent addHidden(String type, String directoryId, Instant createdAt) {
        return insert(type, directoryId, createdAt, data(type, directoryId, createdAt), true);
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
            int status;
            String body;
            String retryAfter = null;
            Fault fault;
            synchronized (this) {
                fault = faults.poll();
            }
            if (!("Bearer " + apiKey).equals(auth)) {
                status = 401;
                body = "{\"message\":\"Unauthorized\"}";
            } else if (fault != null) {
                status = fault.status();
                retryAfter = fault.retryAfter();
                body = status == 429 ? "\"Ratelimited\"" : "{\"message\":\"Internal error\"}";
            } else if (!exchange.getRequestMethod().equals("GET") || !exchange.getRequestURI().getPath().equals("/events")) {
                status = 404;
                body = "{\"message\":\"Not found\"}";
            } else {
                Answer answer = events(query);
                status = answer.status();
                body = answer.body();
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

    private record Answer(int status, String body) {
    }

    private synchronized Answer events(Map<String, String> query) {
        String types = query.get("events");
        if (types == null || types.isBlank()) {
            return new Answer(422, "{\"message\":\"Validation failed.\",\"errors\":[{\"code\":\"required\",\"field\":\"events\"}]}");
        }
        int limit;
        try {
            limit = Integer.parseInt(query.getOrDefault("limit", "10"));
        } catch (NumberFormatException e) {
            limit = -1;
        }
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
