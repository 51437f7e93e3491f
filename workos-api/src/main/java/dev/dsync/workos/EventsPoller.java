package dev.dsync.workos;

import dev.dsync.events.EventTimes;
import dev.dsync.events.InputHeaders;
import dev.dsync.events.Topics;
import dev.dsync.events.WorkosEvent;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.IntConsumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Reads WorkOS's Events API ({@code GET /events}) and writes every Directory Sync event to the input topic, as the
 * gateway does for webhooks, with {@code dsync-source: events-api}.
 *
 * <p><b>Exactly one poller.</b> Every instance joins one consumer group on the single-partition cursor topic; the
 * member that holds partition 0 polls, the others wait. A member that stops leaves the group and another takes
 * over at once; one that dies is replaced after the session timeout. All instances share one transactional id,
 * so the new poller's {@code initTransactions} fences the old one (a paused "zombie" cannot commit any more) and
 * aborts whatever transaction it left open, before the new poller reads the cursor.
 *
 * <p><b>Nothing lost.</b> Each page's events and the cursor that covers them are committed in one Kafka
 * transaction, so the stored cursor never runs ahead of what is on the input topic, and a crash at any point
 * leaves either the whole page or none of it. Reading resumes behind the newest event (see {@link CursorState})
 * so events that become visible late are still found; the duplicates that costs are removed by the topology.
 *
 * <p>Headers: {@code workos-event-id}, {@code workos-event-type}, {@code dsync-received-at} (the fetch time) and
 * {@code dsync-source: events-api}. There is no {@code workos-signature-timestamp}: nothing was signed.
 */
public final class EventsPoller implements AutoCloseable {

    /** The Directory Sync event types WorkOS lets endpoints subscribe to; the Events API filter takes the same. */
    public static final List<String> EVENT_TYPES = List.of(
            "dsync.activated", "dsync.deleted",
            "dsync.user.created", "dsync.user.updated", "dsync.user.deleted",
            "dsync.group.created", "dsync.group.updated", "dsync.group.deleted",
            "dsync.group.user_added", "dsync.group.user_removed");
    static final int PAGE_LIMIT = 100;
    /** The longest one WorkOS call may take with its retries, so that the consumer is polled in between. */
    private static final Duration CALL_WAIT = Duration.ofSeconds(20);
    /** While idle, the time the stream was last seen complete is stored this often. */
    private static final Duration CHECKPOINT_INTERVAL = Duration.ofMinutes(10);
    private static final System.Logger LOG = System.getLogger(EventsPoller.class.getName());

    /**
     * @param cursorTopic     compacted, one partition; created if missing
     * @param groupId         the consumer group whose holder of the cursor partition polls
     * @param transactionalId the same on every instance: it is what fences a previous poller
     * @param safetyWindow    how far behind the newest event reading resumes
     * @param maxWindow       the most events kept for skipping re-reads (bounds re-reading and the cursor record)
     * @param retention       how long WorkOS keeps events (30 days documented)
     * @param startAt         where a first start without a cursor begins; null for now minus the safety window
     * @param sessionTimeout  how soon a crashed poller is replaced
     */
    public record Settings(String bootstrapServers, String eventsTopic, String otherEventsTopic, String cursorTopic,
                           String groupId, String transactionalId, Duration pollInterval, Duration safetyWindow,
                           int maxWindow, Duration retention, Instant startAt, Duration sessionTimeout,
                           int topicPartitions, short replicationFactor) {

        public static final String DEFAULT_CURSOR_TOPIC = dev.dsync.events.config.DsyncEnv.WORKOS_CURSOR_TOPIC.defaultValue();
        public static final String DEFAULT_GROUP_ID = "dsync-workos-events";
        public static final String DEFAULT_TRANSACTIONAL_ID = "dsync-workos-events-poller";

        public Settings {
            Objects.requireNonNull(bootstrapServers, "bootstrapServers");
            if (maxWindow < 1 || pollInterval.isNegative() || safetyWindow.isNegative()) {
                throw new IllegalArgumentException("maxWindow must be positive and durations not negative");
            }
        }

        public static Settings defaults(String bootstrapServers) {
            return new Settings(bootstrapServers, Topics.EVENTS, Topics.OTHER_EVENTS, DEFAULT_CURSOR_TOPIC,
                    DEFAULT_GROUP_ID, DEFAULT_TRANSACTIONAL_ID, Duration.ofSeconds(5), Duration.ofMinutes(1), 500,
                    Duration.ofDays(30), null, Duration.ofSeconds(15), 3, (short) 1);
        }
    }

