package dev.dsync.gateway;

import static dev.dsync.gateway.GatewayHarness.SECRET;
import static dev.dsync.gateway.GatewayHarness.event;
import static dev.dsync.gateway.GatewayHarness.post;
import static dev.dsync.gateway.GatewayHarness.postSigned;
import static dev.dsync.gateway.GatewayHarness.uniqueId;
import static org.assertj.core.api.Assertions.assertThat;

import dev.dsync.embedded.EmbeddedKafka;
import dev.dsync.events.Topics;
import dev.dsync.events.signature.SignatureVerifier;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The gateway over real HTTP against a real in-process KRaft broker. */
@Tag("integration")
class WebhookGatewayTest {

    @TempDir
    static Path dataDir;
    static EmbeddedKafka kafka;
    static Gateway gateway;
    static int port;

    @BeforeAll
    static void start() {
        kafka = new EmbeddedKafka(dataDir.resolve("kafka"), 0).start();
        kafka.createContractTopics(3);
        gateway = Gateway.start(GatewayConfig.defaults(List.of("whsec_previous", SECRET), kafka.bootstrapServers(), 0));
        port = gateway.port();
    }

    @AfterAll
    static void stop() {
        gateway.close();
        kafka.close();
    }

    @Test
    void acceptedEventIsOnTheTopicWithDirectoryKeyExactBytesAndHeaders() throws Exception {
        String id = uniqueId();
        // deliberately not canonical JSON: spacing and an escaped character must survive byte for byte
        String body = event(id, "dsync.user.created", "directory_accept").replace(",\"email\"", " ,  \"email\"")
                .replace("someone", "some\\u006Fne");
        HttpResponse<String> response = postSigned(port, body);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains(id);

        ConsumerRecord<String, byte[]> record = only(kafka.readAll(Topics.EVENTS), id);
        assertThat(record.key()).isEqualTo("directory_accept");
        assertThat(record.value()).isEqualTo(body.getBytes(StandardCharsets.UTF_8));
        Map<String, String> headers = headers(record);
        assertThat(headers).containsEntry("workos-event-id", id).containsEntry("workos-event-type", "dsync.user.created")
                .containsEntry("dsync-source", "webhook");
        assertThat(Long.parseLong(headers.get("workos-signature-timestamp")))
                .isCloseTo(System.currentTimeMillis(), org.assertj.core.data.Offset.offset(60_000L));
        assertThat(Long.parseLong(headers.get("dsync-received-at")))
                .isGreaterThanOrEqualTo(Long.parseLong(headers.get("workos-signature-timestamp")));
    }

    /**
     * The event parser reads nested values recursively: a body nested as deep as the parser allows (1,000 levels) is
     * read on the request's thread, and one level deeper is a 400, never a stack overflow or a 500.
     */
    @Test
    void nestingUpToTheParsersLimitIsReadAndBeyondItIsRefused() throws Exception {
        String id = uniqueId();
        // the envelope, data and custom_attributes are three levels; the arrays inside make up the rest
        String atTheLimit = nested(id, 997);
        HttpResponse<String> accepted = postSigned(port, atTheLimit);
        assertThat(accepted.statusCode()).isEqualTo(200);
        assertThat(only(kafka.readAll(Topics.EVENTS), id).value()).isEqualTo(atTheLimit.getBytes(StandardCharsets.UTF_8));

        HttpResponse<String> refused = postSigned(port, nested(uniqueId(), 998));
        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(refused.body()).isEqualTo("{\"error\":\"invalid_event\"}");
    }

    private static String nested(String id, int arrays) {
        return "{\"id\":\"" + id + "\",\"event\":\"dsync.user.created\",\"created_at\":\"2026-05-18T14:03:41.512Z\","
                + "\"data\":{\"id\":\"directory_user_deep\",\"directory_id\":\"directory_deep\",\"custom_attributes\":"
                + "{\"deep\":" + "[".repeat(arrays) + "]".repeat(arrays) + "}}}";
    }

    @Test
    void directoryEventsAreKeyedByDataId() throws Exception {
        String id = uniqueId();
        assertThat(postSigned(port, event(id, "dsync.activated", "directory_activated")).statusCode()).isEqualTo(200);
        assertThat(only(kafka.readAll(Topics.EVENTS), id).key()).isEqualTo("directory_activated");
    }

