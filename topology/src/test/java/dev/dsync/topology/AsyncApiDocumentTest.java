package dev.dsync.topology;

import static dev.dsync.topology.AsyncApiContract.BASE;
import static dev.dsync.topology.AsyncApiContract.iterable;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import dev.dsync.events.Topics;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The AsyncAPI document is a valid AsyncAPI 3.0 document, by the AsyncAPI Initiative's own JSON Schema of the
 * specification; every reference in it and in its schema files resolves; the schema files are draft-07 schemas;
 * and its channels are exactly the topics dsync writes, with the configuration dsync creates them with.
 */
class AsyncApiDocumentTest {

    /**
     * {@code dsync.reconciliations} as {@code Reconciler}'s constructor creates it (its partitions and replication
     * come from {@code DSYNC_TOPIC_PARTITIONS} and {@code DSYNC_TOPIC_REPLICATION_FACTOR}); the configuration of the
     * real topic on a broker is compared with the document by {@code query.WorkosApiContractTest}.
     */
    static final Map<String, String> RECONCILIATIONS_CONFIG = Map.of(
            "cleanup.policy", "compact",
            "min.compaction.lag.ms", "0");

    private final AsyncApiContract contract = AsyncApiContract.load();
    private final Schema asyncApiSpec = AsyncApiContract.REGISTRY.getSchema(
            SchemaLocation.of("classpath:asyncapi-spec/asyncapi-3.0.0.schema.json"));

    @Test
    void isAValidAsyncApi3Document() {
        assertThat(contract.document.path("asyncapi").asText()).isEqualTo("3.0.0");
        assertThat(asyncApiSpec.validate(contract.document)).isEmpty();
    }

    @Test
    void theSpecificationSchemaRejectsBrokenDocuments() {
        // the check above proves something only if it can fail: version-2 shapes and missing parts are refused
        ObjectNode noInfo = contract.document.deepCopy();
        noInfo.remove("info");
        assertThat(asyncApiSpec.validate(noInfo)).isNotEmpty();

        ObjectNode publish = contract.document.deepCopy();
        ((ObjectNode) publish.path("operations").path("topologyWritesUsers")).put("action", "publish");
        assertThat(asyncApiSpec.validate(publish)).isNotEmpty();

        ObjectNode badBinding = contract.document.deepCopy();
        ((ObjectNode) badBinding.path("channels").path("events").path("bindings").path("kafka"))
                .put("partitionz", 3);
        assertThat(asyncApiSpec.validate(badBinding)).isNotEmpty();
    }

    @Test
    void everyReferenceResolvesAndEverySchemaFileIsADraft07Schema() throws Exception {
        Schema draft07 = AsyncApiContract.REGISTRY.getSchema(SchemaLocation.of("http://json-schema.org/draft-07/schema"));
        Set<String> reached = new TreeSet<>();
        Deque<String> files = new ArrayDeque<>();
        List<String> problems = new ArrayList<>();

        for (String ref : refs(contract.document)) {
            if (ref.startsWith("#")) {
                if (contract.document.at(ref.substring(1)).isMissingNode()) {
                    problems.add("asyncapi.yaml: dangling " + ref);
                }
            } else {
                files.add(ref);
            }
        }
        while (!files.isEmpty()) {
            String ref = files.pop();
            String file = ref.contains("#") ? ref.substring(0, ref.indexOf('#')) : ref;
            String pointer = ref.contains("#") ? ref.substring(ref.indexOf('#') + 1) : "";
            JsonNode schema = AsyncApiContract.JSON.readTree(AsyncApiContract.resource(BASE + file));
            if (schema.at(pointer).isMissingNode()) {
                problems.add(ref + ": no such pointer");
            }
            if (!reached.add(file)) {
                continue;
            }
            assertThat(schema.path("$schema").asText()).as(file).isEqualTo("http://json-schema.org/draft-07/schema#");
            assertThat(draft07.validate(schema)).as(file + " against the draft-07 meta-schema").isEmpty();
            String dir = file.substring(0, file.lastIndexOf('/') + 1);
            for (String inner : refs(schema)) {
                if (inner.startsWith("#")) {
                    if (schema.at(inner.substring(1)).isMissingNode()) {
                        problems.add(file + ": dangling " + inner);
                    }
                } else {
                    files.add(dir + inner);
                }
            }
        }
        assertThat(problems).isEmpty();
        // no orphans: a schema file nothing references would be published without describing anything
        assertThat(reached).containsExactlyInAnyOrderElementsOf(schemaFiles());
    }

