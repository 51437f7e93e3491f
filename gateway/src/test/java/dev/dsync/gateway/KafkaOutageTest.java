package dev.dsync.gateway;

import static dev.dsync.gateway.GatewayHarness.event;
import static dev.dsync.gateway.GatewayHarness.postSigned;
import static dev.dsync.gateway.GatewayHarness.uniqueId;
import static org.assertj.core.api.Assertions.assertThat;

import dev.dsync.embedded.EmbeddedKafka;
import dev.dsync.events.Topics;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Kafka down: the gateway answers 503 with Retry-After and stores nothing; Kafka back: 200 again, no restart. */
@Tag("integration")
class KafkaOutageTest {

    @TempDir
    Path dataDir;

    @Test
    void brokerStoppedGives503AndBrokerBackGives200WithoutRestart() throws Exception {
        EmbeddedKafka kafka = new EmbeddedKafka(dataDir.resolve("kafka"), 0).start();
        kafka.createContractTopics(3);
        GatewayConfig config = GatewayConfig.defaults(List.of(GatewayHarness.SECRET), kafka.bootstrapServers(), 0,
                Map.of("DSYNC_GATEWAY_ACK_TIMEOUT_MS", "3000"));
        try (Gateway gateway = Gateway.start(config)) {
            int port = gateway.port();
            String before = uniqueId();
            assertThat(postSigned(port, event(before, "dsync.user.created", "directory_outage")).statusCode()).isEqualTo(200);

            kafka.stop();
            String during = uniqueId();
            HttpResponse<String> unavailable = postSigned(port, event(during, "dsync.user.created", "directory_outage"));
            assertThat(unavailable.statusCode()).isEqualTo(503);
            assertThat(unavailable.headers().firstValue("Retry-After")).contains("5");
            Awaitility.await().atMost(Duration.ofSeconds(20))
                    .until(() -> GatewayHarness.get(port, "/health/ready").statusCode() == 503);
            assertThat(GatewayHarness.get(port, "/health/ready").body())
                    .isEqualTo("{\"status\":\"DOWN\",\"checks\":[{\"name\":\"kafka\",\"status\":\"DOWN\"}]}");
            assertThat(GatewayHarness.get(port, "/health/live").statusCode()).isEqualTo(200);

            kafka.start();
            String after = uniqueId();
            Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                    .until(() -> postSigned(port, event(after, "dsync.user.created", "directory_outage")).statusCode() == 200);
            Awaitility.await().atMost(Duration.ofSeconds(20))
                    .until(() -> GatewayHarness.get(port, "/health/ready").statusCode() == 200);

            List<String> stored = kafka.readAll(Topics.EVENTS).stream()
                    .map(WebhookGatewayTest::idOf).toList();
            assertThat(stored).contains(before, after);
            // refused while Kafka was down: WorkOS retries it, so keeping a late copy would only make a duplicate
            assertThat(stored).doesNotContain(during);
            assertThat(stored.stream().filter(before::equals)).hasSize(1);
            assertThat(GatewayHarness.get(port, "/metrics").body()).contains("status=\"503\"");
        } finally {
            kafka.close();
        }
    }
}
