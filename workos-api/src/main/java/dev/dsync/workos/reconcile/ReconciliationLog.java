package dev.dsync.workos.reconcile;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dsync.events.EventParser;
import dev.dsync.workos.CursorState;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * What every instance knows about the WorkOS API source, tailed from two compacted topics: the cursor topic (the
 * Events API cursor, reconciliation requests and runs) and {@code dsync.reconciliations} (each directory's last
 * reconciliation). The reconciler decides from it what to run; the query API answers from it.
 *
 * <p>Keys in the cursor topic: {@code events} (the poller's {@link CursorState}), {@code request:<id>},
 * {@code run:<id>} and {@code reconciliation:last-full} (the last completed reconciliation of every directory).
 */
public final class ReconciliationLog implements AutoCloseable {

    public static final String REQUEST_PREFIX = "request:";
    public static final String RUN_PREFIX = "run:";
    public static final String LAST_FULL = "reconciliation:last-full";

    private static final System.Logger LOG = System.getLogger(ReconciliationLog.class.getName());

    private final String cursorTopic;
    private final String reconciliationsTopic;
    private final KafkaConsumer<String, byte[]> consumer;
    private final Thread thread;
    private final Map<String, JsonNode> requests = new ConcurrentHashMap<>();
    private final Map<String, JsonNode> runs = new ConcurrentHashMap<>();
    private final Map<String, JsonNode> directories = new ConcurrentHashMap<>();
    private volatile JsonNode lastFull;
    private volatile CursorState cursor;
    private volatile boolean caughtUp;
    private volatile boolean running = true;

    public ReconciliationLog(String bootstrapServers, String cursorTopic, String reconciliationsTopic) {
        this.cursorTopic = cursorTopic;
        this.reconciliationsTopic = reconciliationsTopic;
        this.consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.CLIENT_ID_CONFIG, "dsync-reconciliation-log"),
                new StringDeserializer(), new ByteArrayDeserializer());
        this.thread = new Thread(this::run, "dsync-reconciliation-log");
        thread.setDaemon(true);
        thread.start();
    }

    /** True once both topics were read to the end they had when this log started. */
    public boolean caughtUp() {
        return caughtUp;
    }

    public Optional<CursorState> cursor() {
        return Optional.ofNullable(cursor);
    }

    public Optional<JsonNode> run(String id) {
        return Optional.ofNullable(runs.get(id));
    }

    public Optional<JsonNode> request(String id) {
        return Optional.ofNullable(requests.get(id));
    }

    public Optional<JsonNode> lastFull() {
        return Optional.ofNullable(lastFull);
    }

    /** The directory's last reconciliation record, as on {@code dsync.reconciliations}. */
    public Optional<JsonNode> directory(String directoryId) {
        return Optional.ofNullable(directories.get(directoryId));
    }

    /** Requests no run has finished yet, oldest first. */
    public List<JsonNode> pendingRequests() {
        List<JsonNode> pending = new ArrayList<>();
        requests.forEach((id, r) -> {
            JsonNode run = runs.get(id);
            String status = run == null ? null : run.path("status").asText();
            if (!"completed".equals(status) && !"failed".equals(status)) {
                pending.add(r);
            }
        });
        pending.sort(Comparator.comparing(r -> r.path("requested_at").asText()));
        return pending;
    }

    /** Records what this instance just wrote, so that it answers for it before the tail reads it back. */
    void remember(String key, JsonNode value) {
        apply(key, value);
    }

    private void run() {
        try {
            List<TopicPartition> partitions = new ArrayList<>();
            partitions.add(new TopicPartition(cursorTopic, 0));
            consumer.partitionsFor(reconciliationsTopic, Duration.ofSeconds(30))
                    .forEach(p -> partitions.add(new TopicPartition(reconciliationsTopic, p.partition())));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (running) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    if (r.topic().equals(cursorTopic)) {
                        apply(r.key(), r.value() == null ? null : parse(r.key(), r.value()));
                    } else if (r.key() != null) {
                        JsonNode v = r.value() == null ? null : parse(r.key(), r.value());
                        if (v == null) {
                            directories.remove(r.key());
                        } else {
                            directories.put(r.key(), v);
                        }
                    }
                }
                if (!caughtUp && partitions.stream().allMatch(p -> consumer.position(p) >= end.get(p))) {
                    caughtUp = true;
                }
            }
        } catch (WakeupException | InterruptException e) {
            // closing
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "The reconciliation log stopped reading " + cursorTopic + " and "
                    + reconciliationsTopic + "; reconciliation status is no longer current", e);
        } finally {
            consumer.close(Duration.ofSeconds(2));
        }
    }

    private void apply(String key, JsonNode value) {
        if (key == null) {
            return;
        }
        if (key.equals(CursorState.KEY)) {
            try {
                cursor = value == null ? null : CursorState.fromJson(EventParser.MAPPER.writeValueAsBytes(value));
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "unreadable Events API cursor record: {0}", e.getMessage());
            }
        } else if (key.startsWith(REQUEST_PREFIX)) {
            put(requests, key.substring(REQUEST_PREFIX.length()), value);
        } else if (key.startsWith(RUN_PREFIX)) {
            put(runs, key.substring(RUN_PREFIX.length()), value);
        } else if (key.equals(LAST_FULL)) {
            lastFull = value;
        }
    }

    private static void put(Map<String, JsonNode> map, String id, JsonNode value) {
        if (value == null) {
            map.remove(id);
        } else {
            map.put(id, value);
        }
    }

    private static JsonNode parse(String key, byte[] value) {
        try {
            return EventParser.MAPPER.readTree(value);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "skipping an unreadable record {0}: {1}", key, e.getMessage());
            return null;
        }
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
