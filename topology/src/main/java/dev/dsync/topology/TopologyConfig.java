package dev.dsync.topology;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import dev.dsync.events.Topics;
import dev.dsync.events.config.DsyncEnv;
import dev.dsync.topology.state.StoreOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;

/**
 * Everything the topology and its Kafka Streams client are configured with.
 *
 * @param applicationServer  {@code host:port} of this instance's query endpoint, advertised to the other
 *                           instances so that a query can be routed to the instance that owns a directory; null
 *                           when there is none
 * @param purgeInterval      how often tombstone markers past their retention are purged
 * @param commitInterval     null for the Kafka Streams default (100 ms under exactly-once)
 * @param topicPartitions    partitions of the topics this application creates when they are missing
 * @param streamsOverrides   extra Kafka Streams properties ({@code DSYNC_STREAMS_*}), applied last
 * @param eventsTopic        the input topic ({@code DSYNC_EVENTS_TOPIC}, the same setting the gateway writes to)
 * @param provisioning       whether to write {@code dsync.provisioning} ({@code DSYNC_PROVISIONING}, on by default)
 * @param provisioningRetention how long {@code dsync.provisioning} keeps records, when this application creates it
 */
public record TopologyConfig(
        String bootstrapServers,
        String applicationId,
        Path stateDir,
        InactiveUserPolicy inactiveUsers,
        Duration tombstoneRetention,
        Duration purgeInterval,
        String processingGuarantee,
        int numStandbyReplicas,
        String applicationServer,
        Duration commitInterval,
        int topicPartitions,
        Map<String, String> streamsOverrides,
        String eventsTopic,
        boolean provisioning,
        Duration provisioningRetention) {

    public static final String DEFAULT_BOOTSTRAP_SERVERS = DsyncEnv.KAFKA_BOOTSTRAP_SERVERS.defaultValue();
    public static final String DEFAULT_APPLICATION_ID = DsyncEnv.APPLICATION_ID.defaultValue();
    /** Longer than WorkOS's three days of webhook retries, so no stale retry can outlive the marker that stops it. */
    public static final Duration DEFAULT_TOMBSTONE_RETENTION = DsyncEnv.TOMBSTONE_RETENTION.defaultValue();
    public static final Duration DEFAULT_PROVISIONING_RETENTION = DsyncEnv.PROVISIONING_RETENTION.defaultValue();

    public TopologyConfig {
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        Objects.requireNonNull(applicationId, "applicationId");
        Objects.requireNonNull(stateDir, "stateDir");
        Objects.requireNonNull(inactiveUsers, "inactiveUsers");
        Objects.requireNonNull(processingGuarantee, "processingGuarantee");
        if (tombstoneRetention == null || tombstoneRetention.isNegative() || tombstoneRetention.isZero()) {
            throw new IllegalArgumentException("the tombstone retention must be positive");
        }
        if (purgeInterval == null) {
            purgeInterval = defaultPurgeInterval(tombstoneRetention);
        }
        if (purgeInterval.toMillis() < 1) {
            throw new IllegalArgumentException("the purge interval must be at least 1 ms");
        }
        if (numStandbyReplicas < 0 || topicPartitions < 1) {
            throw new IllegalArgumentException("standby replicas must be >= 0 and partitions >= 1");
        }
        streamsOverrides = Map.copyOf(streamsOverrides == null ? Map.of() : streamsOverrides);
        if (eventsTopic == null || eventsTopic.isBlank()) {
            eventsTopic = Topics.EVENTS;
        }
        if (provisioningRetention == null) {
            provisioningRetention = DEFAULT_PROVISIONING_RETENTION;
        }
        if (provisioningRetention.isNegative() || provisioningRetention.isZero()) {
            throw new IllegalArgumentException(DsyncEnv.PROVISIONING_RETENTION.name() + " must be positive");
        }
    }

    public static TopologyConfig defaults() {
        return fromEnv(Map.of());
    }

    public static TopologyConfig fromEnv() {
        return fromEnv(System.getenv());
    }

    /**
     * Reads {@link DsyncEnv#TOPOLOGY} (their forms and defaults are declared there). Any {@code DSYNC_STREAMS_X_Y}
     * sets the Kafka Streams property {@code x.y} (e.g. {@code DSYNC_STREAMS_CONSUMER_SESSION_TIMEOUT_MS=10000} sets
     * {@code consumer.session.timeout.ms}).
     *
     * @throws dev.dsync.events.config.SettingException naming the variable whose value is not of its form
     */
    public static TopologyConfig fromEnv(Map<String, String> env) {
        return new TopologyConfig(
                DsyncEnv.KAFKA_BOOTSTRAP_SERVERS.get(env),
                DsyncEnv.APPLICATION_ID.get(env),
                DsyncEnv.STATE_DIR.get(env),
                InactiveUserPolicy.parse(DsyncEnv.INACTIVE_USERS.get(env)),
                DsyncEnv.TOMBSTONE_RETENTION.get(env),
                DsyncEnv.TOMBSTONE_PURGE_INTERVAL.get(env),
                DsyncEnv.PROCESSING_GUARANTEE.get(env),
                DsyncEnv.NUM_STANDBY_REPLICAS.get(env),
                DsyncEnv.APPLICATION_SERVER.get(env),
                DsyncEnv.COMMIT_INTERVAL.get(env),
                DsyncEnv.TOPIC_PARTITIONS.get(env),
                DsyncEnv.STREAMS.properties(env),
                DsyncEnv.EVENTS_TOPIC.get(env),
                DsyncEnv.PROVISIONING.get(env),
                DsyncEnv.PROVISIONING_RETENTION.get(env));
    }

    /** Purging scans only what is due, so it can run often; but there is no point running it more than hourly. */
    static Duration defaultPurgeInterval(Duration retention) {
        Duration eighth = retention.dividedBy(8);
        return eighth.compareTo(Duration.ofHours(1)) > 0 ? Duration.ofHours(1)
                : eighth.toMillis() < 1000 ? Duration.ofSeconds(1) : eighth;
    }

    public Properties toStreamsProperties() {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toAbsolutePath().toString());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, processingGuarantee);
        p.put(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, numStandbyReplicas);
        // There is no global state; this only opts in to the Kafka 5.0 default and silences its start-up warning.
        p.put("processing.exception.handler.global.enabled", "true");
        p.put(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG, ProductionErrors.class.getName());
        // Any value rendered from an accepted input fits: the default 1 MiB would refuse some, and stop the thread.
        p.put(StreamsConfig.producerPrefix(ProducerConfig.MAX_REQUEST_SIZE_CONFIG), Topics.MAX_RECORD_BYTES);
        p.put(StreamsConfig.topicPrefix("max.message.bytes"), String.valueOf(Topics.MAX_RECORD_BYTES));
        // With transactions v2 a broker refuses, as retriable, a partition's later batch that overtakes the first of
        // a new transaction (KAFKA-18202); seen in every benchmark. The default 100 ms wait stalls that partition's
        // writes for a tenth of a second each time; a short first retry costs nothing otherwise (it still backs off
        // exponentially to retry.backoff.max.ms when a broker is really away).
        p.put(StreamsConfig.producerPrefix(ProducerConfig.RETRY_BACKOFF_MS_CONFIG), 5);
        // Each event writes three or four records of about 1 KiB to some twenty partitions; at the 16 KiB default a
        // batch fills with a dozen provisioning records, and the broker's per-request work took about 60% as much
        // CPU as the stream thread. 128 KiB did as well as 512 KiB in the topology benchmark and bounds what a batch holds.
        p.put(StreamsConfig.producerPrefix(ProducerConfig.BATCH_SIZE_CONFIG), 128 * 1024);
        // Every task reads one partition of one topic, so there is nothing to wait for before processing; the
        // default (0) still did the bookkeeping of waiting, a set built per record (about 1% of the stream thread).
        p.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, StreamsConfig.MAX_TASK_IDLE_MS_DISABLED);
        // A task whose changelogs are empty or fully read still waits for one fetch before it may run, and the
        // broker holds an empty fetch for fetch.max.wait.ms (500 ms): on a fresh start tasks were restored one after
        // the other, 500 ms each. A fetch that finds data returns at once either way, so only idle waits shorten.
        p.put(StreamsConfig.restoreConsumerPrefix(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG), 50);
        // Most reads of an initial sync find nothing; see StoreOptions.
        p.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, StoreOptions.class.getName());
        if (applicationServer != null && !applicationServer.isBlank()) {
            p.put(StreamsConfig.APPLICATION_SERVER_CONFIG, applicationServer);
        }
        if (commitInterval != null) {
            p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, commitInterval.toMillis());
        }
        p.putAll(streamsOverrides);
        return p;
    }
}
