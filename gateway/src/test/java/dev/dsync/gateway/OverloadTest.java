package dev.dsync.gateway;

import static dev.dsync.gateway.GatewayHarness.event;
import static dev.dsync.gateway.GatewayHarness.postSigned;
import static dev.dsync.gateway.GatewayHarness.uniqueId;
import static org.assertj.core.api.Assertions.assertThat;

import dev.dsync.embedded.EmbeddedKafka;
import dev.dsync.events.Topics;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * More webhooks in flight than {@code maxInFlight}: the next one is refused at once with 503, Retry-After, a reason
 * and a metric (WorkOS retries it), nothing of it is written, and the gateway takes webhooks again as soon as the
 * slow one is gone.
 */
@Tag("integration")
class OverloadTest {

    @TempDir
    Path dataDir;

    @Test
    void aWebhookBeyondTheInFlightLimitGets503AndIsNotWritten() throws Exception {
        try (EmbeddedKafka kafka = new EmbeddedKafka(dataDir.resolve("kafka"), 0).start()) {
            kafka.createContractTopics(3);
            GatewayConfig config = GatewayConfig.defaults(List.of(GatewayHarness.SECRET), kafka.bootstrapServers(), 0,
                    Map.of("DSYNC_GATEWAY_MAX_IN_FLIGHT", "1"));
            try (Gateway gateway = Gateway.start(config)) {
                int port = gateway.port();
                String refused = uniqueId();
                try (Socket slow = new Socket("127.0.0.1", port)) {
                    // a client that sends its headers and only half its body holds the one slot
                    OutputStream out = slow.getOutputStream();
                    out.write(("POST /webhooks/workos HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                            + "Content-Length: 1000\r\n\r\n{\"id\":").getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> GatewayHarness.get(port, "/metrics")
                            .body().contains("dsync_gateway_requests_in_flight 1.0"));

                    HttpResponse<String> overloaded = postSigned(port, event(refused, "dsync.user.created", "directory_busy"));
                    assertThat(overloaded.statusCode()).isEqualTo(503);
                    assertThat(overloaded.headers().firstValue("Retry-After")).isPresent();
                    assertThat(overloaded.body()).contains("unavailable");
                }
                String accepted = uniqueId();
                Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).until(() ->
                        postSigned(port, event(accepted, "dsync.user.created", "directory_busy")).statusCode() == 200);
                List<String> stored = kafka.readAll(Topics.EVENTS).stream().map(WebhookGatewayTest::idOf).toList();
                assertThat(stored).contains(accepted).doesNotContain(refused);
                assertThat(GatewayHarness.get(port, "/metrics").body()).containsPattern(
                        "dsync_gateway_requests_total\\{[^}]*reason=\"overloaded\"[^}]*status=\"503\"");
            }
        }
    }
}