    @Test
    void itsChannelsAreExactlyTheTopicsDsyncWritesWithTheirConfiguration() {
        Map<String, JsonNode> byAddress = new TreeMap<>();
        for (JsonNode channel : iterable(contract.document.path("channels").elements())) {
            assertThat(byAddress.put(channel.path("address").asText(), channel)).as("one channel per topic").isNull();
        }
        Set<String> written = new TreeSet<>(Topics.INPUTS);
        written.addAll(Topics.CHANGE_LOGS);
        written.add(Topics.PROVISIONING);
        written.add(Topics.RECONCILIATIONS);
        assertThat(byAddress.keySet()).isEqualTo(written);

        for (Map.Entry<String, JsonNode> e : byAddress.entrySet()) {
            Map<String, String> declared = contract.topicConfiguration(e.getKey());
            Map<String, String> created = switch (e.getKey()) {
                case Topics.PROVISIONING -> Topics.provisioningConfig(TopologyConfig.DEFAULT_PROVISIONING_RETENTION);
                case Topics.RECONCILIATIONS -> RECONCILIATIONS_CONFIG;
                default -> Topics.configFor(e.getKey());
            };
            assertThat(declared).as(e.getKey()).isEqualTo(new TreeMap<>(created));
        }
    }

    @Test
    void operationsUseTheirOwnChannelsMessagesAndEveryMessageHasAKeyAndAPayload() {
        for (Map.Entry<String, JsonNode> op : fields(contract.document.path("operations"))) {
            String channelRef = op.getValue().path("channel").path("$ref").asText();
            assertThat(channelRef).as(op.getKey()).startsWith("#/channels/");
            assertThat(contract.document.at(channelRef.substring(1)).isMissingNode()).as(op.getKey()).isFalse();
            for (JsonNode m : op.getValue().path("messages")) {
                assertThat(m.path("$ref").asText()).as(op.getKey()).startsWith(channelRef + "/messages/");
                assertThat(contract.deref(m).path("payload").isMissingNode()).as(op.getKey()).isFalse();
            }
        }
        for (JsonNode channel : iterable(contract.document.path("channels").elements())) {
            String topic = channel.path("address").asText();
            assertThat(contract.messages(topic)).as(topic).isNotEmpty();
            contract.messages(topic).forEach((name, message) -> {
                assertThat(message.path("payload").isMissingNode()).as(name).isFalse();
                JsonNode kafka = contract.deref(message.path("bindings").path("kafka"));
                assertThat(kafka.path("key").isMissingNode()).as(name + " key").isFalse();
                assertThat(kafka.path("x-dsync-key-encoding").asText()).as(name).isIn("text", "json");
            });
        }
    }

    /** Every {@code $ref} value in a tree. */
    static List<String> refs(JsonNode node) {
        List<String> out = new ArrayList<>();
        Deque<JsonNode> todo = new ArrayDeque<>(List.of(node));
        while (!todo.isEmpty()) {
            JsonNode n = todo.pop();
            if (n.isObject() && n.path("$ref").isTextual()) {
                out.add(n.get("$ref").asText());
            }
            n.elements().forEachRemaining(todo::push);
        }
        return out;
    }

    /** The schema files beside the document, as the document names them. */
    static Set<String> schemaFiles() throws IOException, URISyntaxException {
        Path dir = Path.of(AsyncApiDocumentTest.class.getClassLoader().getResource(BASE + "schemas").toURI());
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> "schemas/" + p.getFileName()).collect(Collectors.toCollection(TreeSet::new));
        }
    }

    static List<Map.Entry<String, JsonNode>> fields(JsonNode node) {
        List<Map.Entry<String, JsonNode>> out = new ArrayList<>();
        node.fields().forEachRemaining(out::add);
        return out;
    }
}
