package dev.dsync.topology;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * The published AsyncAPI document, read the way a consumer would read it, and used to judge real records: a record
 * of a topic is valid when it matches one of the messages of the channel with that address, in key, value and
 * headers. Nothing here knows what a topic should carry; everything comes from the document and the schemas it
 * references, so the tests that use it fail when the code and the published contract part ways.
 */
public final class AsyncApiContract {

    /** Where the document and its schemas are on the classpath (the query API serves the same resources). */
    public static final String BASE = "dev/dsync/topology/query/";
    public static final String DOCUMENT = BASE + "asyncapi.yaml";

    public static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    public static final ObjectMapper JSON = new ObjectMapper();

    /** Draft-07 (AsyncAPI's own schema dialect), with formats such as date-time asserted, not just annotated. */
    public static final SchemaRegistry REGISTRY = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_7,
            b -> b.schemaRegistryConfig(SchemaRegistryConfig.builder().formatAssertionsEnabled(true).build()));

    public final JsonNode document;
    private final Map<String, Schema> schemas = new ConcurrentHashMap<>();

    public AsyncApiContract(JsonNode document) {
        this.document = document;
    }

    public static AsyncApiContract load() {
        return new AsyncApiContract(readYaml(resource(DOCUMENT)));
    }

    public static byte[] resource(String path) {
        try (InputStream in = AsyncApiContract.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException(path + " is not on the classpath");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static JsonNode readYaml(byte[] yaml) {
        try {
            return YAML.readTree(yaml);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Follows {@code $ref}s into this document until it reaches a node that is not a reference. */
    public JsonNode deref(JsonNode node) {
        int hops = 0;
        while (node != null && node.has("$ref") && node.get("$ref").asText().startsWith("#")) {
            String pointer = node.get("$ref").asText().substring(1);
            JsonNode target = document.at(pointer);
            if (target.isMissingNode()) {
                throw new IllegalStateException("dangling reference " + node.get("$ref").asText());
            }
            node = target;
            if (++hops > 20) {
                throw new IllegalStateException("reference cycle at " + pointer);
            }
        }
        return node;
    }

    /**
     * A schema object of the document, compiled: a reference to a schema file beside the document
     * ({@code schemas/user.json}) is loaded from the classpath, so the files' own relative references resolve as
     * they do for a reader of the served document; an inline schema ({@code allOf: [{$ref: schemas/…}]}) likewise.
     */
    public Schema schema(JsonNode schemaOrRef) {
        JsonNode node = deref(schemaOrRef);
        if (node.has("$ref")) {
            String file = node.get("$ref").asText();
            return schemas.computeIfAbsent(file, f -> REGISTRY.getSchema(SchemaLocation.of("classpath:" + BASE + f)));
        }
        // inline, possibly referring to the schema files: resolved against the document's own location
        return REGISTRY.getSchema(SchemaLocation.of("classpath:" + DOCUMENT), node);
    }

    /** The channel whose address is {@code topic}. */
    public JsonNode channel(String topic) {
        for (JsonNode channel : iterable(document.path("channels").elements())) {
            if (topic.equals(channel.path("address").asText(null))) {
                return channel;
            }
        }
        throw new IllegalArgumentException("the AsyncAPI document has no channel for " + topic);
    }

    /** The channel's messages by their key in the channel, dereferenced. */
    public Map<String, JsonNode> messages(String topic) {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        channel(topic).path("messages").fields().forEachRemaining(e -> out.put(e.getKey(), deref(e.getValue())));
        return out;
    }

    /**
     * The topic configuration the channel of {@code topic} declares in its Kafka binding, values as text (a list,
     * such as {@code cleanup.policy}, joined with commas as Kafka writes it).
     */
    public Map<String, String> topicConfiguration(String topic) {
        JsonNode bindings = deref(channel(topic).path("bindings"));
        JsonNode config = deref(bindings.path("kafka")).path("topicConfiguration");
        Map<String, String> declared = new java.util.TreeMap<>();
        config.fields().forEachRemaining(f -> {
            List<String> values = new ArrayList<>();
            if (f.getValue().isArray()) {
                f.getValue().forEach(v -> values.add(v.asText()));
            } else {
                values.add(f.getValue().asText());
            }
            declared.put(f.getKey(), String.join(",", values));
        });
        return declared;
    }

    /** What judging one record found: the message it matched (null when none), else why each message did not. */
    public record Verdict(String topic, String message, Map<String, List<String>> mismatches) {
        public boolean valid() {
            return message != null;
        }

        @Override
        public String toString() {
            return valid() ? topic + " matches " + message : topic + " matches no message: " + mismatches;
        }
    }

    /** Judges a record of {@code topic} against the messages of its channel. */
    public Verdict judge(String topic, byte[] key, byte[] value, Headers headers) {
        Map<String, List<String>> mismatches = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> m : messages(topic).entrySet()) {
            List<String> problems = mismatches(m.getValue(), key, value, headers);
            if (problems.isEmpty()) {
                return new Verdict(topic, m.getKey(), Map.of());
            }
            mismatches.put(m.getKey(), problems);
        }
        return new Verdict(topic, null, mismatches);
    }

    private List<String> mismatches(JsonNode message, byte[] key, byte[] value, Headers headers) {
        List<String> problems = new ArrayList<>();
        JsonNode kafka = deref(message.path("bindings").path("kafka"));
        if (kafka.has("key")) {
            JsonNode keyNode = decodeKey(kafka.path("x-dsync-key-encoding").asText("text"), key, problems);
            if (keyNode != null) {
                problems.addAll(prefixed("key", schema(kafka.get("key")).validate(keyNode)));
            }
        }
        String contentType = message.path("contentType").asText(document.path("defaultContentType").asText());
        if (contentType.equals("application/json")) {
            JsonNode payload = value == null ? JsonNodeFactory.instance.nullNode() : parseJson(value, "value", problems);
            if (payload != null) {
                problems.addAll(prefixed("value", schema(message.get("payload")).validate(payload)));
            }
        } else if (!contentType.equals("application/octet-stream")) {
            problems.add("content type " + contentType + " is not one these tests can check");
        }
        if (message.has("headers")) {
            ObjectNode h = headerObject(headers, problems);
            problems.addAll(prefixed("headers", schema(message.get("headers")).validate(h)));
        } else if (headers != null && headers.toArray().length > 0) {
            // a header the document does not mention is one consumers cannot know about
            problems.add("headers " + headerObject(headers, new ArrayList<>()) + " on a message that declares none");
        }
        return problems;
    }

    private static JsonNode decodeKey(String encoding, byte[] key, List<String> problems) {
        if (key == null) {
            return JsonNodeFactory.instance.nullNode();
        }
        return switch (encoding) {
            case "text" -> JsonNodeFactory.instance.textNode(new String(key, StandardCharsets.UTF_8));
            case "json" -> parseJson(key, "key", problems);
            default -> {
                problems.add("unknown x-dsync-key-encoding " + encoding);
                yield null;
            }
        };
    }

    private static JsonNode parseJson(byte[] bytes, String what, List<String> problems) {
        try {
            return JSON.readTree(bytes);
        } catch (IOException e) {
            problems.add(what + " is not JSON: " + e.getMessage());
            return null;
        }
    }

    /** Kafka headers as the object the header schemas describe: UTF-8 text values, last one of a name wins. */
    public static ObjectNode headerObject(Headers headers, List<String> problems) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        if (headers == null) {
            return o;
        }
        for (Header h : headers) {
            if (o.has(h.key())) {
                problems.add("header " + h.key() + " appears more than once");
            }
            o.put(h.key(), h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8));
        }
        return o;
    }

    public static List<String> prefixed(String what, List<Error> errors) {
        return errors.stream().map(e -> what + ": " + e).toList();
    }

    public static <T> Iterable<T> iterable(Iterator<T> it) {
        return () -> it;
    }
}