    private final Settings settings;
    private final WorkosClient client;
    private final WorkosApiMetrics metrics;
    private final TopicPartition cursorPartition;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile boolean assigned;
    private volatile boolean active;
    /** False with {@code DSYNC_EVENTS_API=off}: the leader only holds the role (for reconciliation), reads nothing. */
    private volatile boolean following = true;
    private volatile CursorState lastState;
    private volatile KafkaConsumer<String, byte[]> consumer;
    /** Test seam: runs inside each page's transaction just before the commit, with the page's number. */
    private volatile IntConsumer beforeCommit = page -> { };
    private Session session;
    private int pagesWritten;

    /** The leader's producer and where it stands; rebuilt from the cursor topic whenever leadership begins. */
    private static final class Session {
        final KafkaProducer<String, byte[]> producer;
        CursorState state;
        /** Within a pass over the stream, the id the next page follows; null at the start of a pass. */
        String pageAfter;

        Session(KafkaProducer<String, byte[]> producer, CursorState state) {
            this.producer = producer;
            this.state = state;
        }
    }

    private EventsPoller(Settings settings, WorkosClient client) {
        this.settings = settings;
        this.client = client;
        this.metrics = client.metrics();
        this.cursorPartition = new TopicPartition(settings.cursorTopic(), 0);
        this.thread = new Thread(this::run, "dsync-events-poller");
    }

    /** Creates the cursor topic if needed and starts competing for the poller role in the background. */
    public static EventsPoller start(Settings settings, WorkosClient client) {
        try (var admin = org.apache.kafka.clients.admin.Admin.create(
                Map.of("bootstrap.servers", settings.bootstrapServers()))) {
            Topics.ensure(admin, List.of(settings.cursorTopic()), 1, Optional.of(settings.replicationFactor()),
                    t -> Map.of("cleanup.policy", "compact", "min.compaction.lag.ms", "0"));
            Topics.ensure(admin, List.of(settings.eventsTopic(), settings.otherEventsTopic()),
                    settings.topicPartitions(), Optional.of(settings.replicationFactor()));
        }
        EventsPoller poller = new EventsPoller(settings, client);
        poller.thread.start();
        return poller;
    }

    /** True while this instance is the one polling WorkOS. */
    public boolean active() {
        return active;
    }

    /** The cursor as this instance last read or wrote it. */
    public Optional<CursorState> cursor() {
        return Optional.ofNullable(lastState);
    }

    /** Set when events may have been missed (cursor expired or refused); reconciliation closes the gap. */
    public Optional<CursorState.Gap> reconciliationNeeded() {
        return cursor().map(CursorState::reconciliation);
    }

    /** Whether the leader reads the Events API; off, it only holds the leadership that reconciliation runs under. */
    public void following(boolean value) {
        this.following = value;
    }

    void beforeCommit(IntConsumer hook) {
        this.beforeCommit = hook;
    }

    boolean alive() {
        return thread.isAlive();
    }

