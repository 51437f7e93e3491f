package dev.dsync.connect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the dsync sink connectors running. A Connect task that fails stays FAILED until someone restarts it; the
 * Debezium JDBC sink fails its task once PostgreSQL has been unreachable for longer than its own flush retries. This
 * supervisor reads each connector's status from Connect's REST API and restarts failed connectors and tasks
 * ({@code POST /connectors/{name}/restart?includeTasks=true&onlyFailed=true}) with exponential backoff and jitter,
 * until they run again.
 *
 * <p>Nothing lost meanwhile: the sink commits the offsets of written records only, so a restarted task re-reads
 * everything it had not written, and every write is an idempotent upsert or delete by key.
 *
 * <p>Logs never carry connector configurations or failure traces (both may contain the database password or row
 * data): a failure is described by its exception class names only. The full trace stays available from Connect
 * ({@code GET /connectors/{name}/status}).
 *
 * <p>Runs in {@code ./dsync up} next to the in-process worker, and as its own process ({@link #main}) next to a
 * stock worker (docker-compose service {@code sink-supervisor}), pointed at {@code DSYNC_CONNECT_URL}.
 */
public final class SinkSupervisor implements AutoCloseable {

    public static final String CONNECT_URL_ENV = "DSYNC_CONNECT_URL";
    public static final String DEFAULT_CONNECT_URL = "http://127.0.0.1:8083";

    private static final Logger LOG = LoggerFactory.getLogger(SinkSupervisor.class);
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
    private static final long MIN_WAIT_MS = 50;

    /**
     * @param connectUrl   Connect's REST API, e.g. {@code http://127.0.0.1:8083}
     * @param connectors   the connector names to keep running
     * @param pollInterval how often each connector's status is read
     * @param backoff      how long to wait before each restart of a connector that keeps failing
     * @param stableAfter  how long a connector must run before its next failure starts the backoff from the
     *                     beginning again; longer than the sink's own retry window, because a restarted task keeps
     *                     RUNNING while it retries against a database that is still down
     */
    public record Settings(URI connectUrl, List<String> connectors, Duration pollInterval, Backoff backoff,
                           Duration stableAfter) {

        public Settings {
            connectUrl = URI.create(connectUrl.toString().endsWith("/") ? connectUrl.toString() : connectUrl + "/");
            connectors = List.copyOf(connectors);
            if (connectors.isEmpty() || pollInterval.isNegative() || pollInterval.isZero()) {
                throw new IllegalArgumentException("connectors and a positive poll interval are required");
            }
        }

        /** Poll every 2 s, back off from 1 s doubling to 60 s, reset after 2 min of running. */
        public static Settings defaults(URI connectUrl, List<String> connectors) {
            return new Settings(connectUrl, connectors, Duration.ofSeconds(2),
                    new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(60)), Duration.ofMinutes(2));
        }
    }

    /**
     * Exponential backoff with jitter: before restart {@code n} (1-based) wait {@code min(max, initial * 2^(n-1))},
     * shortened by up to half at random, so that several connectors failing together do not restart in lockstep.
     */
    public record Backoff(Duration initial, Duration max) {

        public Backoff {
            if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
                throw new IllegalArgumentException("need 0 < initial <= max: " + initial + ", " + max);
            }
        }

        /** The delay before restart {@code attempt} (1-based), {@code random} in [0, 1): 0 gives the full delay. */
        public Duration delay(int attempt, double random) {
            Duration ceiling = ceiling(attempt);
            return Duration.ofNanos(ceiling.toNanos() - (long) (ceiling.toNanos() * 0.5 * random));
        }

        /** The delay before restart {@code attempt} without jitter. */
        public Duration ceiling(int attempt) {
            Duration delay = initial;
            for (int i = 1; i < attempt && delay.compareTo(max) < 0; i++) {
                delay = delay.multipliedBy(2);
            }
            return delay.compareTo(max) > 0 ? max : delay;
        }
    }

    /** What the supervisor last saw of a connector. */
    public enum Condition {
        /** The connector and all of its tasks run. */
        RUNNING,
        /** The connector or at least one task FAILED: it is restarted after the backoff. */
        FAILED,
        /** Starting, restarting, paused or without tasks yet: left alone. */
        NOT_RUNNING,
        /** Connect does not know the connector (not registered yet, or deleted). */
        MISSING,
        /** Connect's REST API did not answer, or answered with an error. */
        UNREACHABLE
    }

    /**
     * The health view of one connector.
     *
     * @param troubleSince        when the current episode of failures began; empty once the connector has been
     *                            running for {@code stableAfter}
     * @param consecutiveRestarts restarts in the current episode (what the backoff counts)
     * @param restarts            restarts since the supervisor started
     * @param nextRestartAt       when the next restart is due, while FAILED
     * @param lastFailure         the exception classes of the last failure (never messages or traces)
     */
    public record SinkHealth(String connector, Condition condition, Optional<Instant> troubleSince,
                             int consecutiveRestarts, long restarts, Optional<Instant> nextRestartAt,
                             Optional<String> lastFailure) {

        /** e.g. {@code dsync-users-sink FAILED since 2026-11-26T10:00:03Z, 3 restarts, next in 4 s (PSQLException)}. */
        public String describe(Instant now) {
            StringBuilder sb = new StringBuilder(connector).append(' ').append(condition);
            troubleSince.ifPresent(t -> sb.append(condition == Condition.RUNNING ? ", recovering from a failure at "
                    : " since ").append(t));
            if (consecutiveRestarts > 0) {
                sb.append(", ").append(consecutiveRestarts).append(consecutiveRestarts == 1 ? " restart" : " restarts");
            }
            nextRestartAt.ifPresent(t -> sb.append(", next restart in ")
                    .append(Math.max(0, Duration.between(now, t).toMillis()) / 1000.0).append(" s"));
            if (condition != Condition.RUNNING) {
                lastFailure.ifPresent(f -> sb.append(" (").append(f).append(')'));
            }
            return sb.toString();
        }
    }

    private static final class Tracker {
        final String connector;
        Condition condition = Condition.NOT_RUNNING;
        Instant troubleSince;
        Instant runningSince;
        Instant nextRestartAt;
        int consecutiveRestarts;
        long restarts;
        String lastFailure;

        Tracker(String connector) {
            this.connector = connector;
        }

        SinkHealth health() {
            return new SinkHealth(connector, condition, Optional.ofNullable(troubleSince), consecutiveRestarts,
                    restarts, Optional.ofNullable(nextRestartAt), Optional.ofNullable(lastFailure));
        }
    }

    private record Observation(Condition condition, String failure) {
    }

    private final Settings settings;
    private final HttpClient http;
    private final Map<String, Tracker> trackers = new LinkedHashMap<>();
    private final AtomicLong restarts = new AtomicLong();
    private final CountDownLatch stop = new CountDownLatch(1);
    private final Thread thread;

    private SinkSupervisor(Settings settings) {
        this.settings = settings;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        settings.connectors().forEach(name -> trackers.put(name, new Tracker(name)));
        this.thread = new Thread(this::run, "dsync-sink-supervisor");
        this.thread.setDaemon(true);
    }

    /** Starts supervising in a background thread; {@link #close()} stops it. */
    public static SinkSupervisor start(Settings settings) {
        SinkSupervisor supervisor = new SinkSupervisor(settings);
        LOG.info("Supervising sink connectors {} at {} (status every {} s; restarts back off from {} s to {} s)",
                settings.connectors(), redacted(settings.connectUrl()), seconds(settings.pollInterval()),
                seconds(settings.backoff().initial()), seconds(settings.backoff().max()));
        supervisor.thread.start();
        return supervisor;
    }

    /**
     * Runs the supervisor for the dsync connectors (from the packaged connector files) against
     * {@code DSYNC_CONNECT_URL} (default {@value #DEFAULT_CONNECT_URL}) until the process is stopped.
     */
    public static void main(String[] args) throws InterruptedException {
        String url = System.getenv().getOrDefault(CONNECT_URL_ENV, DEFAULT_CONNECT_URL);
        List<String> names = MirrorResources.connectors().stream().map(MirrorResources.Connector::name).toList();
        URI connectUrl = URI.create(url.isBlank() ? DEFAULT_CONNECT_URL : url);
        SinkSupervisor supervisor = start(Settings.defaults(connectUrl, names));
        Runtime.getRuntime().addShutdownHook(new Thread(supervisor::close, "dsync-sink-supervisor-stop"));
        supervisor.thread.join();
    }

    /** The health view: one entry per supervised connector, in the order given. */
    public synchronized List<SinkHealth> health() {
        return trackers.values().stream().map(Tracker::health).toList();
    }

    /** The health view as text, one connector per line. */
    public String describe() {
        Instant now = Instant.now();
        return String.join(System.lineSeparator(), health().stream().map(h -> h.describe(now)).toList());
    }

    /** Restarts requested (and accepted by Connect) since the supervisor started, over all connectors. */
    public long restarts() {
        return restarts.get();
    }

    /** Stops the supervisor and waits for its thread; the connectors are left as they are. */
    @Override
    public void close() {
        if (stop.getCount() == 0) {
            return;
        }
        stop.countDown();
        thread.interrupt();   // an HTTP call in progress ends now instead of after its timeout
        try {
            thread.join(REQUEST_TIMEOUT.toMillis() * 2);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        http.shutdownNow();
        LOG.info("Sink supervisor stopped after {} restarts", restarts.get());
    }

    private void run() {
        while (stop.getCount() > 0) {
            try {
                check();
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                // a bug here must not end the supervision; the class name is enough to find it and leaks nothing
                LOG.warn("Sink supervisor: status check failed with {}; trying again", e.getClass().getName());
            }
            try {
                if (stop.await(millisUntilNextCheck(), TimeUnit.MILLISECONDS)) {
                    return;
                }
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void check() throws InterruptedException {
        for (String name : settings.connectors()) {
            if (stop.getCount() == 0) {
                return;
            }
            Observation seen = observe(name);
            if (record(name, seen, Instant.now())) {
                Optional<String> refused = restart(name);
                recordRestart(name, refused, Instant.now());
            }
        }
    }

    /** Records what was seen; true when a restart is due now. */
    private synchronized boolean record(String name, Observation seen, Instant now) {
        Tracker t = trackers.get(name);
        Condition before = t.condition;
        t.condition = seen.condition();
        switch (seen.condition()) {
            case FAILED -> {
                t.runningSince = null;
                t.lastFailure = seen.failure();
                if (t.troubleSince == null) {
                    t.troubleSince = now;
                }
                if (t.nextRestartAt == null) {
                    t.nextRestartAt = now.plus(nextDelay(t));
                }
                if (before != Condition.FAILED) {
                    LOG.warn("Sink {}", t.health().describe(now));
                }
                return !now.isBefore(t.nextRestartAt);
            }
            case RUNNING -> {
                t.nextRestartAt = null;
                if (t.runningSince == null) {
                    t.runningSince = now;
                    if (t.troubleSince != null) {
                        LOG.info("Sink {} RUNNING again after {} restart(s)", name, t.consecutiveRestarts);
                    }
                }
                if (t.troubleSince != null
                        && Duration.between(t.runningSince, now).compareTo(settings.stableAfter()) >= 0) {
                    LOG.info("Sink {} has been RUNNING for {} s since its last failure; backoff reset", name,
                            seconds(settings.stableAfter()));
                    t.troubleSince = null;
                    t.consecutiveRestarts = 0;
                    t.lastFailure = null;
                }
            }
            case NOT_RUNNING -> t.runningSince = null;
            case MISSING, UNREACHABLE -> {
                t.runningSince = null;
                t.lastFailure = seen.failure();
                if (before != seen.condition()) {
                    LOG.warn("Sink {}", t.health().describe(now));
                }
            }
        }
        return false;
    }

    private synchronized void recordRestart(String name, Optional<String> refused, Instant now) {
        Tracker t = trackers.get(name);
        if (refused.isEmpty()) {
            t.consecutiveRestarts++;
            t.restarts++;
            restarts.incrementAndGet();
        }
        t.nextRestartAt = now.plus(nextDelay(t));
        if (refused.isEmpty()) {
            LOG.warn("Restarted sink {} (restart {} since the failure at {}, {} in total; it failed with {})", name,
                    t.consecutiveRestarts, t.troubleSince, t.restarts, t.lastFailure);
        } else {
            LOG.warn("Could not restart sink {} ({}); next attempt at {}", name, refused.get(), t.nextRestartAt);
        }
    }

    private Duration nextDelay(Tracker t) {
        return settings.backoff().delay(t.consecutiveRestarts + 1, ThreadLocalRandom.current().nextDouble());
    }

    private synchronized long millisUntilNextCheck() {
        long wait = settings.pollInterval().toMillis();
        Instant now = Instant.now();
        for (Tracker t : trackers.values()) {
            if (t.nextRestartAt != null) {
                wait = Math.min(wait, Duration.between(now, t.nextRestartAt).toMillis());
            }
        }
        return Math.max(MIN_WAIT_MS, wait);
    }

    private Observation observe(String name) throws InterruptedException {
        HttpResponse<String> response;
        try {
            HttpRequest request = HttpRequest.newBuilder(endpoint(name, "status")).timeout(REQUEST_TIMEOUT).GET().build();
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            return new Observation(Condition.UNREACHABLE, e.getClass().getSimpleName());
        }
        if (response.statusCode() == 404) {
            return new Observation(Condition.MISSING, "HTTP 404");
        }
        if (response.statusCode() != 200) {
            return new Observation(Condition.UNREACHABLE, "HTTP " + response.statusCode());
        }
        try {
            return parseStatus(response.body());
        } catch (IOException e) {
            return new Observation(Condition.UNREACHABLE, "unreadable status: " + e.getClass().getSimpleName());
        }
    }

    /** Interprets Connect's {@code GET /connectors/{name}/status} body. */
    private static Observation parseStatus(String body) throws IOException {
        JsonNode root = MAPPER.readTree(body);
        JsonNode connector = root.path("connector");
        List<String> failures = new ArrayList<>();
        if ("FAILED".equals(connector.path("state").asText())) {
            failures.add("connector: " + summarizeTrace(connector.path("trace").asText("")));
        }
        boolean allRunning = "RUNNING".equals(connector.path("state").asText()) && root.path("tasks").size() > 0;
        for (JsonNode task : root.path("tasks")) {
            String state = task.path("state").asText();
            if ("FAILED".equals(state)) {
                failures.add("task " + task.path("id").asText() + ": " + summarizeTrace(task.path("trace").asText("")));
            }
            allRunning &= "RUNNING".equals(state);
        }
        if (!failures.isEmpty()) {
            return new Observation(Condition.FAILED, String.join("; ", failures));
        }
        return new Observation(allRunning ? Condition.RUNNING : Condition.NOT_RUNNING, null);
    }

    /** Empty when Connect accepted the restart, else why not. */
    private Optional<String> restart(String name) throws InterruptedException {
        URI uri = endpoint(name, "restart?includeTasks=true&onlyFailed=true");
        try {
            HttpResponse<Void> response = http.send(HttpRequest.newBuilder(uri).timeout(REQUEST_TIMEOUT)
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());
            int code = response.statusCode();
            return code == 200 || code == 202 || code == 204 ? Optional.empty() : Optional.of("HTTP " + code);
        } catch (IOException e) {
            return Optional.of(e.getClass().getSimpleName());
        }
    }

    private URI endpoint(String name, String rest) {
        return settings.connectUrl().resolve("connectors/" + name + "/" + rest);
    }

    private static final Pattern EXCEPTION_CLASS =
            Pattern.compile("^(?:Caused by: )?((?:[a-zA-Z_$][\\w$]*\\.)+[A-Z][\\w$]*)(?::|$)", Pattern.MULTILINE);

    /**
     * The exception classes of a Connect failure trace, outermost first and root cause last, e.g.
     * {@code ConnectException <- PSQLException}. Messages are dropped on purpose: they can quote configuration
     * values (the database password) or row data.
     */
    static String summarizeTrace(String trace) {
        List<String> classes = new ArrayList<>();
        Matcher m = EXCEPTION_CLASS.matcher(trace);
        while (m.find()) {
            String fqcn = m.group(1);
            String simple = fqcn.substring(fqcn.lastIndexOf('.') + 1);
            if (classes.isEmpty() || !classes.getLast().equals(simple)) {
                classes.add(simple);
            }
        }
        return classes.isEmpty() ? "no trace" : String.join(" <- ", classes);
    }

    /** scheme://host:port only: a URL with credentials in it must not reach the log. */
    private static String redacted(URI uri) {
        return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort());
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? String.valueOf(d.toSeconds()) : String.valueOf(d.toMillis() / 1000.0);
    }
}
