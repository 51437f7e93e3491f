package dev.dsync.embedded;

import dev.dsync.events.Topics;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * A single-node KRaft broker (combined broker and controller) running in this JVM.
 *
 * <p>Data stays in {@code dataDir} across restarts: the directory is formatted only once, because formatting
 * again with a new cluster id makes the next start fail. The broker can be stopped and started again on the same
 * port, which the tests use to simulate a Kafka outage.
 */
public final class EmbeddedKafka implements AutoCloseable {

    private final Path dataDir;
    private final int port;
    private final int controllerPort;
    private KafkaRaftServer server;

    public EmbeddedKafka(Path dataDir, int port) {
        this.dataDir = dataDir;
        this.port = port == 0 ? freePort() : port;
        this.controllerPort = freePort();
    }

    public synchronized EmbeddedKafka start() {
        if (server != null) {
            return this;
        }
        try {
            Files.createDirectories(dataDir);
        } catch (IOException e) {
            throw new IllegalStateException("cannot create " + dataDir, e);
        }
        String logDir = dataDir.toAbsolutePath().toString();
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", "1");
        p.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        p.put("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
        p.put("controller.listener.names", "CONTROLLER");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("listener.security.protocol.map", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT");
        p.put("log.dirs", logDir);
        p.put("num.partitions", "3");
        p.put("auto.create.topics.enable", "false");
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "3");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "3");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("log.cleaner.backoff.ms", "1000");
        KafkaConfig config = KafkaConfig.fromProps(p, false);
        try {
            if (!Files.exists(dataDir.resolve("meta.properties"))) {
                new Formatter()
                        .setPrintStream(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()))
                        .setNodeId(1)
                        .setClusterId(Uuid.randomUuid().toString())
                        .addDirectory(logDir)
                        .setMetadataLogDirectory(logDir)
                        .setControllerListenerName("CONTROLLER")
                        .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
                        .setIgnoreFormatted(true)
                        .run();
            }
            KafkaRaftServer s = new KafkaRaftServer(config, Time.SYSTEM);
            s.startup();
            server = s;
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the in-process Kafka broker on port " + port, e);
        }
        return this;
    }

    public synchronized void stop() {
        if (server != null) {
            server.shutdown();
            server.awaitShutdown();
            server = null;
        }
    }

    @Override
    public void close() {
        stop();
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    public Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()));
    }

    /** Creates the contract's topics (inputs and compacted change-logs) if they do not exist yet. */
    public void createContractTopics(int partitions) {
        List<String> all = new ArrayList<>(Topics.INPUTS);
        all.addAll(Topics.CHANGE_LOGS);
        createTopics(all, partitions);
    }

    /**
     * Creates the topics and returns once every partition's leader serves requests. Producing to a topic created a
     * moment ago otherwise meets NOT_LEADER_OR_FOLLOWER: the metadata (what describeTopics reports) names this broker
     * as leader a little before its replica manager has made itself leader. An idempotent producer with several
     * requests in flight then has its first batch refused while the later ones are appended, and the retried first
     * batch fails with OutOfOrderSequenceException until it expires: records lost or, after an epoch bump,
     * reordered. Seen here: {@code Out of order sequence number for producer 0 at offset 96 in partition
     * workos.dsync.events-1: 0 (incoming seq. number), 121 (current end sequence number)}, then
     * {@code Expiring 26 record(s) for workos.dsync.events-1}. A ListOffsets request is answered only by the
     * partition's serving leader, so a successful one for every partition is the signal.
     */
    public void createTopics(Collection<String> names, int partitions) {
        try (Admin admin = admin()) {
            Topics.ensure(admin, names, partitions, java.util.Optional.of((short) 1));
            long deadline = System.nanoTime() + java.time.Duration.ofSeconds(30).toNanos();
            while (!allPartitionsLed(admin, names) || !allLeadersServe(admin, names)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("topics " + names + " have partitions without a serving leader"
                            + " after 30 s");
                }
                Thread.sleep(50);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for topic leaders", e);
        }
    }

    private static boolean allLeadersServe(Admin admin, Collection<String> names) {
        try {
            Map<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> all =
                    new java.util.HashMap<>();
            admin.describeTopics(names).allTopicNames().get(10, java.util.concurrent.TimeUnit.SECONDS).values()
                    .forEach(t -> t.partitions().forEach(p -> all.put(
                            new org.apache.kafka.common.TopicPartition(t.name(), p.partition()),
                            org.apache.kafka.clients.admin.OffsetSpec.latest())));
            admin.listOffsets(all).all().get(10, java.util.concurrent.TimeUnit.SECONDS);
            return true;
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            return false; // a leader that does not serve yet
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static boolean allPartitionsLed(Admin admin, Collection<String> names) {
        try {
            return admin.describeTopics(names).allTopicNames().get(10, java.util.concurrent.TimeUnit.SECONDS).values()
                    .stream().flatMap(t -> t.partitions().stream())
                    .allMatch(p -> p.leader() != null && !p.leader().isEmpty());
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            return false; // not visible in the metadata yet
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Every committed record on {@code topic} ({@code read_committed}), from its beginning to its current end. */
    public List<ConsumerRecord<String, byte[]>> readAll(String topic) {
        return readAll(bootstrapServers(), topic);
    }

    /** {@link #readAll(String)} against any cluster; fails after 30 s rather than return a partial read. */
    public static List<ConsumerRecord<String, byte[]>> readAll(String bootstrapServers, String topic) {
        Map<String, Object> props = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        try (KafkaConsumer<String, byte[]> consumer =
                     new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read " + topic + " to its end");
                }
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
            return records;
        }
    }

    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
