package dev.dsync.workos;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dsync.events.EventParser;
import dev.dsync.events.config.DsyncEnv;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.StringJoiner;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * GET requests to WorkOS's REST API, shared by every caller in the process (Events API poller, and later
 * bootstrap and reconciliation) so that they share one request budget and one view of WorkOS's health.
 *
 * <ul>
 *   <li>Budget: a token bucket of {@code maxRps} for all calls (WorkOS allows 6,000 per minute per key), plus
 *       WorkOS's 4 requests per second per directory on {@code /directory_users}.</li>
 *   <li>429: waits {@code Retry-After} (seconds or HTTP date, capped) or else backs off exponentially with jitter.
 *       The wait applies to every caller, because WorkOS counts per key, not per caller.</li>
 *   <li>5xx, 408 and network errors: exponential backoff with jitter, shared likewise.</li>
 *   <li>401/403: logged once, reported by {@link #status()}, and retried every {@code authRetryInterval}, so a
 *       fixed key recovers by itself and a wrong one never becomes a tight loop.</li>
 *   <li>Other 4xx: thrown as {@link WorkosApiException}; retrying would not change them.</li>
 * </ul>
 * The API key is only ever put in the {@code Authorization} header: never logged, never in an exception.
 */
public final class WorkosClient {

    private static final System.Logger LOG = System.getLogger(WorkosClient.class.getName());
    /** Transient failures in a row after which the client reports itself degraded. */
    private static final int DEGRADED_AFTER_FAILURES = 5;
    public static final String USER_AGENT = "dsync/" + version();

    /**
     * @param maxRps            requests per second for all calls together ({@code DSYNC_WORKOS_MAX_RPS})
     * @param directoryUsersRps WorkOS's limit on {@code /directory_users}, per directory
     * @param retryAfterCap     the longest {@code Retry-After} honoured; a longer one is cut to this
     * @param authRetryInterval how long to wait after a 401/403 before trying again
     */
    public record Settings(String apiKey, URI baseUrl, double maxRps, double directoryUsersRps,
                           Duration requestTimeout, Duration backoffInitial, Duration backoffMax,
                           Duration retryAfterCap, Duration authRetryInterval) {

        public static final URI DEFAULT_BASE_URL = DsyncEnv.WORKOS_API_URL.defaultValue();

        public Settings {
            if (apiKey == null || apiKey.isBlank()) {
                throw new IllegalArgumentException("no WorkOS API key (WORKOS_API_KEY)");
            }
            Objects.requireNonNull(baseUrl, "baseUrl");
            if (maxRps <= 0 || directoryUsersRps <= 0) {
                throw new IllegalArgumentException("request rates must be positive");
            }
        }

        /**
         * {@code WORKOS_API_KEY}, {@code WORKOS_API_URL} and {@code DSYNC_WORKOS_MAX_RPS}; the rest has no variable
         * (tests with shorter waits use the constructor).
         */
        public static Settings fromEnv(Map<String, String> env) {
            return new Settings(DsyncEnv.WORKOS_API_KEY.get(env), DsyncEnv.WORKOS_API_URL.get(env),
                    DsyncEnv.WORKOS_MAX_RPS.get(env), 4, Duration.ofSeconds(30), Duration.ofMillis(500),
                    Duration.ofSeconds(30), Duration.ofSeconds(60), Duration.ofSeconds(60));
        }

        @Override
        public String toString() {
            return "WorkosClient.Settings[apiKey=<set>, baseUrl=%s, maxRps=%s, directoryUsersRps=%s, requestTimeout=%s]"
                    .formatted(baseUrl, maxRps, directoryUsersRps, requestTimeout);
        }
    }

    /** A 2xx answer. {@code requestId} is WorkOS's {@code X-Request-ID}, for support tickets; may be null. */
    public record Response(int status, byte[] body, String requestId) {
    }

    /**
     * Whether the client can currently get answers from WorkOS.
     *
     * @param reason {@code unauthorized} (401), {@code forbidden} (403) or {@code unavailable} (repeated 429,
     *               5xx or network errors); null when not degraded
     * @param since  when the current state began
     */
    public record Status(boolean degraded, String reason, String detail, Instant since) {
        static Status ok() {
            return new Status(false, null, null, Instant.now());
        }
    }

    private final Settings settings;
    private final WorkosApiMetrics metrics;
    private final HttpClient http;
    private final TokenBucket budget;
    private final Map<String, TokenBucket> directoryUsersBuckets = new ConcurrentHashMap<>();
    private final Object lock = new Object();
    /** No request is sent before this {@link System#nanoTime()}: set by 429s, failures and auth refusals. */
    private long notBefore = System.nanoTime();
    /** Why {@link #notBefore} is where it is, for the exception a caller gets when it cannot wait that long. */
    private String gateReason = "";
    private int consecutiveFailures;
    private Status status = Status.ok();

    public WorkosClient(Settings settings, WorkosApiMetrics metrics) {
        this.settings = settings;
        this.metrics = metrics;
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10))
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
        // a burst of one second's budget: enough for a few parallel callers, and 20 rps stays far below 100 rps
        this.budget = new TokenBucket(settings.maxRps(), Math.max(1, settings.maxRps()));
    }

    public Settings settings() {
        return settings;
    }

    public WorkosApiMetrics metrics() {
        return metrics;
    }

    public Status status() {
        synchronized (lock) {
            return status;
        }
    }

    /**
     * GET {@code path} with {@code query} (values are encoded; commas stay literal, as WorkOS's comma-joined lists
     * need). Retries 429, 5xx, 408, network errors and auth refusals until {@code maxWait} has passed.
     *
     * @param endpoint the path without ids, for metrics and logs, e.g. {@code /directory_users}
     * @throws WorkosApiException         on an answer retrying cannot change (400, 404, 422, …)
     * @throws WorkosUnavailableException when no 2xx answer came within {@code maxWait}
     */
    public Response get(String endpoint, String path, Map<String, String> query, Duration maxWait)
            throws WorkosApiException, WorkosUnavailableException, InterruptedException {
        return get(endpoint, path, query, maxWait, directoryScope(query));
    }

    /**
     * The same, counting a {@code /directory_users} call against {@code directoryId}'s limit: WorkOS limits the
     * endpoint per directory, also when the call names a group of that directory instead.
     */
    public Response get(String endpoint, String path, Map<String, String> query, Duration maxWait, String directoryId)
            throws WorkosApiException, WorkosUnavailableException, InterruptedException {
        long deadline = System.nanoTime() + maxWait.toNanos();
        HttpRequest request = HttpRequest.newBuilder(uri(path, query))
                .timeout(settings.requestTimeout())
                .header("Authorization", "Bearer " + settings.apiKey())
                .header("User-Agent", USER_AGENT)
                .header("Accept", "application/json")
                .GET()
                .build();
        TokenBucket directoryBucket = endpoint.equals("/directory_users")
                ? directoryUsersBuckets.computeIfAbsent(directoryId,
                        k -> new TokenBucket(settings.directoryUsersRps(), 1))
                : null;
        String lastProblem = "no attempt yet";
        while (true) {
            awaitGate(deadline);
            if (!budget.acquire(deadline) || (directoryBucket != null && !directoryBucket.acquire(deadline))) {
                throw new WorkosUnavailableException("request budget exhausted until the deadline (" + lastProblem + ")");
            }
            HttpResponse<byte[]> response;
            try {
                response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
            } catch (IOException e) {
                metrics.request(endpoint, "io_error");
                lastProblem = "network error " + e.getClass().getSimpleName();
                transientFailure(endpoint, lastProblem, Optional.empty());
                continue;
            }
            int code = response.statusCode();
            metrics.request(endpoint, Integer.toString(code));
            String requestId = response.headers().firstValue("X-Request-ID").orElse(null);
            if (code >= 200 && code < 300) {
                succeeded();
                return new Response(code, response.body(), requestId);
            }
            if (code == 401 || code == 403) {
                lastProblem = code == 401 ? "unauthorized" : "forbidden";
                authRefused(code, requestId);
            } else if (code == 429) {
                lastProblem = "rate limited (429)";
                transientFailure(endpoint, lastProblem,
                        response.headers().firstValue("Retry-After").flatMap(v -> retryAfter(v, settings.retryAfterCap())));
            } else if (code >= 500 || code == 408) {
                lastProblem = "status " + code;
                transientFailure(endpoint, lastProblem, Optional.empty());
            } else {
                throw new WorkosApiException(code, message(response.body()), requestId);
            }
        }
    }

    private void awaitGate(long deadline) throws InterruptedException, WorkosUnavailableException {
        long wait;
        String reason;
        synchronized (lock) {
            wait = notBefore - System.nanoTime();
            reason = gateReason;
        }
        if (wait <= 0) {
            return;
        }
        if (System.nanoTime() + wait > deadline) {
            // Sleep out the caller's time, so a caller that loops on this exception cannot spin.
            TimeUnit.NANOSECONDS.sleep(Math.max(0, deadline - System.nanoTime()));
            throw new WorkosUnavailableException("WorkOS not retried yet after: " + reason);
        }
        TimeUnit.NANOSECONDS.sleep(wait);
    }

    private void succeeded() {
        synchronized (lock) {
            consecutiveFailures = 0;
            if (status.degraded()) {
                LOG.log(System.Logger.Level.INFO, "WorkOS API answers again (was {0} since {1})", status.reason(),
                        status.since());
                status = Status.ok();
                metrics.degraded(false);
            }
        }
    }

    private void authRefused(int code, String requestId) {
        synchronized (lock) {
            String reason = code == 401 ? "unauthorized" : "forbidden";
            if (!reason.equals(status.reason())) {
                // Once per episode: the key will not fix itself, and repeating this every minute adds nothing.
                LOG.log(System.Logger.Level.ERROR, code == 401
                        ? "WorkOS refused the API key (401): check WORKOS_API_KEY (an sk_ key of the right environment). "
                        + "Retrying every {0} s; nothing is read from WorkOS until then{1}"
                        : "WorkOS refused the request (403): the API key lacks permission for Directory Sync/Events. "
                        + "Retrying every {0} s{1}",
                        settings.authRetryInterval().toSeconds(), requestId == null ? "" : " (request id " + requestId + ")");
                status = new Status(true, reason, "HTTP " + code + " from WorkOS; check WORKOS_API_KEY", Instant.now());
                metrics.degraded(true);
            }
            notBefore = System.nanoTime() + settings.authRetryInterval().toNanos();
            gateReason = reason + " (" + code + ")";
        }
    }

    private void transientFailure(String endpoint, String problem, Optional<Duration> retryAfter) {
        synchronized (lock) {
            consecutiveFailures++;
            Duration delay = retryAfter.orElseGet(() -> backoff(consecutiveFailures));
            notBefore = Math.max(notBefore, System.nanoTime() + delay.toNanos());
            gateReason = problem + " on " + endpoint;
            if (consecutiveFailures == DEGRADED_AFTER_FAILURES && !status.degraded()) {
                LOG.log(System.Logger.Level.WARNING, "WorkOS API keeps failing ({0} times in a row, last: {1} on {2}); "
                        + "backing off, up to {3} s between attempts", consecutiveFailures, problem, endpoint,
                        settings.backoffMax().toSeconds());
                status = new Status(true, "unavailable", problem + " on " + endpoint, Instant.now());
                metrics.degraded(true);
            } else {
                LOG.log(System.Logger.Level.DEBUG, "WorkOS {0} on {1}; next attempt in {2} ms", problem, endpoint,
                        delay.toMillis());
            }
        }
    }

    /** Exponential, doubling from {@code backoffInitial} to {@code backoffMax}, with the upper half jittered. */
    Duration backoff(int failures) {
        long ceiling = settings.backoffInitial().toMillis() << Math.min(20, Math.max(0, failures - 1));
        ceiling = Math.min(settings.backoffMax().toMillis(), ceiling);
        long half = Math.max(1, ceiling / 2);
        return Duration.ofMillis(half + ThreadLocalRandom.current().nextLong(half + 1));
    }

    /** {@code Retry-After} as seconds or an HTTP date, at most {@code cap}; empty when unreadable. */
    static Optional<Duration> retryAfter(String value, Duration cap) {
        String v = value.trim();
        Duration d;
        if (!v.isEmpty() && v.chars().allMatch(Character::isDigit)) {
            d = v.length() > 9 ? cap : Duration.ofSeconds(Long.parseLong(v));
        } else {
            try {
                d = Duration.between(Instant.now(), ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
            } catch (DateTimeParseException e) {
                return Optional.empty();
            }
        }
        if (d.isNegative()) {
            d = Duration.ZERO;
        }
        return Optional.of(d.compareTo(cap) > 0 ? cap : d);
    }

    private URI uri(String path, Map<String, String> query) {
        StringJoiner q = new StringJoiner("&");
        new LinkedHashMap<>(query).forEach((k, v) -> q.add(encode(k) + "=" + encode(v)));
        String base = settings.baseUrl().toString().replaceAll("/+$", "");
        return URI.create(base + path + (query.isEmpty() ? "" : "?" + q));
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("%2C", ",");
    }

    private static String directoryScope(Map<String, String> query) {
        String directory = query.get("directory");
        return directory != null ? directory : "group:" + query.getOrDefault("group", "");
    }

    /** WorkOS's {@code message}, defensively: a body may be a bare string ("Ratelimited") or not JSON at all. */
    private static String message(byte[] body) {
        String text;
        try {
            JsonNode node = EventParser.MAPPER.readTree(body);
            text = node == null ? "" : node.isObject() && node.hasNonNull("message") ? node.get("message").asText()
                    : node.isTextual() ? node.asText() : "";
        } catch (IOException e) {
            text = "";
        }
        return text.length() > 200 ? text.substring(0, 200) + "…" : text;
    }

    private static String version() {
        try (InputStream in = WorkosClient.class.getResourceAsStream("/dsync-workos-api.properties")) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                String v = p.getProperty("version");
                if (v != null && !v.startsWith("$")) {
                    return v;
                }
            }
        } catch (IOException e) {
            // fall through: the version only decorates the User-Agent
        }
        return "dev";
    }
}
