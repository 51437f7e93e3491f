package dev.dsync.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.dsync.embedded.EmbeddedKafka;
import dev.dsync.events.Topics;
import dev.dsync.topology.query.QueryConfig;
import dev.dsync.topology.query.QueryServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A failure is never silent. A cluster that refuses the topology's change-log writes (here: a change-log topic
 * whose {@code max.message.bytes} an operator set too low) is not bad data that can be dead-lettered: the write
 * must not be dropped. The stream thread fails, is replaced a few times, and then the client shuts down; from then
 * on {@code /health/live} is DOWN, the query API answers 503 with Retry-After (never 500), the metrics say so, and
 * {@link TopologyMain} exits non-zero for its supervisor.
 */
@Timeout(360)
@Tag("integration")
class LoudFailureTest {

    static final String DIR = "directory_loud_1";

    @TempDir
    Path tmp;

    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Test
    void aTopologyThatCannotWriteSaysSoEverywhereAndItsProcessExitsNonZero() throws Exception {
        try (EmbeddedKafka kafka = new EmbeddedKafka(tmp.resolve("kafka"), 0).start()) {
            kafka.createContractTopics(3);
            refuseUserChangeLogWrites(kafka);
            produce(kafka, TestEvents.user("dsync.user.created", "evt_loud_1", 1000, DIR, "directory_user_loud_1",
                    "active", "Ann".repeat(400), 1000));

            // in-process: health, query API and metrics while the client is failed
            QueryServer query = QueryServer.start(QueryConfig.local("token", 0));
            TopologyConfig config = TopologyConfig.fromEnv(Map.of(
                    "DSYNC_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers(),
                    "DSYNC_APPLICATION_ID", "dsync-loud-test",
                    "DSYNC_STATE_DIR", tmp.resolve("state").toString(),
                    "DSYNC_APPLICATION_SERVER", query.advertisedAddress(),
                    // each replaced thread rejoins the group: do not wait out the default 45 s session each time
                    "DSYNC_STREAMS_CONSUMER_SESSION_TIMEOUT_MS", "6000",
                    "DSYNC_STREAMS_CONSUMER_HEARTBEAT_INTERVAL_MS", "1000"));
            try (DsyncStreams topology = DsyncStreams.start(config)) {
                query.attach(topology);
                KafkaStreams.State end = topology.stopped().get(150, TimeUnit.SECONDS);
                assertThat(end).isEqualTo(KafkaStreams.State.ERROR);
                String base = "http://127.0.0.1:" + query.port();

                HttpResponse<String> live = get(base + "/health/live");
                assertThat(live.statusCode()).isEqualTo(503);
                assertThat(live.body()).isEqualTo("{\"status\":\"DOWN\",\"checks\":[{\"name\":\"streams\","
                        + "\"status\":\"DOWN\",\"data\":{\"state\":\"ERROR\"}}]}");
                HttpResponse<String> users = get(base + "/v1/directories/" + DIR + "/users");
                assertThat(users.statusCode()).isEqualTo(503);
                assertThat(users.headers().firstValue("Retry-After")).isPresent();
                HttpResponse<String> dirs = get(base + "/v1/directories");
                assertThat(dirs.statusCode()).isEqualTo(503);
                String metrics = get(base + "/metrics").body();
                assertThat(metrics).contains("dsync_topology_up 0.0");
                assertThat(counter(metrics, "dsync_topology_production_errors_total"))
                        .isGreaterThanOrEqualTo(DsyncStreams.MAX_THREAD_REPLACEMENTS + 1);
            } finally {
                query.close();
            }

            // out of process: TopologyMain exits with status 1 rather than idling half-dead
            Path log = tmp.resolve("main.log");
            Process main = startTopologyMain(kafka, log);
            assertThat(main.waitFor(150, TimeUnit.SECONDS)).as("TopologyMain exited").isTrue();
            assertThat(main.exitValue()).isEqualTo(1);
            assertThat(Files.readString(log)).contains("the topology failed; exiting");
        }
    }

    /**
     * An operator's mistake the topology cannot work around: the user change-log record is too large. (The limit
     * still admits the broker's own small transaction markers: below ~100 bytes it breaks the broker instead.)
     */
    static void refuseUserChangeLogWrites(EmbeddedKafka kafka) throws Exception {
        try (var admin = kafka.admin()) {
            admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, Topics.USERS),
                    List.of(new AlterConfigOp(new ConfigEntry("max.message.bytes", "512"),
                            AlterConfigOp.OpType.SET)))).all().get(30, TimeUnit.SECONDS);
        }
    }

    static void produce(EmbeddedKafka kafka, String event) throws Exception {
        Map<String, Object> props = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all");
        try (var producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(Topics.EVENTS, DIR, event.getBytes(StandardCharsets.UTF_8))).get();
        }
    }

    Process startTopologyMain(EmbeddedKafka kafka, Path log) throws Exception {
        return TopologyProcess.start(kafka, Map.of("DSYNC_APPLICATION_ID", "dsync-loud-test-main",
                "DSYNC_STATE_DIR", tmp.resolve("state-main").toString()), List.of("-Xmx256m"), log);
    }

    HttpResponse<String> get(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer token")
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static double counter(String metrics, String name) {
        return metrics.lines().filter(l -> l.startsWith(name + " ") || l.startsWith(name + "{"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }
}