    @Override
    public void close() {
        running = false;
        KafkaConsumer<String, byte[]> c = consumer;
        if (c != null) {
            try {
                c.wakeup();
            } catch (RuntimeException e) {
                // already closed: the poller thread has ended
            }
        }
        // No transaction is open while WorkOS is called, and one interrupted mid-way is aborted by the next
        // poller's fencing, so interrupting is safe and ends a long backoff at once.
        thread.interrupt();
        try {
            thread.join(Duration.ofSeconds(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(consumerProps());
        consumer = c;
        try {
            c.subscribe(List.of(settings.cursorTopic()), new Listener());
            while (running) {
                try {
                    if (!assigned) {
                        c.poll(Duration.ofMillis(500));
                        continue;
                    }
                    if (session == null) {
                        session = openSession(c);
                        continue;
                    }
                    boolean more = following && step();
                    if (more) {
                        c.poll(Duration.ZERO); // rebalances and revocations are only seen inside poll
                    } else {
                        idle(c, settings.pollInterval());
                    }
                } catch (WakeupException | InterruptException e) {
                    // close() was called
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    running = false;
                } catch (ProducerFencedException | InvalidProducerEpochException e) {
                    LOG.log(System.Logger.Level.WARNING, "Another instance took over polling the Events API; standing by");
                    closeSession(false);
                } catch (KafkaException e) {
                    // Start over from what Kafka holds: the cursor there is the truth, whatever this session did.
                    LOG.log(System.Logger.Level.WARNING, "Kafka error while polling the Events API ({0}); re-reading the "
                            + "cursor and continuing", e.toString());
                    closeSession(false);
                    idle(c, Duration.ofSeconds(1));
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.ERROR, "Events API poller failed; retrying in 5 s", e);
                    closeSession(false);
                    idle(c, Duration.ofSeconds(5));
                }
            }
        } catch (WakeupException | InterruptException e) {
            // close() was called while idling
        } finally {
            boolean interrupted = Thread.interrupted(); // let the clients close cleanly
            closeSession(running); // running here means an Error escaped: close as a crash would, without aborting
            try {
                c.close(Duration.ofSeconds(5)); // leaves the group, so another instance takes over at once
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.DEBUG, "consumer close: {0}", e.toString());
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Polls the consumer (keeping the membership) until {@code duration} passed or leadership ended. */
    private void idle(KafkaConsumer<String, byte[]> c, Duration duration) {
        long deadline = System.nanoTime() + duration.toNanos();
        long left;
        while (running && assigned && (left = deadline - System.nanoTime()) > 0) {
            c.poll(Duration.ofNanos(left));
        }
    }

    private Session openSession(KafkaConsumer<String, byte[]> c) {
        KafkaProducer<String, byte[]> producer = new KafkaProducer<>(producerProps());
        try {
            producer.initTransactions(); // fences the previous poller and ends its open transaction
            Optional<CursorState> stored = readCursor(c);
            if (!assigned) {
                producer.close(Duration.ZERO);
                return null;
            }
            Instant now = Instant.now();
            Session s = new Session(producer, null);
            if (stored.isPresent()) {
                s.state = stored.get();
                LOG.log(System.Logger.Level.INFO, "Polling the WorkOS Events API, resuming after {0} ({1})",
                        s.state.after() == null ? "range start " + s.state.rangeStart() : s.state.after(),
                        s.state.resumeTime());
            } else {
                Instant start = settings.startAt() != null ? settings.startAt() : now.minus(settings.safetyWindow());
                CursorState initial = CursorState.startingAt(start, now);
                // Stored at once, so a restart before the first event does not move the start forward.
                commit(producer, List.of(), initial);
                s.state = initial;
                LOG.log(System.Logger.Level.INFO, "Polling the WorkOS Events API for the first time: no stored cursor, "
                        + "starting at {0} (earlier history is for bootstrap, not this poller)", start);
            }
            lastState = s.state;
            metrics.reconciliationNeeded(s.state.reconciliation() != null);
            active = true;
            metrics.active(true);
            return s;
        } catch (RuntimeException e) {
            producer.close(Duration.ZERO);
            throw e;
        }
    }

    /** The last committed cursor, read from the start of the cursor partition to its last stable offset. */
    private Optional<CursorState> readCursor(KafkaConsumer<String, byte[]> c) {
        c.seekToBeginning(List.of(cursorPartition));
        long end = c.endOffsets(List.of(cursorPartition), Duration.ofSeconds(30)).get(cursorPartition);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        byte[] latest = null;
        boolean found = false;
        while (assigned && c.position(cursorPartition, Duration.ofSeconds(30)) < end) {
            if (System.nanoTime() > deadline) {
                throw new KafkaException("could not read the cursor topic to its end within 60 s");
            }
            for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200)).records(cursorPartition)) {
                if (CursorState.KEY.equals(r.key())) {
                    latest = r.value();
                    found = true;
                }
            }
        }
        if (!found || latest == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(CursorState.fromJson(latest));
        } catch (IOException e) {
            // Starting from "now" instead would silently skip events; better to stop here, loudly, and retry.
            throw new IllegalStateException("the stored Events API cursor in " + settings.cursorTopic()
                    + " is unreadable: " + e.getMessage(), e);
        }
    }

    /** Reads one page and writes it. Returns true when another page should be read at once. */
    private boolean step() throws InterruptedException {
        Session s = session;
        Instant now = Instant.now();
        if (s.pageAfter == null) {
            s.state = expireIfNeeded(s, now);
        }
        CursorState state = s.state;
        Map<String, String> query = new LinkedHashMap<>();
        query.put("events", String.join(",", EVENT_TYPES));
        query.put("limit", Integer.toString(PAGE_LIMIT));
        if (s.pageAfter != null) {
            query.put("after", s.pageAfter);
        } else if (state.after() != null) {
            query.put("after", state.after());
        } else {
            query.put("range_start", EventTimes.format(state.rangeStart()));
        }

        WorkosClient.Response response;
        try {
            response = client.get("/events", "/events", query, CALL_WAIT);
        } catch (WorkosUnavailableException e) {
            return true; // the client has waited, logged and counted; keep trying, polling the consumer in between
        } catch (WorkosApiException e) {
            if (query.containsKey("after") && (e.status() == 400 || e.status() == 404 || e.status() == 422)) {
                cursorRejected(s, e, now);
                return true;
            }
            LOG.log(System.Logger.Level.ERROR, "The Events API refused the request: {0}; trying again in 60 s",
                    e.getMessage());
            idle(consumer, Duration.ofSeconds(60));
            return false;
        }

        EventsPage page;
        try {
            page = EventsPage.parse(response.body());
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "Unreadable Events API page ({0}, request id {1}); reading it again",
                    e.getMessage(), response.requestId());
            return false;
        }
        metrics.page();

        Set<String> seen = state.windowIds();
        Set<String> inPage = new HashSet<>();
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
        List<CursorState.Seen> written = new ArrayList<>();
        CursorState.Seen newest = state.newest();
        Instant lastTime = newest != null ? newest.createdAt() : state.rangeStart();
        String lastId = null;
        int directorySync = 0;
        int other = 0;
        int skipped = 0;
        long fetchedAt = System.currentTimeMillis();
        for (EventsPage.Item item : page.data()) {
            if (!item.valid()) {
                // Not even an id: nothing could dedupe or dead-letter it downstream.
                metrics.events("invalid", 1);
                LOG.log(System.Logger.Level.WARNING, "Skipping an unusable Events API entry ({0}), request id {1}",
                        item.invalidReason(), response.requestId());
                continue;
            }
            WorkosEvent event = item.event();
            lastId = event.id();
            // an event without a readable created_at is still written (the topology dead-letters it with the reason)
            Instant time = item.createdAt().orElse(lastTime);
            if (time.isAfter(lastTime)) {
                lastTime = time;
            }
            if (seen.contains(event.id()) || !inPage.add(event.id())) {
                skipped++;
                continue;
            }
            Optional<String> directoryId = event.directoryId();
            records.add(record(item, directoryId, fetchedAt));
            written.add(new CursorState.Seen(event.id(), time));
            if (directoryId.isPresent()) {
                directorySync++;
            } else {
                other++;
            }
        }
        boolean full = page.data().size() >= PAGE_LIMIT;
        CursorState next = state.withWritten(written, settings.safetyWindow(), settings.maxWindow(), now);
        if (!full) {
            next = next.withCheckedAt(now);
        }
        boolean checkpointDue = !full && (state.checkedAt() == null
                || Duration.between(state.checkedAt(), now).compareTo(CHECKPOINT_INTERVAL) >= 0);
        if (!records.isEmpty() || !Objects.equals(next.after(), state.after()) || checkpointDue) {
            commit(s.producer, records, next);
        }
        s.state = next;
        lastState = next;
        metrics.events("directory_sync", directorySync);
        metrics.events("other", other);
        metrics.events("seen", skipped);
        metrics.cursorLagSeconds(full ? Math.max(0, Duration.between(lastTime, Instant.now()).toSeconds()) : 0);
        s.pageAfter = full ? (lastId != null ? lastId : page.after()) : null;
        return full && s.pageAfter != null;
    }

