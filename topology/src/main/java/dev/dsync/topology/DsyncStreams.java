package dev.dsync.topology;

import dev.dsync.topology.state.DirectoryStateReader;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running topology: a {@link KafkaStreams} client built from a {@link TopologyConfig}, for the launcher to
 * start and stop in-process and for a query layer to read state from.
 *
 * <pre>
 *   DsyncStreams topology = DsyncStreams.start(TopologyConfig.fromEnv());
 *   topology.awaitRunning(Duration.ofSeconds(60));
 *   topology.reader().users(directoryId, null, 100);
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
        this.streams = new KafkaStreams(DsyncTopology.build(config, metrics), config.toStreamsProperties());
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
        // A failure here is a bug or a broken cluster, never bad data (that goes to the dead-letter topic):
        // replacing the thread would only fail again on the same record.
        streams.setUncaughtExceptionHandler(e -> {
            LOG.error("the topology failed; shutting it down", e);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
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

    /**
     * The state of the directories this instance owns. Valid while RUNNING; a rebalance invalidates it (the
     * calls then throw {@code InvalidStateStoreException}, and a new reader is needed).
     */
    public DirectoryStateReader reader() {
        return new DirectoryStateReader(store(DsyncTopology.DIRECTORIES_STORE), store(DsyncTopology.USERS_STORE),
                store(DsyncTopology.GROUPS_STORE), store(DsyncTopology.MEMBERSHIPS_STORE),
                store(DsyncTopology.MEMBERSHIPS_BY_USER_STORE));
    }

    /** Which instance (by {@code application.server}) and partition own a directory's state. */
    public KeyQueryMetadata ownerOf(String directoryId) {
        return streams.queryMetadataForKey(DsyncTopology.USERS_STORE, directoryId, new StringSerializer());
    }

    private <V> ReadOnlyKeyValueStore<String, V> store(String name) {
        return streams.store(StoreQueryParameters.fromNameAndType(name, QueryableStoreTypes.<String, V>keyValueStore()));
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