    @Test
    void olderSecretStillVerifiesDuringRotation() throws Exception {
        String id = uniqueId();
        byte[] body = event(id, "dsync.user.updated", "directory_rotation").getBytes(StandardCharsets.UTF_8);
        String header = SignatureVerifier.header("whsec_previous", System.currentTimeMillis(), body);
        assertThat(post(port, body, header).statusCode()).isEqualTo(200);
        assertThat(only(kafka.readAll(Topics.EVENTS), id).key()).isEqualTo("directory_rotation");
    }

    @Test
    void nonDirectorySyncEventsAndDsyncEventsWithoutDirectoryGoToOther() throws Exception {
        String connection = uniqueId();
        String orphan = uniqueId();
        assertThat(postSigned(port, "{\"id\":\"" + connection + "\",\"event\":\"connection.activated\",\"data\":{\"id\":\"conn_1\"}}")
                .statusCode()).isEqualTo(200);
        assertThat(postSigned(port, "{\"id\":\"" + orphan + "\",\"event\":\"dsync.user.created\",\"data\":{\"id\":\"u\"}}")
                .statusCode()).isEqualTo(200);
        List<ConsumerRecord<String, byte[]>> other = kafka.readAll(Topics.OTHER_EVENTS);
        assertThat(only(other, connection).key()).isEqualTo(connection);
        assertThat(only(other, orphan)).isNotNull();
        assertThat(kafka.readAll(Topics.EVENTS)).noneMatch(r -> idOf(r).equals(connection) || idOf(r).equals(orphan));
    }

    @Test
    void everyRejectionHasItsStatusAndWritesNothing() throws Exception {
        long before = totalRecords();
        byte[] valid = event(uniqueId(), "dsync.user.created", "directory_reject").getBytes(StandardCharsets.UTF_8);
        long now = System.currentTimeMillis();

        assertThat(post(port, valid, null).statusCode()).isEqualTo(401);
        assertThat(post(port, valid, "t=" + now + ", v1=" + "0".repeat(64)).statusCode()).isEqualTo(401);
        assertThat(post(port, valid, "nonsense").statusCode()).isEqualTo(401);
        assertThat(post(port, valid, SignatureVerifier.header("whsec_wrong", now, valid)).statusCode()).isEqualTo(401);
        assertThat(post(port, valid, SignatureVerifier.header(SECRET, now - 181_000, valid)).statusCode()).isEqualTo(401);
        assertThat(post(port, valid, SignatureVerifier.header(SECRET, now + 181_000, valid)).statusCode()).isEqualTo(401);
        HttpResponse<String> unauthorized = post(port, valid, SignatureVerifier.header(SECRET, now, "other".getBytes()));
        assertThat(unauthorized.statusCode()).isEqualTo(401);
        assertThat(unauthorized.body()).isEqualTo("{\"error\":\"unauthorized\"}").doesNotContain(SECRET);

        for (String bad : List.of("not json", "[]", "{\"event\":\"dsync.user.created\",\"data\":{}}",
                "{\"id\":\"e\",\"data\":{}}", "{\"id\":\"e\",\"event\":\"dsync.user.created\"}", "",
                // a number no BigDecimal holds: Jackson's unchecked exception, a 500 before
                "{\"id\":\"e\",\"event\":\"dsync.user.created\",\"data\":{\"directory_id\":\"d\","
                        + "\"custom_attributes\":{\"n\":1e2147483649}}}")) {
            HttpResponse<String> response = postSigned(port, bad);
            assertThat(response.statusCode()).as(bad).isEqualTo(400);
            assertThat(response.body()).isEqualTo("{\"error\":\"invalid_event\"}");
        }

        byte[] tooLarge = new byte[1024 * 1024 + 1];
        java.util.Arrays.fill(tooLarge, (byte) ' ');
        assertThat(post(port, tooLarge, SignatureVerifier.header(SECRET, now, tooLarge)).statusCode()).isEqualTo(413);
        // without a Content-Length (chunked) the limit is enforced while reading
        HttpResponse<String> chunked = GatewayHarness.HTTP.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/webhooks/workos"))
                .header("WorkOS-Signature", SignatureVerifier.header(SECRET, now, tooLarge))
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(tooLarge))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(chunked.statusCode()).isEqualTo(413);