    private void commit(KafkaProducer<String, byte[]> producer, List<ProducerRecord<String, byte[]>> records,
                        CursorState state) {
        producer.beginTransaction();
        try {
            records.forEach(producer::send);
            producer.send(new ProducerRecord<>(settings.cursorTopic(), 0, CursorState.KEY, state.toJson()));
            beforeCommit.accept(++pagesWritten);
            producer.commitTransaction(); // also surfaces any failed send
        } catch (ProducerFencedException | InvalidProducerEpochException e) {
            throw e; // aborting is not allowed any more, and the new poller has aborted it already
        } catch (KafkaException e) {
            try {
                producer.abortTransaction();
            } catch (KafkaException abortFailed) {
                e.addSuppressed(abortFailed);
            }
            throw e;
        }
    }

    /**
     * At the start of a pass: when the resume point is about to leave the Events API's retention, WorkOS may no
     * longer know the cursor (and could refuse it, or answer with nothing for ever). Resume from a time instead; if
     * the stream was not seen complete within the retention, events may have expired unread: flag it.
     */
    private CursorState expireIfNeeded(Session s, Instant now) {
        CursorState state = s.state;
        Duration margin = settings.retention().dividedBy(30).compareTo(Duration.ofHours(1)) < 0
                ? settings.retention().dividedBy(30) : Duration.ofHours(1);
        Instant horizon = now.minus(settings.retention()).plus(margin);
        Instant resume = state.resumeTime();
        if (resume == null || !resume.isBefore(horizon)) {
            return state;
        }
        Instant complete = state.checkedAt();
        CursorState next;
        if (complete != null && !complete.isBefore(horizon)) {
            Instant start = complete.minus(settings.safetyWindow());
            next = state.anchoredAt(start.isBefore(horizon) ? horizon : start, now);
            LOG.log(System.Logger.Level.INFO, "The Events API cursor ({0}) is near the end of WorkOS''s retention; "
                    + "the stream was complete at {1}, so resuming from that time instead", resume, complete);
        } else {
            Instant from = complete != null ? complete : resume;
            next = state.anchoredAt(horizon, now)
                    .withGap(new CursorState.Gap("cursor_expired", from, horizon, now));
            LOG.log(System.Logger.Level.ERROR, "EVENTS MAY HAVE BEEN MISSED: the Events API cursor ({0}) is older than "
                    + "WorkOS''s {1}-day retention and the stream was last seen complete at {2}. Events between {2} and "
                    + "{3} may be gone; resuming from {3}. Reconciliation with the Directory Sync API is needed.",
                    resume, settings.retention().toDays(), from, horizon);
            metrics.reconciliationNeeded(true);
        }
        commit(s.producer, List.of(), next);
        lastState = next;
        return next;
    }

