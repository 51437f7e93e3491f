package dev.dsync.workos.reconcile;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dsync.events.EventParser;
import dev.dsync.events.EventTimes;
import dev.dsync.events.Topics;
import dev.dsync.workos.CursorState;
import dev.dsync.workos.WorkosClient;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Bootstrap and reconciliation from WorkOS's Directory Sync API, on the instance that polls the Events API (so
 * exactly one instance talks to WorkOS, within one request budget).
 *
 * <p>What it runs, in this order of priority:
 * <ol>
 *   <li>requests ({@code POST /v1/reconciliations}, {@code ./dsync reconcile}), each recorded in the cursor topic
 *       so that whichever instance leads runs it;</li>
 *   <li>the <b>bootstrap</b>: a reconciliation of every directory, until one has completed (a first start, or a
 *       restart in the middle of one: it starts over, and what it already wrote dedupes or loses to the guards);
 *       the Events API cursor was stored before it began, so nothing that changes during it is missed;</li>
 *   <li>a reconciliation after the poller flagged a gap (events older than the Events API's retention);</li>
 *   <li>the schedule ({@code DSYNC_RECONCILE_INTERVAL}).</li>
 * </ol>
 * Each directory's result is a record on {@code dsync.reconciliations} (key directory id), a metric
 * {@code dsync_drift_total{kind,direction}} and a log line.
 */
public final class Reconciler implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(Reconciler.class.getName());
    private static final Duration RETRY_AFTER_FAILURE = Duration.ofSeconds(30);

    /**
     * @param interval    the schedule; null for none ({@code DSYNC_RECONCILE_INTERVAL=off})
     * @param parallelism directories reconciled at once (WorkOS limits {@code /directory_users} per directory)
     * @param inactiveUsersDeleted the topology deletes inactive users ({@code DSYNC_INACTIVE_USERS=delete})
     */
    public record Settings(String bootstrapServers, String eventsTopic, String cursorTopic,
                           String reconciliationsTopic, Duration interval, int parallelism, int topicPartitions,
                           short replicationFactor, boolean inactiveUsersDeleted) {
    }

    /** Thrown inside a run when it must stop: leadership moved or the process is closing. */
    private static final class Abandoned extends RuntimeException {
        Abandoned(String why) {
            super(why, null, false, false);
        }
    }

    private record Job(String id, String trigger, String directoryId, String requestedAt) {
    }

    private final Settings settings;
    private final DirectorySyncApi api;
    private final BooleanSupplier leader;
    private final ReconciliationLog log;
    private final KafkaProducer<String, byte[]> producer;
    private final MeterRegistry registry;
    private final Thread thread;
    private final Object wake = new Object();
    private final AtomicLong runningGauge = new AtomicLong();
    private volatile boolean running = true;
    private volatile Instant notBefore = Instant.EPOCH;

    private Reconciler(Settings settings, WorkosClient client, BooleanSupplier leader, MeterRegistry registry) {
        this.settings = settings;
        this.api = new DirectorySyncApi(client);
        this.leader = leader;
        this.registry = registry;
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", settings.bootstrapServers()))) {
            Topics.ensure(admin, List.of(settings.reconciliationsTopic()), settings.topicPartitions(),
                    Optional.of(settings.replicationFactor()),
                    t -> Map.of("cleanup.policy", "compact", "min.compaction.lag.ms", "0"));
            Topics.ensure(admin, List.of(settings.cursorTopic()), 1, Optional.of(settings.replicationFactor()),
                    t -> Map.of("cleanup.policy", "compact", "min.compaction.lag.ms", "0"));
        }
        this.log = new ReconciliationLog(settings.bootstrapServers(), settings.cursorTopic(),
                settings.reconciliationsTopic());
        this.producer = new KafkaProducer<>(producerProps(settings.bootstrapServers()), new StringSerializer(),
                new ByteArraySerializer());
        Gauge.builder("dsync.reconciliation.running", runningGauge, AtomicLong::get)
                .description("1 while this instance runs a bootstrap or reconciliation").register(registry);
        this.thread = new Thread(this::loop, "dsync-reconciler");
    }

    public static Reconciler start(Settings settings, WorkosClient client, BooleanSupplier leader,
                                   MeterRegistry registry) {
        Reconciler r = new Reconciler(settings, client, leader, registry);
        r.thread.start();
        return r;
    }

    public ReconciliationLog log() {
        return log;
    }

    /** Asks for a reconciliation of one directory (or of all, when null); returns the request record. */
    public JsonNode request(String directoryId) {
        String id = newId();
        ObjectNode r = JsonNodeFactory.instance.objectNode();
        r.put("id", id);
        r.put("directory_id", directoryId);
        r.put("status", "requested");
        r.put("trigger", "request");
        r.put("requested_at", EventTimes.format(Instant.now()));
        write(ReconciliationLog.REQUEST_PREFIX + id, r);
        synchronized (wake) {
            wake.notifyAll();
        }
        return r;
    }

    /** The status of a reconciliation: its run record, or its request while no run has started. */
    public Optional<JsonNode> status(String id) {
        return log.run(id).or(() -> log.request(id));
    }

    /**
     * True when events may have been missed and no reconciliation of every directory has started since: what
     * health reports.
     */
    public boolean gapOpen() {
        return openGap().isPresent();
    }

    /** The gap the poller flagged (as the cursor topic says, on any instance) while no full run has closed it. */
    public Optional<CursorState.Gap> openGap() {
        CursorState.Gap gap = log.cursor().map(CursorState::reconciliation).orElse(null);
        if (gap == null) {
            return Optional.empty();
        }
        Instant lastFullStart = log.lastFull().flatMap(r -> EventTimes.parse(r.path("started_at").asText()))
                .orElse(null);
        return lastFullStart != null && !lastFullStart.isBefore(gap.detectedAt()) ? Optional.empty()
                : Optional.of(gap);
    }

    private void loop() {
        while (running) {
            try {
                Job job = log.caughtUp() && leader.getAsBoolean() && !Instant.now().isBefore(notBefore)
                        ? nextJob(Instant.now()) : null;
                if (job == null) {
                    synchronized (wake) {
                        wake.wait(1000);
                    }
                    continue;
                }
                execute(job);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "The reconciler failed; trying again in "
                        + RETRY_AFTER_FAILURE.toSeconds() + " s", e);
                notBefore = Instant.now().plus(RETRY_AFTER_FAILURE);
            }
        }
    }

    private Job nextJob(Instant now) {
        List<JsonNode> requests = log.pendingRequests();
        if (!requests.isEmpty()) {
            JsonNode r = requests.getFirst();
            return new Job(r.path("id").asText(), "request", textOrNull(r, "directory_id"),
                    r.path("requested_at").asText());
        }
        Optional<JsonNode> lastFull = log.lastFull();
        if (lastFull.isEmpty()) {
            return new Job(newId(), "bootstrap", null, null);
        }
        if (openGap().isPresent()) {
            return new Job(newId(), "gap", null, null);
        }
        if (settings.interval() != null) {
            Instant last = EventTimes.parse(lastFull.get().path("started_at").asText()).orElse(Instant.EPOCH);
            if (!now.isBefore(last.plus(settings.interval()))) {
                return new Job(newId(), "schedule", null, null);
            }
        }
        return null;
    }

    private void execute(Job job) throws InterruptedException {
        Instant started = Instant.now();
        ObjectNode run = runRecord(job, "running", started);
        write(ReconciliationLog.RUN_PREFIX + job.id(), run);
        runningGauge.set(1);
        LOG.log(System.Logger.Level.INFO, "Reconciliation {0} ({1}) of {2} started", job.id(), job.trigger(),
                job.directoryId() == null ? "every directory" : "directory " + job.directoryId());
        long[] totals = new long[3]; // directories, drift, repaired
        try {
            runDirectories(job, totals);
            producer.flush();
            run = runRecord(job, "completed", started);
            run.put("completed_at", EventTimes.format(Instant.now()));
            run.put("directories", totals[0]);
            run.put("drift_total", totals[1]);
            run.put("repaired", totals[2]);
            write(ReconciliationLog.RUN_PREFIX + job.id(), run);
            if (job.directoryId() == null) {
                write(ReconciliationLog.LAST_FULL, run);
            }
            count(job.trigger(), "completed");
            LOG.log(System.Logger.Level.INFO, "Reconciliation {0} ({1}) completed in {2} s: {3} directories, drift {4}, "
                    + "{5} repair events", job.id(), job.trigger(), Duration.between(started, Instant.now()).toSeconds(),
                    totals[0], totals[1], totals[2]);
        } catch (Abandoned e) {
            LOG.log(System.Logger.Level.INFO, "Reconciliation {0} stopped on this instance: {1}", job.id(), e.getMessage());
        } catch (Exception e) {
            count(job.trigger(), "failed");
            run = runRecord(job, "failed", started);
            run.put("completed_at", EventTimes.format(Instant.now()));
            run.put("error", e.getMessage());
            write(ReconciliationLog.RUN_PREFIX + job.id(), run);
            LOG.log(System.Logger.Level.ERROR, "Reconciliation {0} ({1}) failed: {2}{3}", job.id(), job.trigger(),
                    e.getMessage(), job.trigger().equals("request") ? "" : "; it will be tried again");
            notBefore = Instant.now().plus(RETRY_AFTER_FAILURE);
            if (e instanceof InterruptedException ie) {
                throw ie;
            }
        } finally {
            runningGauge.set(0);
        }
    }

    private void runDirectories(Job job, long[] totals) throws Exception {
        MirrorSnapshot mirror = MirrorSnapshot.read(settings.bootstrapServers(), Duration.ofMinutes(5));
        Instant listingFrom = Instant.now();
        List<Map.Entry<JsonNode, Instant>> listed = new ArrayList<>();
        if (job.directoryId() == null) {
            api.directories(page -> page.data().forEach(d -> listed.add(Map.entry(d, page.requestedAt()))));
        } else {
            api.directory(job.directoryId()).ifPresent(d -> listed.add(Map.entry(d, listingFrom)));
        }
        Set<String> seen = new HashSet<>();
        List<java.util.concurrent.Callable<long[]>> tasks = new ArrayList<>();
        RepairEvents repairs = new RepairEvents(settings.eventsTopic(), job.id());
        for (var entry : listed) {
            String id = Canonical.text(entry.getKey(), "id");
            if (id == null || !seen.add(id)) {
                continue;
            }
            tasks.add(() -> directory(job, id, repairs, r -> r.reconcile(entry.getKey(), entry.getValue(),
                    mirror.directory(id))));
        }
        Set<String> extra = new HashSet<>(job.directoryId() == null ? mirror.directories().keySet()
                : mirror.directories().containsKey(job.directoryId()) ? Set.of(job.directoryId()) : Set.of());
        extra.removeAll(seen);
        for (String id : extra) {
            tasks.add(() -> directory(job, id, repairs, r -> r.remove(id, mirror.directory(id), listingFrom)));
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(settings.parallelism(),
                tasks.size())), r -> new Thread(r, "dsync-reconciler-directory"));
        try {
            List<Future<long[]>> results = new ArrayList<>();
            tasks.forEach(t -> results.add(pool.submit(t)));
            for (Future<long[]> f : results) {
                try {
                    long[] r = f.get();
                    totals[0]++;
                    totals[1] += r[0];
                    totals[2] += r[1];
                } catch (ExecutionException e) {
                    results.forEach(other -> other.cancel(true));
                    Throwable cause = e.getCause();
                    if (cause instanceof Exception ex) {
                        throw ex;
                    }
                    throw e;
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private interface Work {
        void run(DirectoryReconciliation r) throws Exception;
    }

    /** Reconciles one directory and records its result; returns {drift, repaired}. */
    private long[] directory(Job job, String directoryId, RepairEvents repairs, Work work) throws Exception {
        Instant started = Instant.now();
        AtomicReference<Exception> sendFailure = new AtomicReference<>();
        DirectoryReconciliation r = new DirectoryReconciliation(api, repairs, record -> producer.send(record,
                (metadata, e) -> {
                    if (e != null) {
                        sendFailure.compareAndSet(null, e);
                    }
                }), this::check, settings.inactiveUsersDeleted());
        work.run(r);
        producer.flush();
        if (sendFailure.get() != null) {
            throw new IOException("writing repair events failed: " + sendFailure.get().getMessage(), sendFailure.get());
        }
        Drift drift = r.drift();
        ObjectNode record = JsonNodeFactory.instance.objectNode();
        record.put("reconciliation_id", job.id());
        record.put("directory_id", directoryId);
        record.put("organization_id", r.organizationId());
        record.put("trigger", job.trigger());
        record.put("started_at", EventTimes.format(started));
        record.put("completed_at", EventTimes.format(Instant.now()));
        record.put("status", "completed");
        record.set("drift", drift.toJson());
        record.put("drift_total", drift.total());
        record.put("repaired", r.repaired());
        // synchronously: a drift report that silently failed to land would be worse than a slower run
        producer.send(new ProducerRecord<>(settings.reconciliationsTopic(), directoryId, bytes(record))).get();
        for (Drift.Kind kind : Drift.Kind.values()) {
            for (Drift.Direction d : Drift.Direction.values()) {
                long n = drift.count(kind, d);
                if (n > 0) {
                    Counter.builder("dsync.drift").description("Differences reconciliation found between WorkOS and "
                            + "the mirror").tags("kind", kind.label(), "direction", d.label()).register(registry)
                            .increment(n);
                }
            }
        }
        Counter.builder("dsync.reconciliation.repairs").description("Repair events written by reconciliation")
                .register(registry).increment(r.repaired());
        LOG.log(drift.total() == 0 ? System.Logger.Level.INFO : System.Logger.Level.WARNING,
                "Reconciliation {0} of directory {1}: drift {2} ({3}), {4} repair events", job.id(), directoryId,
                drift.total(), drift.summary(), r.repaired());
        return new long[] {drift.total(), r.repaired()};
    }

    private void check() {
        if (!running) {
            throw new Abandoned("closing");
        }
        if (!leader.getAsBoolean()) {
            throw new Abandoned("another instance now talks to WorkOS");
        }
    }

    private ObjectNode runRecord(Job job, String status, Instant started) {
        ObjectNode r = JsonNodeFactory.instance.objectNode();
        r.put("id", job.id());
        r.put("status", status);
        r.put("trigger", job.trigger());
        r.put("directory_id", job.directoryId());
        r.put("requested_at", job.requestedAt());
        r.put("started_at", EventTimes.format(started));
        r.putNull("completed_at");
        r.put("directories", 0);
        r.put("drift_total", 0);
        r.put("repaired", 0);
        r.putNull("error");
        return r;
    }

    private void write(String key, ObjectNode value) {
        log.remember(key, value);
        try {
            producer.send(new ProducerRecord<>(settings.cursorTopic(), 0, key, bytes(value))).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while writing " + key, e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot write " + key + " to " + settings.cursorTopic() + ": "
                    + e.getCause().getMessage(), e.getCause());
        }
    }

    private void count(String trigger, String status) {
        Counter.builder("dsync.reconciliations").description("Reconciliations by trigger and outcome")
                .tags("trigger", trigger, "status", status).register(registry).increment();
    }

    private static byte[] bytes(JsonNode node) {
        try {
            return EventParser.MAPPER.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String textOrNull(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    /** {@code rec_} + time + randomness: sortable by creation, unique across instances. */
    static String newId() {
        return "rec_%013x%08x".formatted(System.currentTimeMillis(), ThreadLocalRandom.current().nextInt());
    }

    private static Map<String, Object> producerProps(String bootstrapServers) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "dsync-reconciler");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Topics.MAX_INPUT_BYTES);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 60_000);
        return p;
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(Duration.ofSeconds(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(Duration.ofSeconds(5));
        log.close();
    }
}
