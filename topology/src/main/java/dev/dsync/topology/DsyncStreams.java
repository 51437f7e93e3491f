package dev.dsync.topology;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running topology: a {@link KafkaStreams} client built from a {@link TopologyConfig}, for the launcher to
 * start and stop in-process and for a query layer to read state from.
 *
 * <pre>
 *   DsyncStreams topology = DsyncStreams.start(TopologyConfig.fromEnv());
 *   topology.awaitRunning(Duration.ofSeconds(60));
 *   topology.ownerOf(directoryId);    // where a directory's state lives, for a query layer
 *   topology.close();
 * </pre>
 */
public final class DsyncStreams implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DsyncStreams.class);

    private final TopologyConfig config;
    private final TopologyMetrics metrics = new TopologyMetrics();
    private final KafkaStreams streams;
    private final CompletableFuture<KafkaStreams.State> stopped = new CompletableFuture<>();
    private final CompletableFuture<Void> running = new CompletableFuture<>();

    private DsyncStreams(TopologyConfig config) {
        this.config = config;
        java.util.Properties props = config.toStreamsProperties();
        props.put(ProductionErrors.METRICS_CONFIG, metrics);
        this.streams = new KafkaStreams(DsyncTopology.build(config, metrics), props);
        streams.setStateListener((newState, oldState) -> {
            LOG.info("topology {} -> {}", oldState, newState);
            if (newState == KafkaStreams.State.RUNNING) {
                running.complete(null);
            }
            if (newState == KafkaStreams.State.ERROR || newState == KafkaStreams.State.NOT_RUNNING) {
                stopped.complete(newState);
                running.completeExceptionally(new IllegalStateException("the topology stopped: " + newState));
            }
        });
        streams.setUncaughtExceptionHandler(threadFailures::decide);
    }

    private final ThreadFailures threadFailures = new ThreadFailures(MAX_THREAD_REPLACEMENTS, REPLACEMENT_WINDOW,
            System::currentTimeMillis);

    static final int MAX_THREAD_REPLACEMENTS = 3;
    static final Duration REPLACEMENT_WINDOW = Duration.ofMinutes(10);

    /**
     * What to do when a stream thread dies. Bad data never gets here (it is dead-lettered), so a failure is a bug or
     * a broken cluster: a transient one is worth a new thread, but a failure that keeps coming back shuts the client
     * down, and the process that runs it exits non-zero for its supervisor to restart (never a silent crash loop).
     */
    record ThreadFailures(int maxReplacements, Duration window, java.util.function.LongSupplier clock,
                          java.util.Deque<Long> recent) {

        ThreadFailures(int maxReplacements, Duration window, java.util.function.LongSupplier clock) {
            this(maxReplacements, window, clock, new java.util.ArrayDeque<>());
        }

        synchronized StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse decide(Throwable e) {
            long now = clock.getAsLong();
            while (!recent.isEmpty() && recent.peekFirst() < now - window.toMillis()) {
                recent.pollFirst();
            }
            if (recent.size() < maxReplacements) {
                recent.addLast(now);
                LOG.error("a stream thread failed; replacing it ({} of {} within {})", recent.size(),
                        maxReplacements, window, e);
                return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
            }
            LOG.error("a stream thread failed again ({} replacements within {}); shutting the topology down",
                    maxReplacements, window, e);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        }
    }

    /** Creates missing topics, then builds and starts the Kafka Streams client. It runs until {@link #close()}. */
    public static DsyncStreams start(TopologyConfig config) {
        TopicProvisioner.ensureTopics(config);
        DsyncStreams s = new DsyncStreams(config);
        s.streams.start();
        LOG.info("topology {} started against {} (state in {}, inactive users: {}, tombstone retention {})",
                config.applicationId(), config.bootstrapServers(), config.stateDir(), config.inactiveUsers(),
                config.tombstoneRetention());
        return s;
    }

    public KafkaStreams streams() {
        return streams;
    }

    public TopologyConfig config() {
        return config;
    }

    public TopologyMetrics metrics() {
        return metrics;
    }

    /** True while the client processes events (RUNNING, or REBALANCING on the way back to it). */
    public boolean isProcessing() {
        KafkaStreams.State s = streams.state();
        return s == KafkaStreams.State.RUNNING || s == KafkaStreams.State.REBALANCING;
    }

    /** Waits until the client is RUNNING (partitions assigned, state restored). */
    public void awaitRunning(Duration timeout) throws TimeoutException, InterruptedException {
        try {
            running.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
        }
    }

    /** Completes with the final state (NOT_RUNNING after a close, ERROR after a failure). */
    public CompletableFuture<KafkaStreams.State> stopped() {
        return stopped;
    }

    /** Which instance (by {@code application.server}) and partition own a directory's state. */
    public KeyQueryMetadata ownerOf(String directoryId) {
        return streams.queryMetadataForKey(DsyncTopology.USERS_STORE, directoryId, new StringSerializer());
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(30));
    }

    /** Commits what was processed and stops; false when the timeout passed first. */
    public boolean close(Duration timeout) {
        // Leave the group: otherwise a restarted instance (a new member) waits out the old member's session
        // timeout (45 s) before it gets its partitions back, and its queries answer 503 meanwhile.
        boolean closed = streams.close(CloseOptions.groupMembershipOperation(
                CloseOptions.GroupMembershipOperation.LEAVE_GROUP).withTimeout(timeout));
        LOG.info("topology {} closed; {}", config.applicationId(), metrics);
        return closed;
    }
}