        HttpResponse<String> get = GatewayHarness.get(port, "/webhooks/workos");
        assertThat(get.statusCode()).isEqualTo(405);
        assertThat(get.headers().firstValue("Allow")).contains("POST");

        assertThat(totalRecords()).isEqualTo(before);
        String metrics = GatewayHarness.get(port, "/metrics").body();
        for (String reason : List.of("missing_header", "signature_mismatch", "malformed_header",
                "timestamp_out_of_tolerance", "malformed_json", "not_an_object", "missing_id", "missing_event",
                "missing_data", "body_too_large", "method_not_allowed")) {
            assertThat(metrics).contains("reason=\"" + reason + "\"");
        }
    }

    @Test
    void healthAndMetrics() throws Exception {
        HttpResponse<String> live = GatewayHarness.get(port, "/health/live");
        assertThat(live.statusCode()).isEqualTo(200);
        assertThat(live.body()).isEqualTo("{\"status\":\"UP\",\"checks\":[]}");
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20))
                .until(() -> GatewayHarness.get(port, "/health/ready").statusCode() == 200);
        assertThat(GatewayHarness.get(port, "/health/ready").body())
                .isEqualTo("{\"status\":\"UP\",\"checks\":[{\"name\":\"kafka\",\"status\":\"UP\"}]}");
        assertThat(postSigned(port, event(uniqueId(), "dsync.group.created", "directory_metrics")).statusCode())
                .isEqualTo(200);
        HttpResponse<String> scrape = GatewayHarness.get(port, "/metrics");
        assertThat(scrape.headers().firstValue("Content-Type")).hasValue("text/plain");
        String metrics = scrape.body();
        // the text format allows a comma after the last label (Micrometer's simpleclient registry writes one)
        assertThat(metrics).containsPattern(
                        "\ndsync_gateway_requests_total\\{outcome=\"accepted\",reason=\"directory_sync\",status=\"200\",?} ")
                .containsPattern("\ndsync_gateway_produce_latency_seconds_bucket\\{le=\"0.001\",?} ")
                .containsPattern("\ndsync_gateway_requests_in_flight \\d")
                .contains("\njvm_memory_used_bytes{");
        // the producer's own client metrics, by its client id: it has sent at least the event above
        assertThat(metrics.lines().filter(l -> l.startsWith("kafka_producer_record_send_total{")
                        && l.contains("client_id=\"dsync-gateway\""))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum())
                .isGreaterThanOrEqualTo(1.0);
    }

    @Test
    void twoHundredParallelRequestsAreEachStoredExactlyOnce() throws Exception {
        List<String> ids = new ArrayList<>();
        List<Future<HttpResponse<String>>> responses = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(50)) {
            for (int i = 0; i < 200; i++) {
                String id = uniqueId();
                ids.add(id);
                String body = event(id, "dsync.user.updated", "directory_parallel_" + (i % 7));
                responses.add(pool.submit(() -> postSigned(port, body)));
            }
            for (Future<HttpResponse<String>> response : responses) {
                assertThat(response.get().statusCode()).isEqualTo(200);
            }
        }
        Map<String, Long> counts = kafka.readAll(Topics.EVENTS).stream()
                .collect(Collectors.groupingBy(WebhookGatewayTest::idOf, Collectors.counting()));
        for (String id : ids) {
            assertThat(counts.get(id)).as(id).isEqualTo(1L);
        }
    }

    static long totalRecords() {
        return kafka.readAll(Topics.EVENTS).size()
                + kafka.readAll(Topics.OTHER_EVENTS).size();
    }

    static String idOf(ConsumerRecord<String, byte[]> record) {
        Header header = record.headers().lastHeader("workos-event-id");
        return header == null ? "" : new String(header.value(), StandardCharsets.UTF_8);
    }

    static ConsumerRecord<String, byte[]> only(Collection<ConsumerRecord<String, byte[]>> records, String id) {
        List<ConsumerRecord<String, byte[]>> matching = records.stream().filter(r -> idOf(r).equals(id)).toList();
        assertThat(matching).as("records for " + id).hasSize(1);
        return matching.get(0);
    }

    static Map<String, String> headers(ConsumerRecord<String, byte[]> record) {
        return java.util.Arrays.stream(record.headers().toArray()).collect(Collectors.toMap(Header::key,
                h -> new String(h.value(), StandardCharsets.UTF_8), (a, b) -> b));
    }
}