    private void cursorRejected(Session s, WorkosApiException e, Instant now) {
        CursorState state = s.state;
        Instant resume = state.resumeTime() != null ? state.resumeTime() : now;
        Instant start = resume.minus(settings.safetyWindow());
        CursorState next = state.anchoredAt(start, now)
                .withGap(new CursorState.Gap("cursor_rejected", resume, now, now));
        LOG.log(System.Logger.Level.ERROR, "EVENTS MAY HAVE BEEN MISSED: WorkOS refused the Events API cursor after {0} "
                + "({1}). Resuming from the time {2}; reconciliation with the Directory Sync API is needed.",
                resume, e.getMessage(), start);
        commit(s.producer, List.of(), next);
        metrics.reconciliationNeeded(true);
        s.state = next;
        s.pageAfter = null;
        lastState = next;
    }

    private ProducerRecord<String, byte[]> record(EventsPage.Item item, Optional<String> directoryId, long fetchedAt) {
        WorkosEvent event = item.event();
        String topic = directoryId.isPresent() ? settings.eventsTopic() : settings.otherEventsTopic();
        String key = directoryId.orElse(event.id());
        var headers = new RecordHeaders()
                .add(InputHeaders.EVENT_ID, utf8(event.id()))
                .add(InputHeaders.EVENT_TYPE, utf8(event.type()))
                .add(InputHeaders.RECEIVED_AT, utf8(Long.toString(fetchedAt)))
                .add(InputHeaders.SOURCE, utf8(InputHeaders.EVENTS_API));
        return new ProducerRecord<>(topic, null, key, item.json(), headers);
    }

    /** Ends leadership. {@code crashed}: close without waiting, leaving any open transaction to the fencing. */
    private void closeSession(boolean crashed) {
        Session s = session;
        session = null;
        if (active) {
            LOG.log(System.Logger.Level.INFO, "No longer polling the WorkOS Events API on this instance");
        }
        active = false;
        metrics.active(false);
        metrics.cursorLagSeconds(0);
        if (s != null) {
            try {
                s.producer.close(crashed ? Duration.ZERO : Duration.ofSeconds(5));
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.DEBUG, "producer close: {0}", e.toString());
            }
        }
    }

    private final class Listener implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            if (partitions.contains(cursorPartition)) {
                assigned = false;
                closeSession(false);
            }
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            onPartitionsRevoked(partitions);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            if (partitions.contains(cursorPartition)) {
                assigned = true;
            }
        }
    }

    private Map<String, Object> consumerProps() {
        int session = (int) settings.sessionTimeout().toMillis();
        Map<String, Object> p = new LinkedHashMap<>();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, settings.groupId());
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "dsync-events-poller-membership");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, session);
        p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, Math.max(500, session / 5));
        // sticky: a newly started instance joins as a standby instead of taking the role from a healthy poller
        p.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        return p;
    }

    private Map<String, Object> producerProps() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "dsync-events-poller");
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, settings.transactionalId());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        // a crashed poller's open transaction is aborted by the broker after this, even if no one takes over
        p.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 60_000);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Topics.MAX_INPUT_BYTES);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        return p;
    }

    private static byte[] utf8(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
    }
}
