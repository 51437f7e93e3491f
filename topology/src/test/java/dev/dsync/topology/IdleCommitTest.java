package dev.dsync.topology;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dsync.embedded.EmbeddedKafka;
import dev.dsync.events.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A change reaches {@code read_committed} readers soon after the input goes quiet, not only when the commit
 * interval comes round: here the interval is ten minutes, and each of two lone webhooks, one after the other, must
 * be committed long before that.
 */
@Timeout(180)
@Tag("integration")
class IdleCommitTest {

    static final String DIR = "directory_idle_1";

    @TempDir
    Path tmp;

    @Test
    void aQuietInputIsCommittedWithoutWaitingForTheCommitInterval() throws Exception {
        try (EmbeddedKafka kafka = new EmbeddedKafka(tmp.resolve("kafka"), 0).start()) {
            kafka.createContractTopics(1);
            TopologyConfig config = TopologyConfig.fromEnv(Map.of(
                    "DSYNC_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers(),
                    "DSYNC_APPLICATION_ID", "dsync-idle-commit-test",
                    "DSYNC_STATE_DIR", tmp.resolve("state").toString(),
                    "DSYNC_COMMIT_INTERVAL", "PT10M",
                    // Streams refuses a transaction timeout shorter than the interval; the broker allows 15 min
                    "DSYNC_STREAMS_PRODUCER_TRANSACTION_TIMEOUT_MS", "720000"));
            try (DsyncStreams topology = DsyncStreams.start(config);
                 KafkaConsumer<String, String> users = committedReader(kafka);
                 KafkaProducer<String, byte[]> webhooks = producer(kafka)) {
                topology.awaitRunning(Duration.ofSeconds(60));
                for (int i = 1; i <= 2; i++) {
                    String user = "directory_user_idle_" + i;
                    webhooks.send(new ProducerRecord<>(Topics.EVENTS, DIR, TestEvents.user("dsync.user.created",
                            "event_idle_" + i, 1000 + i, DIR, user, "active", "Idle " + i, 1000 + i)
                            .getBytes(StandardCharsets.UTF_8))).get();
                    // a minute: ten times less than the interval, and far more than an idle commit takes
                    assertThat(nextKey(users, Duration.ofMinutes(1))).as("user %d committed", i).isEqualTo(user);
                }
            }
        }
    }

    static String nextKey(KafkaConsumer<String, String> consumer, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                return r.key();
            }
        }
        return null;
    }

    static KafkaConsumer<String, String> committedReader(EmbeddedKafka kafka) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1);
        KafkaConsumer<String, String> consumer =
                new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer());
        consumer.assign(List.of(new org.apache.kafka.common.TopicPartition(Topics.USERS, 0)));
        consumer.seekToBeginning(consumer.assignment());
        return consumer;
    }

    static KafkaProducer<String, byte[]> producer(EmbeddedKafka kafka) {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new ByteArraySerializer());
    }
}
