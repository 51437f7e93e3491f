package dev.dsync.topology.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.dialect.Dialects;
import dev.dsync.embedded.EmbeddedKafka;
import dev.dsync.events.EventParser;
import dev.dsync.events.Topics;
import dev.dsync.topology.AsyncApiContract;
import dev.dsync.topology.DsyncTopology;
import dev.dsync.topology.Harness;
import dev.dsync.topology.InactiveUserPolicy;
import dev.dsync.topology.ReconciliationRecords;
import dev.dsync.topology.TestEvents;
import dev.dsync.topology.state.DirectoryStateReader;
import dev.dsync.workos.EventsApiConfig;
import dev.dsync.workos.EventsApiSource;
import dev.dsync.workos.fake.FakeWorkosApi;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The WorkOS API routes ({@code GET /v1/directories/{id}/sync}, {@code POST /v1/reconciliations},
 * {@code GET /v1/reconciliations/{id}}) answer exactly what the OpenAPI document says, status and body, without a
 * WorkOS API key and with one (a real broker and the fake WorkOS API); and {@code dsync.reconciliations} is created
 * with the configuration the AsyncAPI document declares, and serves records built like the reconciler's.
 */
@Timeout(180)
@Tag("integration")
class WorkosApiContractTest {

    static final String KEY = "sk_test_contract_0123456789";
    static final String D = "directory_01CONTRACT";

    @TempDir
    Path dir;

    private final OpenApi openApi = OpenApi.load();
    private final Random random = new Random(0x0A91);

    @Test
    void withoutAKeyTheRoutesAnswerAsDocumented() throws Exception {
        try (Harness h = new Harness(dir.resolve("nokey"), InactiveUserPolicy.RETAIN)) {
            h.pipe(TestEvents.directory("dsync.activated", "event_d1", 1, D, "active", "Acme", 1));
            h.pipeFrom("reconciliation", TestEvents.user("dsync.user.created", "event_rec_u1", 2, D,
                    "directory_user_1", "active", "Ada", 2));
            h.advanceWallClock(Duration.ofSeconds(2)); // the last events are written once a second
            DirectoryStateReader reader = reader(h);
            SyncStatus sync = new SyncStatus(Optional::empty);

            Answer status = sync.directory(D, reader);
            openApi.check("/v1/directories/{directory_id}/sync", "get", status);
            assertThat(status.status()).isEqualTo(200);
            JsonNode body = json(status.body());
            assertThat(body.path("events_api").toString()).isEqualTo("{\"enabled\":false}");
            assertThat(body.path("last_reconciliation").isNull()).isTrue();
            assertThat(body.path("last_event").path("id").asText()).isEqualTo("event_rec_u1");
            assertThat(body.path("last_event").path("source").asText()).isEqualTo("reconciliation");
            assertThat(body.path("last_event").path("applied").asBoolean()).isTrue();

            Answer unknown = sync.directory("directory_unknown", reader);
            openApi.check("/v1/directories/{directory_id}/sync", "get", unknown);
            assertThat(unknown.status()).isEqualTo(404);

            Answer refused = sync.request("");
            openApi.check("/v1/reconciliations", "post", refused);
            assertThat(refused.status()).isEqualTo(409);
            assertThat(json(refused.body()).path("error").asText()).isEqualTo("workos_api_disabled");

            Answer none = sync.reconciliation("rec_000000000000000000000");
            openApi.check("/v1/reconciliations/{reconciliation_id}", "get", none);
            assertThat(none.status()).isEqualTo(404);

            // the checks above prove something only if they can fail
            String sync200 = "/v1/directories/{directory_id}/sync";
            ObjectNode broken = (ObjectNode)
                    json(status.body()).deepCopy();
            ((ObjectNode) broken.get("last_event")).remove("applied");
            assertThat(openApi.problems(sync200, "get", new Answer(200, broken.toString(), false))).isNotEmpty();
            broken = (ObjectNode) json(status.body()).deepCopy();
            ((ObjectNode) broken.get("last_event")).put("applied_at", "today");
            assertThat(openApi.problems(sync200, "get", new Answer(200, broken.toString(), false))).isNotEmpty();
            assertThat(openApi.problems(sync200, "get", new Answer(200, ((ObjectNode) json(status.body()))
                    .put("last_reconciliation", "x").toString(), false))).isNotEmpty();
            assertThat(openApi.problems("/v1/reconciliations", "post", new Answer(409,
                    "{\"error\":\"workos_api_off\",\"message\":\"m\"}", false))).isNotEmpty();
            assertThat(openApi.problems("/v1/reconciliations", "post", new Answer(200, "{}", false))).isNotEmpty();
            assertThat(openApi.problems("/v1/reconciliations/{reconciliation_id}", "get", new Answer(200,
                    "{\"id\":\"rec_000000000000000000000\",\"directory_id\":null,\"status\":\"done\","
                            + "\"trigger\":\"request\",\"requested_at\":\"2026-05-18T14:00:00Z\"}", false)))
                    .isNotEmpty();
        }
    }

