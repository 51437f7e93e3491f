package dev.dsync.connect;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.IOException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.connect.components.Versioned;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.storage.Converter;

/**
 * A {@link JsonConverter} that first renders the designated top-level fields of a JSON object as JSON <em>text</em>.
 *
 * <p>The change-log topics carry plain JSON where {@code custom_attributes} is an object and {@code roles} /
 * {@code domains} are arrays. The Debezium JDBC sink writes a field into a {@code jsonb} column only when the field
 * is a string whose schema is named {@code io.debezium.data.Json}, and {@link JsonConverter} with
 * {@code schema.content} turns an object where the schema says {@code string} into {@code null} <em>without any
 * error</em>. This converter closes that gap: with {@code json.text.fields=custom_attributes,roles}, the value
 * {@code {"id":"u1","roles":["admin"]}} becomes {@code {"id":"u1","roles":"[\"admin\"]"}} before it is handed to the
 * wrapped {@link JsonConverter}, which then applies the schema from {@code schema.content}.
 *
 * <p>Rules for a designated field: absent stays absent, JSON {@code null} stays {@code null} (SQL NULL), any other
 * value (object, array, string, number, boolean) is replaced by its compact JSON text, so the text is always valid
 * JSON for a {@code jsonb} column. Numbers keep their exact textual form (no double rounding). Fields that are not
 * designated, and values that are not JSON objects (including tombstones), pass through untouched.
 *
 * <p>Every other setting ({@code schemas.enable}, {@code schema.content}, …) is passed to the wrapped
 * {@link JsonConverter}. Serialisation ({@code fromConnectData}) is plain {@link JsonConverter} behaviour.
 */
public class JsonTextFieldsConverter implements Converter, Versioned {

    /** Comma-separated names of the top-level fields to render as JSON text. */
    public static final String JSON_TEXT_FIELDS_CONFIG = "json.text.fields";

    private static final String JSON_TEXT_FIELDS_DOC =
            "Comma-separated top-level fields of the JSON object value whose JSON value is replaced by its JSON text "
                    + "before the JsonConverter applies the schema (for jsonb columns via io.debezium.data.Json).";

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .setNodeFactory(JsonNodeFactory.withExactBigDecimals(true));

    private final JsonConverter delegate = new JsonConverter();
    private Set<String> fields = Set.of();

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        Map<String, Object> rest = new HashMap<>(configs);
        Object raw = rest.remove(JSON_TEXT_FIELDS_CONFIG);
        this.fields = parseFields(raw);
        delegate.configure(rest, isKey);
    }

    static Set<String> parseFields(Object raw) {
        if (raw == null) {
            return Set.of();
        }
        List<?> items = raw instanceof List<?> list ? list : Arrays.asList(raw.toString().split(","));
        Set<String> result = new LinkedHashSet<>();
        for (Object item : items) {
            String name = item.toString().trim();
            if (!name.isEmpty()) {
                result.add(name);
            }
        }
        return Set.copyOf(result);
    }

    /** The fields this instance renders as JSON text. */
    public Set<String> jsonTextFields() {
        return fields;
    }

    @Override
    public byte[] fromConnectData(String topic, Schema schema, Object value) {
        return delegate.fromConnectData(topic, schema, value);
    }

    @Override
    public byte[] fromConnectData(String topic, Headers headers, Schema schema, Object value) {
        return delegate.fromConnectData(topic, headers, schema, value);
    }

    @Override
    public SchemaAndValue toConnectData(String topic, byte[] value) {
        return delegate.toConnectData(topic, renderJsonTextFields(value));
    }

    @Override
    public SchemaAndValue toConnectData(String topic, Headers headers, byte[] value) {
        return delegate.toConnectData(topic, headers, renderJsonTextFields(value));
    }

    /**
     * Returns {@code value} with the designated fields replaced by their JSON text; returns the input itself when
     * there is nothing to do (tombstone, no designated fields, not an object, or no designated field present).
     */
    byte[] renderJsonTextFields(byte[] value) {
        if (value == null || fields.isEmpty()) {
            return value;
        }
        JsonNode root;
        try {
            root = MAPPER.readTree(value);
        } catch (IOException e) {
            throw new DataException("Converting byte[] to Kafka Connect data failed due to serialization error: ", e);
        }
        if (!(root instanceof ObjectNode object)) {
            return value;
        }
        boolean changed = false;
        for (String field : fields) {
            JsonNode node = object.get(field);
            if (node == null || node.isNull()) {
                continue;
            }
            try {
                object.set(field, TextNode.valueOf(MAPPER.writeValueAsString(node)));
            } catch (JsonProcessingException e) {
                throw new DataException("cannot render field " + field + " as JSON text", e);
            }
            changed = true;
        }
        if (!changed) {
            return value;
        }
        try {
            return MAPPER.writeValueAsBytes(object);
        } catch (JsonProcessingException e) {
            throw new DataException("cannot serialise the rewritten value", e);
        }
    }

    @Override
    public ConfigDef config() {
        ConfigDef def = new ConfigDef(delegate.config());
        def.define(JSON_TEXT_FIELDS_CONFIG, ConfigDef.Type.LIST, "", ConfigDef.Importance.HIGH, JSON_TEXT_FIELDS_DOC);
        return def;
    }

    @Override
    public void close() {
        delegate.close();
    }

    @Override
    public String version() {
        String v = JsonTextFieldsConverter.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }
}
