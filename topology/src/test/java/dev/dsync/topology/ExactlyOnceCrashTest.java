package dev.dsync.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.dsync.embedded.EmbeddedKafka;
import dev.dsync.events.Topics;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exactly-once across a crash, against a real broker: the topology runs in a separate JVM (the real
 * {@link TopologyMain}), is killed with SIGKILL half-way through a burst, and restarted on the same state
 * directory. A read_committed consumer must then see, for every change-log key, exactly the sequence of records
 * that one uninterrupted in-order run produces (the TopologyTestDriver run over the same input): nothing lost,
 * nothing twice.
 */
class ExactlyOnceCrashTest {

    static final String APP = "dsync-crash-test";

    @TempDir
    Path tmp;

    @Test
    void aKilledTopologyRestartsWithoutLosingOrDuplicatingOutput() throws Exception {
        List<ProducerRecord<String, byte[]>> input = burst(new Random(42));
        try (EmbeddedKafka kafka = new EmbeddedKafka(tmp.resolve("kafka"), 0).start()) {
            kafka.createContractTopics(3);
            produce(kafka, input);

            Path stateDir = tmp.resolve("state");
            Process first = startTopology(kafka, stateDir, tmp.resolve("first.log"));
            long committedAtKill;
            try (Admin admin = kafka.admin()) {
                // kill it as soon as it has committed something, while it still has most of the burst ahead
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
                        .until(() -> committed(admin) > 0 || !first.isAlive());
                first.destroyForcibly().waitFor();
                committedAtKill = committed(admin);
            }
            assertThat(committedAtKill).as("killed midway (log: %s)", tail(tmp.resolve("first.log")))
                    .isGreaterThan(0).isLessThan(input.size());
            System.out.printf("ExactlyOnceCrashTest: killed with %d of %d input records committed%n",
                    committedAtKill, input.size());

            Process second = startTopology(kafka, stateDir, tmp.resolve("second.log"));
            try (Admin admin = kafka.admin()) {
                await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200))
                        .until(() -> committed(admin) == input.size() || !second.isAlive());
                assertThat(second.isAlive()).as("second run alive (log: %s)", tail(tmp.resolve("second.log")))
                        .isTrue();
            } finally {
                second.destroy();
                second.waitFor();
            }