    @Test
    void withAKeyTheRoutesAndTheReconciliationsTopicAnswerAsDocumented() throws Exception {
        AsyncApiContract asyncApi = AsyncApiContract.load();
        try (EmbeddedKafka kafka = new EmbeddedKafka(dir.resolve("kafka"), 0).start();
             FakeWorkosApi workos = FakeWorkosApi.start(KEY);
             Harness h = new Harness(dir.resolve("state"), InactiveUserPolicy.RETAIN)) {
            kafka.createContractTopics(3);
            EventsApiConfig config = EventsApiConfig.fromEnv(Map.of(
                    "WORKOS_API_KEY", KEY,
                    "WORKOS_API_URL", workos.url().toString(),
                    "DSYNC_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers(),
                    "DSYNC_EVENTS_POLL_INTERVAL", "PT0.2S",
                    "DSYNC_RECONCILE_INTERVAL", "off")).orElseThrow();
            try (EventsApiSource source = EventsApiSource.start(config, new SimpleMeterRegistry())) {
                SyncStatus sync = new SyncStatus(() -> Optional.of(source));

                // POST /v1/reconciliations: one directory (unknown to the fake WorkOS and the mirror: it completes
                // with nothing to do), then every directory (the fake has no list endpoints: it fails)
                Answer one = sync.request("{\"directory_id\":\"" + D + "\"}");
                openApi.check("/v1/reconciliations", "post", one);
                assertThat(one.status()).isEqualTo(202);
                Answer all = sync.request("");
                openApi.check("/v1/reconciliations", "post", all);
                assertThat(all.status()).isEqualTo(202);
                assertThat(json(all.body()).path("directory_id").isNull()).isTrue();
                for (String bad : List.of("{", "[1]", "\"x\"", "{\"directory_id\":5}", "{\"directory_id\":\"\"}")) {
                    Answer refused = sync.request(bad);
                    openApi.check("/v1/reconciliations", "post", refused);
                    assertThat(refused.status()).as(bad).isEqualTo(400);
                }
                Answer unknown = sync.reconciliation("rec_000000000000000000000");
                openApi.check("/v1/reconciliations/{reconciliation_id}", "get", unknown);
                assertThat(unknown.status()).isEqualTo(404);

                // GET /v1/reconciliations/{id}: every state each one passes through matches the document
                Map<String, String> ended = new TreeMap<>();
                Set<String> seen = new LinkedHashSet<>();
                for (Answer posted : List.of(one, all)) {
                    String id = json(posted.body()).path("id").asText();
                    await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(100)).until(() -> {
                        Answer a = sync.reconciliation(id);
                        openApi.check("/v1/reconciliations/{reconciliation_id}", "get", a);
                        assertThat(a.status()).isEqualTo(200);
                        String s = json(a.body()).path("status").asText();
                        seen.add(s);
                        if (s.equals("completed") || s.equals("failed")) {
                            ended.put(id, s);
                            return true;
                        }
                        return false;
                    });
                }
                assertThat(seen).contains("completed");
                assertThat(ended.values()).allMatch(s -> s.equals("completed") || s.equals("failed"));

                // dsync.reconciliations exists as the reconciler created it, with the configuration documented
                assertThat(createdConfig(kafka, Topics.RECONCILIATIONS))
                        .isEqualTo(asyncApi.topicConfiguration(Topics.RECONCILIATIONS));

                // a record built like the reconciler's matches the AsyncAPI document, and the sync route serves
                // it as last_reconciliation (a directory known only from its reconciliation is still known)
                Instant started = Instant.now();
                String record = ReconciliationRecords.record(ReconciliationRecords.newId(started, random), D,
                        "org_01CONTRACT", "request", started, started.plusMillis(1500),
                        ReconciliationRecords.busyDrift(""), 131).toString();
                assertThat(asyncApi.judge(Topics.RECONCILIATIONS, utf8(D), utf8(record), null).message())
                        .isEqualTo("reconciliation");
                try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                        "bootstrap.servers", kafka.bootstrapServers()), new StringSerializer(),
                        new ByteArraySerializer())) {
                    producer.send(new ProducerRecord<>(Topics.RECONCILIATIONS, D, utf8(record))).get();
                }
                DirectoryStateReader reader = reader(h);
                await().atMost(Duration.ofSeconds(30)).until(() ->
                        !json(sync.directory(D, reader).body()).path("last_reconciliation").isNull());
                Answer status = sync.directory(D, reader);
                openApi.check("/v1/directories/{directory_id}/sync", "get", status);
                JsonNode body = json(status.body());
                assertThat(body.path("last_reconciliation")).isEqualTo(json(record));
                assertThat(body.path("last_event").isNull()).isTrue();
                JsonNode eventsApi = body.path("events_api");
                assertThat(eventsApi.path("enabled").asBoolean()).isTrue();
                for (String field : List.of("cursor", "cursor_time", "checked_at", "lag_seconds",
                        "reconciliation_needed", "api_status", "api_problem")) {
                    assertThat(eventsApi.has(field)).as(field).isTrue();
                }
                assertThat(eventsApi.path("api_status").asText()).isEqualTo("ok");

                Answer unknownDirectory = sync.directory("directory_unknown", reader);
                openApi.check("/v1/directories/{directory_id}/sync", "get", unknownDirectory);
                assertThat(unknownDirectory.status()).isEqualTo(404);
            }
        }
    }

    /** The topic's configuration set when it was created (not the broker's defaults). */
    private static Map<String, String> createdConfig(EmbeddedKafka kafka, String topic) throws Exception {
        try (Admin admin = kafka.admin()) {
            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
            Map<String, String> out = new TreeMap<>();
            admin.describeConfigs(List.of(resource)).all().get(30, TimeUnit.SECONDS).get(resource).entries().stream()
                    .filter(e -> e.source() == ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG)
                    .forEach(e -> out.put(e.name(), e.value()));
            return out;
        }
    }

    static DirectoryStateReader reader(Harness h) {
        return new DirectoryStateReader(
                h.driver.getKeyValueStore(DsyncTopology.DIRECTORIES_STORE),
                h.driver.getKeyValueStore(DsyncTopology.USERS_STORE),
                h.driver.getKeyValueStore(DsyncTopology.GROUPS_STORE),
                h.driver.getKeyValueStore(DsyncTopology.MEMBERSHIPS_STORE),
                h.driver.getKeyValueStore(DsyncTopology.LAST_EVENTS_STORE));
    }

    static JsonNode json(String s) throws Exception {
        return EventParser.MAPPER.readTree(s);
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The published OpenAPI document, used to judge answers: an answer's status must be one the operation
     * declares, and its body must match that response's schema (OpenAPI 3.0's schema dialect: {@code nullable},
     * formats asserted).
     */
    static final class OpenApi {

        private static final String IRI = "https://dsync.invalid/v1/openapi.json";
        final JsonNode document;
        private final SchemaRegistry registry;

        private OpenApi(JsonNode document) throws Exception {
            this.document = document;
            String json = new ObjectMapper().writeValueAsString(document);
            this.registry = SchemaRegistry.withDefaultDialect(Dialects.getOpenApi30(), b -> b
                    .schemaRegistryConfig(SchemaRegistryConfig.builder().formatAssertionsEnabled(true).build())
                    .schemas(Map.of(IRI, json)));
        }

        static OpenApi load() {
            try {
                return new OpenApi(AsyncApiContract.readYaml(AsyncApiContract.resource(AsyncApiContract.BASE
                        + "openapi.yaml")));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        /** Fails unless {@code answer} is a response the document declares for the operation, body included. */
        void check(String path, String method, Answer answer) {
            assertThat(problems(path, method, answer)).as(method + " " + path + " " + answer.status() + ": "
                    + answer.body()).isEmpty();
        }

        /** Why {@code answer} is not a documented response of the operation; empty when it is one. */
        List<String> problems(String path, String method, Answer answer) {
            JsonNode operation = document.path("paths").path(path).path(method);
            assertThat(operation.isMissingNode()).as(method + " " + path + " is documented").isFalse();
            JsonNode response = deref(operation.path("responses").path(Integer.toString(answer.status())));
            if (response.isMissingNode()) {
                return List.of("status " + answer.status() + " is not documented");
            }
            JsonNode schema = response.path("content").path("application/json").path("schema");
            String ref = schema.path("$ref").asText();
            assertThat(ref).as("the test reads schemas by reference").startsWith("#/components/schemas/");
            Schema compiled = registry.getSchema(SchemaLocation.of(IRI + ref));
            List<String> problems = new ArrayList<>();
            try {
                for (Error e : compiled.validate(EventParser.MAPPER.readTree(answer.body()))) {
                    problems.add(e.toString());
                }
            } catch (Exception e) {
                problems.add("not JSON: " + e.getMessage());
            }
            return problems;
        }

        private JsonNode deref(JsonNode node) {
            while (node.has("$ref")) {
                node = document.at(node.get("$ref").asText().substring(1));
            }
            return node;
        }
    }
}
