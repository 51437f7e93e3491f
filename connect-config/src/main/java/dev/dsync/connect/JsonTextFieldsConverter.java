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
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.data.Struct;
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
 * <p>What PostgreSQL cannot store is made storable, in every field, designated or not: U+0000 in a string or an
 * object key becomes U+FFFD (PostgreSQL {@code text} and {@code jsonb} refuse it, and the sink task would fail for
 * good on that record), and in a designated field a number whose decimal exponent is beyond ±1000 (more than
 * {@code numeric} reads, e.g. {@code 1e1001}) becomes the JSON string of its text ({@code "1E+1001"}).
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
    /**
     * The {@code schema.content} schema when it is a struct of string fields, as every dsync sink's is: then a value
     * is parsed once and its struct built here, instead of rendered back to bytes for {@link JsonConverter} to parse
     * again (converting twice was the largest part of the sink's samples). Null otherwise: everything goes through
     * {@link JsonConverter}.
     */
    private Schema stringStruct;

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        Map<String, Object> rest = new HashMap<>(configs);
        Object raw = rest.remove(JSON_TEXT_FIELDS_CONFIG);
        this.fields = parseFields(raw);
        delegate.configure(rest, isKey);
        Object content = rest.get("schema.content");
        this.stringStruct = content == null ? null : stringStruct(content.toString());
    }

    /** Whether values are parsed once (a struct-of-strings schema), for tests. */
    boolean parsesOnce() {
        return stringStruct != null;
    }

    private Schema stringStruct(String content) {
        Schema schema;
        try {
            schema = delegate.asConnectSchema(MAPPER.readTree(content));
        } catch (IOException | RuntimeException e) {
            return null; // JsonConverter has accepted it or said why; its own path stays the only one
        }
        if (schema == null || schema.type() != Schema.Type.STRUCT) {
            return null;
        }
        for (Field field : schema.fields()) {
            if (field.schema().type() != Schema.Type.STRING || field.schema().defaultValue() != null) {
                return null;
            }
        }
        return schema;
    }

    /**
     * What {@link JsonConverter} makes of {@code object} under a struct of strings: a string field takes a JSON
     * string's text and nothing else (anything else becomes null, as there), and a required field must have one.
     */
    private Struct toStringStruct(ObjectNode object) {
        Struct struct = new Struct(stringStruct);
        for (Field field : stringStruct.fields()) {
            JsonNode node = object.get(field.name());
            if (node == null || node.isNull()) {
                if (!field.schema().isOptional()) {
                    throw new DataException("Invalid null value for required STRING field");
                }
            } else {
                struct.put(field, node.textValue());
            }
        }
        return struct;
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
        SchemaAndValue struct = toStringStruct(value);
        return struct != null ? struct : delegate.toConnectData(topic, renderJsonTextFields(value));
    }

    @Override
    public SchemaAndValue toConnectData(String topic, Headers headers, byte[] value) {
        SchemaAndValue struct = toStringStruct(value);
        return struct != null ? struct : delegate.toConnectData(topic, headers, renderJsonTextFields(value));
    }

    /** The value as a struct of strings in one parse, or null when it is not an object or there is no such schema. */
    private SchemaAndValue toStringStruct(byte[] value) {
        if (stringStruct == null || value == null) {
            return null;
        }
        ObjectNode object = parseObject(value);
        if (object == null) {
            return null;
        }
        ObjectNode rewritten = rewrite(object, containsNulEscape(value));
        return new SchemaAndValue(stringStruct, toStringStruct(rewritten != null ? rewritten : object));
    }

    /**
     * Returns {@code value} with the designated fields replaced by their JSON text and what PostgreSQL cannot hold
     * made storable (see {@link #storable}); returns the input itself when there is nothing to do (tombstone, not
     * an object, or no designated field present and no U+0000 anywhere).
     */
    byte[] renderJsonTextFields(byte[] value) {
        if (value == null) {
            return value;
        }
        boolean mayHoldNul = containsNulEscape(value);
        if (fields.isEmpty() && !mayHoldNul) {
            return value;
        }
        ObjectNode object = parseObject(value);
        if (object == null) {
            return value;
        }
        ObjectNode rewritten = rewrite(object, mayHoldNul);
        if (rewritten == null) {
            return value;
        }
        try {
            return MAPPER.writeValueAsBytes(rewritten);
        } catch (JsonProcessingException e) {
            throw new DataException("cannot serialise the rewritten value", e);
        }
    }

    /** The value's JSON object; null when it is JSON but not an object. */
    private static ObjectNode parseObject(byte[] value) {
        try {
            return MAPPER.readTree(value) instanceof ObjectNode object ? object : null;
        } catch (IOException e) {
            throw new DataException("Converting byte[] to Kafka Connect data failed due to serialization error: ", e);
        }
    }

    /**
     * {@code object} with the designated fields replaced by their JSON text and, when it {@code mayHoldNul}, what
     * PostgreSQL cannot hold made storable; null when that changes nothing.
     */
    private ObjectNode rewrite(ObjectNode object, boolean mayHoldNul) {
        boolean[] changed = {false};
        if (mayHoldNul) {
            object = (ObjectNode) storable(object, false, changed);
        }
        for (String field : fields) {
            JsonNode node = object.get(field);
            if (node == null || node.isNull()) {
                continue;
            }
            try {
                object.set(field, TextNode.valueOf(MAPPER.writeValueAsString(storable(node, true, changed))));
            } catch (JsonProcessingException e) {
                throw new DataException("cannot render field " + field + " as JSON text", e);
            }
            changed[0] = true;
        }
        return changed[0] ? object : null;
    }

    /** The largest decimal exponent PostgreSQL's {@code numeric} (and so {@code jsonb}) reads from text. */
    static final int PG_MAX_EXPONENT = 1000;

    /**
     * {@code node} as PostgreSQL can store it. PostgreSQL {@code text} and {@code jsonb} cannot hold U+0000 (the
     * write fails, and with it the sink task, for good), so it becomes U+FFFD, in values and in object keys. In a
     * {@code jsonb} field ({@code inJsonb}), a number whose exponent {@code numeric} cannot read ({@code 1e1001})
     * is kept as the JSON string of its text. Everything else is returned as it is.
     */
    static JsonNode storable(JsonNode node, boolean inJsonb, boolean[] changed) {
        if (node.isTextual()) {
            String text = node.textValue();
            if (text.indexOf('\u0000') < 0) {
                return node;
            }
            changed[0] = true;
            return TextNode.valueOf(text.replace('\u0000', '\uFFFD'));
        }
        if (inJsonb && node.isBigDecimal()) {
            java.math.BigDecimal d = node.decimalValue();
            long exponent = (long) d.precision() - d.scale() - 1;
            if (Math.abs(exponent) > PG_MAX_EXPONENT) {
                changed[0] = true;
                return TextNode.valueOf(d.toString());
            }
            return node;
        }
        if (node instanceof ObjectNode o) {
            ObjectNode out = JsonNodeFactory.withExactBigDecimals(true).objectNode();
            var it = o.fields();
            while (it.hasNext()) {
                var e = it.next();
                String key = e.getKey();
                if (key.indexOf('\u0000') >= 0) {
                    changed[0] = true;
                    key = key.replace('\u0000', '\uFFFD');
                }
                out.set(key, storable(e.getValue(), inJsonb, changed));
            }
            return out;
        }
        if (node instanceof com.fasterxml.jackson.databind.node.ArrayNode a) {
            var out = JsonNodeFactory.withExactBigDecimals(true).arrayNode(a.size());
            for (JsonNode item : a) {
                out.add(storable(item, inJsonb, changed));
            }
            return out;
        }
        return node;
    }

    private static final byte[] NUL_ESCAPE = "\\u0000".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /** Whether the JSON text may contain U+0000: in valid JSON it can only be written as this escape. */
    static boolean containsNulEscape(byte[] json) {
        outer:
        for (int i = 0; i + NUL_ESCAPE.length <= json.length; i++) {
            for (int k = 0; k < NUL_ESCAPE.length; k++) {
                if (json[i + k] != NUL_ESCAPE[k]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
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