            Map<String, Map<String, List<String>>> expected = expectedSequences(input);
            Map<String, Map<String, List<String>>> actual = committedSequences(kafka);
            for (String topic : Topics.CHANGE_LOGS) {
                assertThat(actual.get(topic)).as(topic).isEqualTo(expected.get(topic));
            }
            assertThat(actual.get(Topics.DEAD_LETTERS).values().stream().mapToInt(List::size).sum())
                    .isEqualTo(expected.get(Topics.DEAD_LETTERS).values().stream().mapToInt(List::size).sum())
                    .isPositive();
        }
    }

    /** Several directories' initial syncs and churn, interleaved, with duplicates, garbage and a deletion. */
    static List<ProducerRecord<String, byte[]>> burst(Random r) {
        List<ProducerRecord<String, byte[]>> out = new ArrayList<>();
        int dirs = 6;
        int users = 500;
        int groups = 25;
        List<List<String>> perDir = new ArrayList<>();
        for (int d = 0; d < dirs; d++) {
            String dir = "directory_crash_" + d;
            List<String> events = new ArrayList<>();
            long t = 0;
            events.add(TestEvents.directory("dsync.activated", dir + "_act", t, dir, "active", "Dir " + d, t));
            for (int u = 0; u < users; u++) {
                t++;
                events.add(TestEvents.user("dsync.user.created", dir + "_uc" + u, t, dir, uid(d, u), "active",
                        "U" + u, t));
            }
            for (int g = 0; g < groups; g++) {
                t++;
                events.add(TestEvents.group("dsync.group.created", dir + "_gc" + g, t, dir, gid(d, g), "G" + g, t));
            }
            for (int m = 0; m < users * 2; m++) {
                t++;
                String type = r.nextInt(5) == 0 ? "dsync.group.user_removed" : "dsync.group.user_added";
                events.add(TestEvents.membership(type, dir + "_m" + m, t, dir, gid(d, r.nextInt(groups)),
                        uid(d, r.nextInt(users))));
            }
            for (int k = 0; k < users / 2; k++) {
                t++;
                int u = r.nextInt(users);
                String type = r.nextInt(10) == 0 ? "dsync.user.deleted" : "dsync.user.updated";
                events.add(TestEvents.user(type, dir + "_uu" + k, t, dir, uid(d, u),
                        r.nextBoolean() ? "active" : "inactive", "U" + u + "v" + k, t));
            }
            t++;
            events.add(TestEvents.group("dsync.group.deleted", dir + "_gd", t, dir, gid(d, 0), "G0", t));
            if (d == dirs - 1) {
                events.add(TestEvents.directory("dsync.deleted", dir + "_del", t + 1, dir, "deleting", "Dir", t + 1));
            }
            // stale retries and duplicates: re-send some earlier events later
            List<String> withRetries = new ArrayList<>(events);
            for (int k = 0; k < events.size() / 20; k++) {
                int at = r.nextInt(withRetries.size() + 1);
                withRetries.add(at, events.get(r.nextInt(events.size())));
            }
            perDir.add(withRetries);
        }
        int[] next = new int[dirs];
        int remaining = perDir.stream().mapToInt(List::size).sum();
        while (remaining > 0) {
            int d = r.nextInt(dirs);
            if (next[d] >= perDir.get(d).size()) {
                continue;
            }
            String dir = "directory_crash_" + d;
            out.add(new ProducerRecord<>(Topics.EVENTS, dir, perDir.get(d).get(next[d]++)
                    .getBytes(StandardCharsets.UTF_8)));
            remaining--;
            if (r.nextInt(2000) == 0) {
                out.add(new ProducerRecord<>(Topics.EVENTS, dir, "{not json".getBytes(StandardCharsets.UTF_8)));
            }
        }
        out.add(new ProducerRecord<>(Topics.EVENTS, "directory_crash_0", new byte[] {1, 2, 3}));
        return out;
    }

    static String uid(int d, int u) {
        return String.format("directory_user_%d_%04d", d, u);
    }

    static String gid(int d, int g) {
        return String.format("directory_group_%d_%03d", d, g);
    }

    static void produce(EmbeddedKafka kafka, List<ProducerRecord<String, byte[]>> records) {
        Map<String, Object> props = Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.LINGER_MS_CONFIG, 5);
        try (KafkaProducer<String, byte[]> producer =
                     new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
            records.forEach(producer::send);
            producer.flush();
        }
    }

    Process startTopology(EmbeddedKafka kafka, Path stateDir, Path log) throws IOException {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow", "-Xmx512m",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-cp", classpath, TopologyMain.class.getName());
        Map<String, String> env = pb.environment();
        env.put("DSYNC_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
        env.put("DSYNC_APPLICATION_ID", APP);
        env.put("DSYNC_STATE_DIR", stateDir.toString());
        // an open transaction holding up to a second of work when the kill comes
        env.put("DSYNC_COMMIT_INTERVAL", "PT1S");
        // the killed member must leave the group quickly for the restarted one to get its partitions
        env.put("DSYNC_STREAMS_CONSUMER_SESSION_TIMEOUT_MS", "6000");
        env.put("DSYNC_STREAMS_CONSUMER_HEARTBEAT_INTERVAL_MS", "1000");
        // TopologyMain also serves the query API: keep it off shared ports and without a token
        env.put("DSYNC_QUERY_AUTH", "disabled");
        env.put("DSYNC_QUERY_HOST", "127.0.0.1");
        env.put("DSYNC_QUERY_PORT", Integer.toString(EmbeddedKafka.freePort()));
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        return pb.start();
    }

    /** Input records whose processing the application has committed. */
    static long committed(Admin admin) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> offsets =
                admin.listConsumerGroupOffsets(APP).partitionsToOffsetAndMetadata().get();
        return offsets.entrySet().stream()
                .filter(e -> e.getKey().topic().equals(Topics.EVENTS) && e.getValue() != null)
                .mapToLong(e -> e.getValue().offset()).sum();
    }

    /** What one uninterrupted run emits: the TopologyTestDriver over the same records in the same order. */
    Map<String, Map<String, List<String>>> expectedSequences(List<ProducerRecord<String, byte[]>> input) {
        Map<String, Map<String, List<String>>> out = new HashMap<>();
        try (Harness h = new Harness(tmp.resolve("expected"), InactiveUserPolicy.RETAIN)) {
            for (ProducerRecord<String, byte[]> r : input) {
                h.pipe(r.key(), r.value());
            }
            for (String topic : topics()) {
                out.put(topic, h.all(topic).stream().collect(Collectors.groupingBy(Harness.Out::key,
                        LinkedHashMap::new, Collectors.mapping(o -> String.valueOf(o.value()), Collectors.toList()))));
            }
        }
        return out;
    }

    static Map<String, Map<String, List<String>>> committedSequences(EmbeddedKafka kafka) throws Exception {
        Map<String, Object> props = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        Map<String, Map<String, List<String>>> out = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer =
                     new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
             Admin admin = kafka.admin()) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : topics()) {
                out.put(topic, new LinkedHashMap<>());
                for (int p = 0; p < 3; p++) {
                    partitions.add(new TopicPartition(topic, p));
                }
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.currentTimeMillis() + 30_000;
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                assertThat(System.currentTimeMillis()).as("reading the change-logs").isLessThan(deadline);
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    out.get(r.topic()).computeIfAbsent(new String(r.key(), StandardCharsets.UTF_8),
                            k -> new ArrayList<>())
                            .add(r.value() == null ? "null" : new String(r.value(), StandardCharsets.UTF_8));
                }
            }
            assertThat(admin.listOffsets(Map.of(new TopicPartition(Topics.USERS, 0), OffsetSpec.latest()))
                    .all().get()).isNotEmpty();
        }
        return out;
    }

    static List<String> topics() {
        List<String> topics = new ArrayList<>(Topics.CHANGE_LOGS);
        topics.add(Topics.DEAD_LETTERS);
        return topics;
    }

    static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return "\n" + String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }
}
